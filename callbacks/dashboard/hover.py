"""Hovering a scatter point draws a red dotted line through every point of the same image.

Computed in the browser: a clientside callback reads the hovered point's customdata (the image
index), collects that image's points from the figure already on the page, and returns a
dash_clientside.Patch that replaces the scatter's layout.shapes with one dotted path through
them (and a dot on each). No request reaches the server. Shapes, not a second trace: a layout
shape redraws alone, where any trace change makes plotly.js recompute every marker (seconds at
20,000 WebGL points on a software renderer).
"""

from __future__ import annotations

from dash import Input, Output, State

from figures.dashboard.scatter import HOVER_LINE_COLOUR
from layouts.dashboard.ids import ids

# The markers are trace 0 (figures/scatter.py). On a category axis a path's x is the category's
# position: its order of first appearance in the trace (categoryorder "trace"). The path's `name` remembers the image drawn, so moving within one image's points
# costs nothing.
HOVER_LINE_JS = """
function (hoverData, figure) {
    var dc = window.dash_clientside;
    if (!figure || !figure.data || !figure.data.length) {
        return dc.no_update;
    }
    if (!hoverData || !hoverData.points || !hoverData.points.length) {
        // The mouse left the chart (clear_on_unhover): take the line away.
        var drawn = (figure.layout && figure.layout.shapes) || [];
        return drawn.length ? new dc.Patch().assign(["layout", "shapes"], []).build()
                            : dc.no_update;
    }
    var point = hoverData.points[0];
    if (point.curveNumber !== 0) {
        return dc.no_update;
    }
    var image = Array.isArray(point.customdata) ? point.customdata[0] : point.customdata;
    var shapes = figure.layout.shapes || [];
    var tag = "image:" + image;
    if (image === undefined || image === null || (shapes.length && shapes[0].name === tag)) {
        return dc.no_update;
    }
    var markers = figure.data[0];
    var images = markers.customdata, xs = markers.x, ys = markers.y;
    var position = {}, categories = 0, path = [], dots = [];
    for (var i = 0; i < images.length; i++) {
        if (!(xs[i] in position)) {  // the axis lists categories in order of appearance
            position[xs[i]] = categories++;
        }
        if (images[i] === image) {
            var x = position[xs[i]], y = ys[i];
            path.push((path.length ? "L" : "M") + x + "," + y);
            dots.push({type: "circle", xref: "x", yref: "y", xsizemode: "pixel",
                       ysizemode: "pixel", xanchor: x, yanchor: y, x0: -4, x1: 4, y0: -4, y1: 4,
                       fillcolor: "%(colour)s", line: {width: 0}, layer: "above"});
        }
    }
    var line = {type: "path", name: tag, path: path.join(" "), xref: "x", yref: "y",
                line: {color: "%(colour)s", dash: "dot", width: 2}, layer: "above"};
    return new dc.Patch().assign(["layout", "shapes"], [line].concat(dots)).build();
}
""" % {"colour": HOVER_LINE_COLOUR}


def register(app, services) -> None:
    app.clientside_callback(
        HOVER_LINE_JS,
        Output(ids.SCATTER, "figure", allow_duplicate=True),
        Input(ids.SCATTER, "hoverData"),
        State(ids.SCATTER, "figure"),
        prevent_initial_call=True,
    )
