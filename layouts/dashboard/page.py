"""The dashboard page: header, selectors, filters, charts, and the parts that live in their own
files (feature table, image detail, upload). `embed=1` in the URL hides the header and the
selectors panel (assets/page.js): a portal's iframe shows one dataset's filters and
charts only.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.dashboard import charts, controls, detail, table, upload
from layouts.dashboard.ids import ids

def layout(services):
    """The dashboard page (at '/' under URL_PREFIX)."""
    return dbc.Container([
        dcc.Location(id=ids.URL, refresh=False),
        dcc.Store(id=ids.FILTERS),
        dcc.Store(id=ids.SELECTION),
        # The set of image sources as this page was served: the live poll compares against it
        # to list a new business or image source without a reload.
        dcc.Store(id=ids.LIVE_VERSION, data={"catalog": list(services.store.catalog_version())}),
        dcc.Store(id=ids.URL_RESTORED, data=False),
        dcc.Interval(id=ids.LIVE_POLL, interval=services.settings.live_poll_ms),
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
