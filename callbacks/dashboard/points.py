"""The scatter's points reach the browser compact (ids.SCATTER_DATA, written by the render
callback): assets/scatter.js expands them into the figure plotly.js draws, adding what the
browser can derive (x, y, hover names) from the build's image table. No server round trip
beyond fetching that table once per build."""

from __future__ import annotations

from dash import ClientsideFunction, Input, Output

from layouts.dashboard.ids import ids


def register(app, services) -> None:
    app.clientside_callback(
        ClientsideFunction(namespace="imageDashboardScatter", function_name="expand"),
        Output(ids.SCATTER, "figure"),
        Input(ids.SCATTER_DATA, "data"),
    )
