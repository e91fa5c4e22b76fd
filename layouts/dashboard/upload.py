"""Upload: a features JSON and a metrics CSV/JSON sent from the browser straight to the API.

The files never pass through Dash: assets/upload.js PUTs them with XMLHttpRequest (so the upload
progress drives the bar) and writes the API's answers to ids.UPLOAD_RESPONSE; callbacks/upload.py
renders those answers and announces success on ids.UPLOAD_DONE.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.dashboard.ids import ids


def layout():
    return html.Div([
        dbc.Button("Upload data", id=ids.UPLOAD_OPEN, size="sm", color="secondary",
                   outline=True),
        dbc.Modal([
            dbc.ModalHeader(dbc.ModalTitle("Upload a build and its metrics")),
            dbc.ModalBody([
                dbc.Row([
                    dbc.Col(_name_field("Business", ids.UPLOAD_BUSINESS,
                                        ids.UPLOAD_BUSINESS_LIST, "an existing one or a new name")),
                    dbc.Col(_name_field("Image source", ids.UPLOAD_SOURCE,
                                        ids.UPLOAD_SOURCE_LIST, "an existing one or a new name")),
                ], className="mb-3"),
                dbc.Row([
                    dbc.Col(_drop_zone(ids.UPLOAD_FEATURES, ids.UPLOAD_FEATURES_LABEL,
                                       "Features JSON", ".json,application/json",
                                       '{"image name": {"feature": confidence, ...}, ...}')),
                    dbc.Col(_drop_zone(ids.UPLOAD_METRICS, ids.UPLOAD_METRICS_LABEL,
                                       "Metrics CSV or JSON",
                                       ".csv,.json,text/csv,application/json",
                                       "image,impressions,clicks  (or image,ctr)")),
                ], className="mb-3"),
                dbc.Label("Token", html_for=ids.UPLOAD_TOKEN),
                dbc.Input(id=ids.UPLOAD_TOKEN, type="password", autoComplete="off",
                          placeholder="only if this server has INGEST_TOKENS"),
                dbc.Progress(id=ids.UPLOAD_PROGRESS, value=0, label="", striped=True,
                             className="upload-progress mt-3"),
                html.Div(id=ids.UPLOAD_RESULT, className="upload-result mt-3"),
            ]),
            dbc.ModalFooter(dbc.Button("Send", id=ids.UPLOAD_SEND, color="primary")),
        ], id=ids.UPLOAD, is_open=False, size="lg", className="upload-modal"),
        dcc.Store(id=ids.UPLOAD_RESPONSE),
        dcc.Store(id=ids.UPLOAD_DONE),
    ], className="upload-part")


def _name_field(label: str, field_id: str, list_id: str, placeholder: str) -> html.Div:
    return html.Div([
        dbc.Label(label, html_for=field_id),
        dbc.Input(id=field_id, list=list_id, placeholder=placeholder, autoComplete="off"),
        html.Datalist(id=list_id),
    ])


def _drop_zone(zone_id: str, label_id: str, title: str, accept: str, example: str) -> html.Div:
    # upload.js handles drops on the zone and opens a file picker on click/Enter; it keeps the
    # chosen File in memory and writes its name and size to the label.
    return html.Div([
        html.Div(title, className="fw-semibold"),
        html.Div("Drop a file here or click to choose", id=label_id, className="upload-drop-label"),
        html.Small(example, className="text-muted upload-drop-example"),
    ], id=zone_id, className="upload-drop", tabIndex="0", role="button",
        **{"data-label": label_id, "data-accept": accept, "aria-label": f"{title}: choose a file"})


def outcome(steps_outcomes: list, problem: str | None) -> list:
    """Alerts for what the API answered (figures.upload.StepOutcome each); text only."""
    alerts = []
    for step in steps_outcomes:
        alerts.append(dbc.Alert([
            html.Div(step.title, className="fw-semibold"),
            html.Ul([html.Li(line, className="text-break") for line in step.lines],
                    className="mb-0"),
        ], color="success" if step.ok else "danger", className="mb-2 upload-step"))
    if problem:
        alerts.append(dbc.Alert(problem, color="warning", className="mb-2"))
    return alerts
