"""The Fixes page (`/fixes`, docs/statistics.md (label fixes)): people's label fixes of one image
source — counts per feature ("which labels does the model get wrong most?"), the recent fixes
filterable by feature and person, the contested pairs, and the retraining export
(callbacks/fixes.py fills it)."""

from __future__ import annotations

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html

from figures.fixes import column_defs
from layouts.picker import PickerIds, picker


class ids:  # noqa: N801 - used as a namespace
    PICKER = PickerIds("fixes-url", "fixes-business", "fixes-image-source")
    FEATURE = "fixes-feature"
    PERSON = "fixes-person"
    ONLY = "fixes-only"  # "disagree", "conflicts"
    THRESHOLD = "fixes-threshold"  # the model's threshold for "disagrees"
    SUMMARY = "fixes-summary"
    COUNTS = "fixes-counts"
    TABLE = "fixes-table"
    CONFLICTS = "fixes-conflicts"
    DOWNLOAD_BUTTON = "fixes-download-button"
    DOWNLOAD = "fixes-download"


ONLY_OPTIONS = [{"label": "only fixes that disagree with the model", "value": "disagree"},
                {"label": "only contested pairs", "value": "conflicts"},
                {"label": "leave contested pairs out", "value": "no_conflicts"}]


def layout(services) -> dbc.Container:
    return dbc.Container([
        html.H1("Label fixes", className="h4 mt-3"),
        html.P("People's corrections of the model's labels: who said which feature is or is "
               "not in which image, and when. The latest fix of an image and feature is the "
               "ground truth; the dashboard can apply it, and the export is training data.",
               className="text-muted small"),
        picker(ids.PICKER),
        dbc.Row([
            dbc.Col(html.Div([
                dbc.Label("Feature", html_for=ids.FEATURE, className="small fw-semibold mb-1"),
                dcc.Dropdown(id=ids.FEATURE, placeholder="every feature"),
            ]), md=3),
            dbc.Col(html.Div([
                dbc.Label("Person", html_for=ids.PERSON, className="small fw-semibold mb-1"),
                dcc.Dropdown(id=ids.PERSON, placeholder="everyone"),
            ]), md=3),
            dbc.Col(html.Div([
                dbc.Label("Model threshold", html_for=ids.THRESHOLD,
                          className="small fw-semibold mb-1"),
                dbc.Input(id=ids.THRESHOLD, type="number", value=0, step="any", debounce=True,
                          size="sm"),
                dbc.FormText("the model says present at value > 0 and ≥ this (a saved "
                             "threshold wins)"),
            ]), md=2),
            dbc.Col(dbc.Checklist(id=ids.ONLY, options=ONLY_OPTIONS, value=[],
                                  className="small mt-3"), md=4),
        ], className="g-3 mb-2"),
        html.P(id=ids.SUMMARY, className="small", role="status"),
        dcc.Graph(id=ids.COUNTS, config={"displaylogo": False}),
        html.Div([
            html.H2("Recent fixes", className="h6 mb-0 me-auto"),
            dbc.Button("Download CSV", id=ids.DOWNLOAD_BUTTON, size="sm", color="secondary",
                       outline=True),
        ], className="d-flex align-items-center my-2"),
        dag.AgGrid(id=ids.TABLE, rowData=[], columnDefs=column_defs(),
                   defaultColDef={"sortable": True, "resizable": True, "filter": True},
                   dashGridOptions={"animateRows": False, "rowHeight": 30,
                                    "tooltipShowDelay": 300},
                   style={"height": "420px"}, className="fixes-table"),
        dcc.Download(id=ids.DOWNLOAD),
        html.H2("Contested", className="h6 mt-3"),
        html.Div(id=ids.CONFLICTS, className="mb-4"),
    ], fluid=True, className="fixes-page")


def conflicts_list(items: list[dict]) -> list:
    """The contested pairs: image, feature, what each person's latest fix says."""
    if not items:
        return [html.P("No two people disagree about any image and feature.",
                       className="small text-muted")]
    return [html.Table([
        html.Thead(html.Tr([html.Th("Image"), html.Th("Feature"), html.Th("Latest fix"),
                            html.Th("Each person's latest")])),
        html.Tbody([html.Tr([
            html.Td(c["image"], className="text-break"), html.Td(c["feature"]),
            html.Td(f"{'present' if c['present'] else 'absent'} ({c['by']}, "
                    f"{c['at'].replace('T', ' ')})"),
            html.Td("; ".join(f"{who}: {'present' if said else 'absent'}"
                              for who, said in c["people"].items()), className="text-break"),
        ]) for c in items]),
    ], className="table table-sm fixes-conflicts-table")]
