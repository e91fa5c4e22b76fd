"""The compare page (`/compare-builds`): two builds of one image source side by side — images
added, removed and changed, each feature's prevalence and impact in both, a chart of impact A
against B, a sortable table with a CSV download. callbacks/compare_builds.py fills it."""

from __future__ import annotations

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html

from figures.compare_builds import column_defs
from layouts.pickers import dropdown, field, number_field, source_selectors

GRAPH_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}


class ids:  # noqa: N801 - used as a namespace
    URL = "compare-url"
    STATE = "compare-state"  # {"resolved": bool, "metrics": pinned delivery id or None}
    BUSINESS = "compare-business"
    IMAGE_SOURCE = "compare-image-source"
    BUILD_A = "compare-build-a"
    BUILD_B = "compare-build-b"
    THRESHOLD = "compare-threshold"
    MIN_PCT = "compare-min-pct"
    MAX_PCT = "compare-max-pct"
    SUMMARY = "compare-summary"
    CHART = "compare-chart"
    TABLE = "compare-table"
    CSV_BUTTON = "compare-csv-button"
    CSV = "compare-csv"


def layout(services):
    return dbc.Container([
        dcc.Location(id=ids.URL, refresh=False),
        dcc.Store(id=ids.STATE, data={"resolved": False, "metrics": None}),
        html.H1("Compare two builds", className="h4 mt-3 mb-1"),
        html.P("What changed between two builds of one image source: which images came, went "
               "or got other values, and how each feature's prevalence and impact moved. Both "
               "builds use the same metrics.", className="text-muted small"),
        dbc.Row(source_selectors(ids.BUSINESS, ids.IMAGE_SOURCE) + [
            dbc.Col(field("Build A (before)", dropdown(ids.BUILD_A, "No build yet")), md=3),
            dbc.Col(field("Build B (after)", dropdown(ids.BUILD_B, "No build yet")), md=3),
        ], className="g-3"),
        dbc.Row([
            dbc.Col(number_field("Confidence threshold", ids.THRESHOLD, 0.0, 0), md=2),
            dbc.Col(number_field("Prevalence from %", ids.MIN_PCT, 0.0, 0, 100), md=2),
            dbc.Col(number_field("Prevalence to %", ids.MAX_PCT, 100.0, 0, 100), md=2),
        ], className="g-3 mb-3"),
        html.Div(id=ids.SUMMARY, role="status", className="mb-2"),
        dcc.Graph(id=ids.CHART, config=GRAPH_CONFIG, figure={"data": [], "layout": {
            "height": 520, "xaxis": {"visible": False}, "yaxis": {"visible": False}}}),
        html.Div([
            html.H5("Features", className="mb-0 me-auto"),
            dbc.Button("Download CSV", id=ids.CSV_BUTTON, size="sm", color="secondary",
                       outline=True),
        ], className="d-flex align-items-center my-2"),
        dag.AgGrid(id=ids.TABLE, rowData=[], columnDefs=column_defs(),
                   defaultColDef={"sortable": True, "resizable": True, "wrapHeaderText": True,
                                  "autoHeaderHeight": True},
                   getRowId="params.data.feature",
                   dashGridOptions={"animateRows": False, "tooltipShowDelay": 300,
                                    "rowHeight": 32},
                   style={"height": "420px"}, className="compare-table"),
        dcc.Download(id=ids.CSV),
    ], fluid=True, className="compare-page pb-4")


def summary(s: dict | None, message: str = "", pinned_metrics: int | None = None) -> list:
    if s is None:
        return [dbc.Alert(message, color="light", className="border")] if message else []
    items = [html.Div(s["text"])]
    if pinned_metrics is not None:
        items.append(html.Div(f"Metrics pinned to delivery {pinned_metrics}.",
                              className="small text-muted"))
    return [dbc.Alert(items, color="info", className="compare-summary py-2")]
