"""The dashboard page: header, selectors, filters, charts, and the parts that live in their own
files (feature table, image detail, upload). `embed=1` in the URL hides the header and the
selectors panel (assets/page.js): a portal's iframe shows one dataset's filters and
charts only. A signed embed link (`embed=<token>`, docs/people.md) renders the page with the
header and selectors hidden by the server and the filters the token locks disabled.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from callbacks.dashboard import first_view
from layouts.dashboard import charts, controls, detail, table, upload
from layouts.dashboard.ids import ids


def layout(services, locks: dict | None = None):
    """The dashboard page (at '/' under URL_PREFIX) with its first view filled in for the
    address the browser is on (callbacks/dashboard/first_view.py). `locks` (filter -> value) is
    given for a signed embed link: no header, no selectors, the locked filters fixed."""
    page = _page(services, locks)
    first_view.fill(page, services, first_view.page_search())
    return page


def _page(services, locks: dict | None):
    embed = locks is not None
    header = html.Header([
        html.Div([
            html.H1("Image Model Dashboard", className="h4 mb-0"),
            html.Div("Which image features go with higher or lower CTR, and how sure are we?",
                     className="text-muted small"),
        ], className="me-auto"),
        upload.layout(),
    ], id=ids.HEADER, className="page-header d-flex align-items-center py-3")
    return dbc.Container([
        dcc.Location(id=ids.URL, refresh=False),
        dcc.Store(id=ids.FILTERS),
        dcc.Store(id=ids.SELECTION),
        # The set of image sources as this page was served: the live poll compares against it
        # to list a new business or image source without a reload.
        dcc.Store(id=ids.LIVE_VERSION, data={"catalog": list(services.store.catalog_version())}),
        dcc.Store(id=ids.URL_RESTORED, data=False),
        dcc.Store(id=ids.FIXES_VERSION),
        dcc.Interval(id=ids.LIVE_POLL, interval=services.settings.live_poll_ms),
        _hidden_if(embed, header),
        # In an embed the selectors stay in the page, hidden (the callbacks resolve the
        # dataset through them), and hold the embed's one dataset only.
        controls.selectors(hidden=embed),
        controls.filters(locked=tuple(locks or ())),
        charts.notices(),
        charts.charts(),
        table.layout(),
        detail.layout(),
    ], fluid=True, className="dashboard pb-4")


def _hidden_if(hidden: bool, part):
    """`part` inside a hidden wrapper (its own display classes, e.g. d-flex, would beat the
    `hidden` attribute on itself)."""
    return html.Div(part, hidden=True) if hidden else part
