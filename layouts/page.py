"""The dashboard page: header, selectors, filters, charts, and the parts that live in their own
files (feature table, image detail, upload). `embed=1` in the URL hides the header and the
selectors panel (callbacks/url_state.py): a portal's iframe shows one dataset's filters and
charts only.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html
from flask import current_app, has_app_context

from layouts import charts, controls, detail, table, upload
from layouts.ids import ids

DEFAULT_LIVE_POLL_MS = 3000


def layout():
    return dbc.Container([
        dcc.Location(id=ids.URL, refresh=False),
        dcc.Store(id=ids.FILTERS),
        dcc.Store(id=ids.SELECTION),
        dcc.Store(id=ids.LIVE_VERSION),
        dcc.Store(id=ids.URL_RESTORED, data=False),
        dcc.Interval(id=ids.LIVE_POLL, interval=_live_poll_ms()),
        html.Header([
            html.Div([
                html.H1("Image Model Dashboard", className="h4 mb-0"),
                html.Div("Which image features go with higher or lower CTR, and how sure are we?",
                         className="text-muted small"),
            ], className="me-auto"),
            upload.layout(),
        ], id=ids.HEADER, className="page-header d-flex align-items-center py-3"),
        controls.selectors(),
        controls.filters(),
        charts.notices(),
        charts.charts(),
        table.layout(),
        detail.layout(),
    ], fluid=True, className="dashboard pb-4")


def _live_poll_ms() -> int:
    if has_app_context():
        svc = current_app.extensions.get("image_dashboard")
        if svc is not None:
            return svc.settings.live_poll_ms
    return DEFAULT_LIVE_POLL_MS
