"""Hovering a scatter point draws a red dotted line through every point of the same image.

Computed in the browser: a clientside callback reads the hovered point's customdata (the image
index), collects that image's points from the figure already on the page, and returns a
dash_clientside.Patch that fills the scatter's second trace. No request reaches the server.
"""

from __future__ import annotations

from dash import Input, Output, State

from layouts.ids import ids

# Markers are trace 0 and the line is trace 1 (figures/scatter.py). The line's `meta` remembers
# the image drawn, so moving within one image's points costs nothing.
HOVER_LINE_JS = """
function (hoverData, figure) {
    var dc = window.dash_clientside;
    if (!hoverData || !hoverData.points || !hoverData.points.length || !figure ||
            !figure.data || figure.data.length < 2) {
        return dc.no_update;
    }
    var point = hoverData.points[0];
    if (point.curveNumber !== 0) {
        return dc.no_update;
    }
    var image = Array.isArray(point.customdata) ? point.customdata[0] : point.customdata;
    if (image === undefined || image === null || figure.data[1].meta === image) {
        return dc.no_update;
    }
    var markers = figure.data[0];
    var images = markers.customdata, xs = markers.x, ys = markers.y;
    var lineX = [], lineY = [];
    for (var i = 0; i < images.length; i++) {
        if (images[i] === image) {
            lineX.push(xs[i]);
            lineY.push(ys[i]);
        }
    }
    return new dc.Patch()
        .assign(["data", 1, "x"], lineX)
        .assign(["data", 1, "y"], lineY)
        .assign(["data", 1, "meta"], image)
        .build();
}
"""


def register(app, services) -> None:
    app.clientside_callback(
        HOVER_LINE_JS,
        Output(ids.SCATTER, "figure", allow_duplicate=True),
        Input(ids.SCATTER, "hoverData"),
        State(ids.SCATTER, "figure"),
        prevent_initial_call=True,
    )
