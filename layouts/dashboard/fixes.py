"""Label fixes in the image detail panel (docs/statistics.md, label fixes and thresholds): the
model's value and the latest fix side by side, a form to mark a feature present or absent with a
note, and the image's history on demand (callbacks/dashboard/fixes.py fills it;
figures/dashboard/fixes.py says what)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from figures.dashboard.fixes import FixedLabel, HistoryEntry, ImageFixes
from layouts.dashboard.ids import ids


def layout() -> html.Section:
    """The static part: it belongs to whatever image the panel shows (ids.DETAIL_IMAGE)."""
    return html.Section([
        dcc.Store(id=ids.DETAIL_IMAGE),
        html.H6("Label fixes", className="mt-3"),
        html.Div(id=ids.DETAIL_FIXES),
        html.Div([
            html.Div([
                dbc.Label("Feature to fix", html_for=ids.FIX_FEATURE, className="small mb-0"),
                dcc.Dropdown(id=ids.FIX_FEATURE, clearable=False, placeholder="choose a feature",
                             className="fix-feature"),
            ], className="mb-1"),
            html.Div([
                dbc.Label("Note (optional)", html_for=ids.FIX_NOTE, className="small mb-0"),
                dbc.Input(id=ids.FIX_NOTE, type="text", maxLength=2000, size="sm",
                          placeholder="why, e.g. “only a logo, no text”"),
            ], className="mb-2"),
            html.Div([
                dbc.Button("It is present", id=ids.FIX_PRESENT, size="sm", color="success",
                           outline=True, className="me-2"),
                dbc.Button("It is absent", id=ids.FIX_ABSENT, size="sm", color="danger",
                           outline=True),
            ]),
            html.Div(id=ids.FIX_RESULT, className="small mt-1 fix-result", role="status"),
        ], className="fix-form border rounded p-2"),
        html.Div(id=ids.DETAIL_HISTORY, className="mt-2"),
    ], className="image-detail-fixes-part", **{"aria-label": "Label fixes"})


def labels_table(view: ImageFixes, threshold: float) -> list:
    """Per fixed feature: the model's value and presence, the latest fix, who and when."""
    if not view.labels:
        return [html.P("Nobody has fixed a label of this image yet.",
                       className="small text-muted mb-2")]
    return [html.Table([
        html.Thead(html.Tr([html.Th("Feature"), html.Th("Model says"),
                            html.Th("Latest fix"), html.Th("By, when")])),
        html.Tbody([_label_row(label, threshold) for label in view.labels]),
    ], className="table table-sm image-detail-labels")]


def _label_row(label: FixedLabel, threshold: float) -> html.Tr:
    said = "present" if label.model_present else "absent"
    model = "not in this build" if label.model_value is None else \
        f"{label.model_value:.4g} ({said} at ≥ {threshold:g})"
    fix = "present" if label.fixed_present else "absent"
    cells = [html.Td(label.feature, className="text-break"), html.Td(model),
             html.Td([fix] + ([html.Span(" · conflict", className="text-danger fw-semibold",
                                         title="People's latest fixes of this disagree")]
                              if label.conflict else []),
                     className="fix-latest" + (" fix-differs" if label.fixed_present
                                               != label.model_present else "")),
             html.Td([label.by, html.Br(), html.Small(label.at.replace("T", " "),
                                                       className="text-muted")]
                     + ([html.Br(), html.Small(label.note, className="fst-italic")]
                        if label.note else []), className="text-break")]
    return html.Tr(cells)


def history(view: ImageFixes) -> list:
    """Every fix of the image, newest first, folded until asked for."""
    if not view.history:
        return []
    return [html.Details([
        html.Summary(f"History ({len(view.history)} fix{'es' if len(view.history) != 1 else ''})",
                     className="small"),
        html.Table([
            html.Thead(html.Tr([html.Th("When"), html.Th("By"), html.Th("Feature"),
                                html.Th("Fix"), html.Th("Model then"), html.Th("Note")])),
            html.Tbody([_history_row(e) for e in view.history]),
        ], className="table table-sm image-detail-history-table"),
    ], className="image-detail-history")]


def _history_row(e: HistoryEntry) -> html.Tr:
    model = "—" if e.model_value is None else f"{e.model_value:.4g}" + \
        (f" (build #{e.build})" if e.build is not None else "")
    return html.Tr([html.Td(e.at.replace("T", " ")), html.Td(e.by, className="text-break"),
                    html.Td(e.feature, className="text-break"),
                    html.Td("present" if e.present else "absent"), html.Td(model),
                    html.Td(e.note or "", className="text-break")])


def feature_options(names: list[str]) -> list[dict]:
    return [{"label": n, "value": n} for n in names]
