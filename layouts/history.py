"""The history page (`/history?feature=`): a feature's prevalence and impact (with its interval)
in every build of an image source. callbacks/history.py fills it from figures/history.py."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.pickers import dropdown, field, number_field, source_selectors

GRAPH_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}
COLUMNS = (("build", "Build"), ("received_at", "Received"), ("quality", "Quality"),
           ("in_build", "In build"), ("prevalence", "Prevalence"), ("impact", "Impact"),
           ("interval", "95% interval"), ("n_with", "Images with"), ("q_value", "q"))


class ids:  # noqa: N801 - used as a namespace
    URL = "history-url"
    STATE = "history-state"  # {"resolved": bool, "metrics": pinned delivery id or None}
    BUSINESS = "history-business"
    IMAGE_SOURCE = "history-image-source"
    FEATURE = "history-feature"
    THRESHOLD = "history-threshold"
    NOTE = "history-note"
    IMPACT = "history-impact"
    PREVALENCE = "history-prevalence"
    TABLE = "history-table"


def _blank() -> dict:
    return {"data": [], "layout": {"height": 340, "xaxis": {"visible": False},
                                   "yaxis": {"visible": False}}}


def layout(services):
    return dbc.Container([
        dcc.Location(id=ids.URL, refresh=False),
        dcc.Store(id=ids.STATE, data={"resolved": False, "metrics": None}),
        html.H1("A feature across builds", className="h4 mt-3 mb-1"),
        html.P("Its prevalence and impact in every build of the image source, each computed "
               "as the dashboard does for that build, all with the same metrics.",
               className="text-muted small"),
        dbc.Row(source_selectors(ids.BUSINESS, ids.IMAGE_SOURCE) + [
            dbc.Col(field("Feature", dropdown(ids.FEATURE, "No feature yet")), md=4),
            dbc.Col(number_field("Confidence threshold", ids.THRESHOLD, 0.0, 0), md=2),
        ], className="g-3 mb-3"),
        html.Div(id=ids.NOTE, role="status", className="small text-muted mb-2"),
        dcc.Graph(id=ids.IMPACT, config=GRAPH_CONFIG, figure=_blank()),
        dcc.Graph(id=ids.PREVALENCE, config=GRAPH_CONFIG, figure=_blank()),
        html.Div(id=ids.TABLE),
    ], fluid=True, className="history-page pb-4")


def table(rows: list[dict]) -> html.Table:
    return html.Table([
        html.Thead(html.Tr([html.Th(title) for _, title in COLUMNS])),
        html.Tbody([html.Tr([html.Td(r[key]) for key, _ in COLUMNS]) for r in rows]),
    ], className="table table-sm history-table")
