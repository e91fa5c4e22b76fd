"""The threshold advisor page (`/thresholds`, docs/statistics.md (label fixes)): for a feature
people have fixed, how the model's value agrees with them at every threshold, the 2x2 counts at
the chosen one, the values of fixed-present and fixed-absent images, and the smallest threshold
reaching a target precision — which can be saved as the feature's own threshold
(callbacks/thresholds.py)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from data.stats.advisor import DEFAULT_TARGET_PRECISION
from layouts.picker import PickerIds, picker


class ids:  # noqa: N801 - used as a namespace
    PICKER = PickerIds("thresholds-url", "thresholds-business", "thresholds-image-source")
    FEATURE = "thresholds-feature"
    TARGET = "thresholds-target"
    THRESHOLD = "thresholds-threshold"
    SUGGESTED = "thresholds-suggested"  # store: the suggestion for the current feature/target
    USE_SUGGESTED = "thresholds-use-suggested"
    SUGGESTION = "thresholds-suggestion"
    RANGE_NOTE = "thresholds-range-note"
    CURVE = "thresholds-curve"
    HISTOGRAM = "thresholds-histogram"
    CONFUSION = "thresholds-confusion"
    SAVE = "thresholds-save"
    CLEAR = "thresholds-clear"
    SAVE_RESULT = "thresholds-save-result"


GRAPH_CONFIG = {"displaylogo": False}


def layout(services) -> dbc.Container:
    return dbc.Container([
        html.H1("Threshold advisor", className="h4 mt-3"),
        html.P("Which confidence threshold makes a feature's label trustworthy? Over the images "
               "people fixed, each threshold gives a precision (of the images the model calls "
               "present, the share people agree are), a recall and a coverage. The suggestion "
               "is the smallest threshold reaching the target precision.",
               className="text-muted small"),
        picker(ids.PICKER),
        dbc.Row([
            dbc.Col(html.Div([
                dbc.Label("Feature", html_for=ids.FEATURE, className="small fw-semibold mb-1"),
                dcc.Dropdown(id=ids.FEATURE, clearable=False,
                             placeholder="no feature has fixes yet"),
            ]), md=4),
            dbc.Col(html.Div([
                dbc.Label("Target precision", html_for=ids.TARGET,
                          className="small fw-semibold mb-1"),
                dbc.Input(id=ids.TARGET, type="number", min=0, max=1, step=0.01,
                          value=DEFAULT_TARGET_PRECISION, debounce=True, size="sm"),
            ]), md=2),
            dbc.Col(html.Div([
                dbc.Label("Threshold", html_for=ids.THRESHOLD, className="small fw-semibold mb-1"),
                dbc.Input(id=ids.THRESHOLD, type="number", step="any", value=0, debounce=True,
                          size="sm"),
            ]), md=2),
            dbc.Col(html.Div([
                dbc.Button("Use the suggestion", id=ids.USE_SUGGESTED, size="sm",
                           color="secondary", outline=True, className="me-2"),
                dbc.Button("Save as this feature's threshold", id=ids.SAVE, size="sm",
                           color="primary", className="me-2"),
                dbc.Button("Remove saved", id=ids.CLEAR, size="sm", color="link"),
            ], className="mt-4"), md=4),
        ], className="g-3 mb-1"),
        dcc.Store(id=ids.SUGGESTED),
        html.Div(id=ids.SUGGESTION, className="small mb-1", role="status"),
        html.Div(id=ids.SAVE_RESULT, className="small mb-1", role="status"),
        dbc.Row([
            dbc.Col([
                dcc.Graph(id=ids.CURVE, config=GRAPH_CONFIG),
                dcc.Graph(id=ids.HISTOGRAM, config=GRAPH_CONFIG),
            ], lg=8),
            dbc.Col([
                html.H2("At the chosen threshold", className="h6 mt-2"),
                html.Div(id=ids.RANGE_NOTE, className="small mb-2"),
                html.Div(id=ids.CONFUSION),
            ], lg=4),
        ]),
    ], fluid=True, className="thresholds-page pb-4")


def confusion_table(at: dict) -> list:
    """The 2x2 counts at one threshold, then precision (Wilson 95% CI, n), recall, coverage.
    Each number's cell has the class advisor-<field> (tests read them)."""
    def cell(field: str, text: str) -> html.Td:
        return html.Td(text, className=f"advisor-{field} text-end")

    def pct(v) -> str:
        return "—" if v is None else f"{v:.1%}"

    ci = "" if at["precision"] is None else \
        f"95% Wilson CI {at['precision_ci_low']:.1%}–{at['precision_ci_high']:.1%}"
    return [
        html.Table([
            html.Thead(html.Tr([html.Th(""), html.Th("fixed present", className="text-end"),
                                html.Th("fixed absent", className="text-end")])),
            html.Tbody([
                html.Tr([html.Th("model: present"), cell("true_positive",
                                                         f"{at['true_positive']:,}"),
                         cell("false_positive", f"{at['false_positive']:,}")]),
                html.Tr([html.Th("model: absent"), cell("false_negative",
                                                        f"{at['false_negative']:,}"),
                         cell("true_negative", f"{at['true_negative']:,}")]),
            ]),
        ], className="table table-sm advisor-confusion"),
        html.Dl([
            html.Dt("Precision"),
            html.Dd([html.Span(pct(at["precision"]), className="advisor-precision"),
                     html.Span(f" ({ci}; n = {at['predicted']:,} predicted)" if ci else
                               " (nothing predicted)", className="text-muted")]),
            html.Dt("Recall"), html.Dd(pct(at["recall"]), className="advisor-recall"),
            html.Dt("Coverage"), html.Dd(pct(at["coverage"]), className="advisor-coverage"),
            html.Dt("Predicted"), html.Dd(f"{at['predicted']:,}", className="advisor-predicted"),
        ], className="advisor-rates"),
    ]
