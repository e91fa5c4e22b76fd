"""Which dataset a page other than the dashboard looks at: business → image source selectors
that follow the URL (?business=…&image_source=…), so a link reopens the same view
(callbacks/picker.py keeps them consistent with the database)."""

from __future__ import annotations

from dataclasses import dataclass

import dash_bootstrap_components as dbc
from dash import dcc, html


@dataclass(frozen=True)
class PickerIds:
    """The component ids of one page's picker (each page has its own)."""

    url: str
    business: str
    image_source: str


def picker(pids: PickerIds) -> html.Div:
    return html.Div([
        dcc.Location(id=pids.url, refresh=False),
        dbc.Row([
            dbc.Col(html.Div([
                dbc.Label("Business", html_for=pids.business, className="small fw-semibold mb-1"),
                dcc.Dropdown(id=pids.business, clearable=False, placeholder="No business yet"),
            ]), md=6),
            dbc.Col(html.Div([
                dbc.Label("Image source", html_for=pids.image_source,
                          className="small fw-semibold mb-1"),
                dcc.Dropdown(id=pids.image_source, clearable=False,
                             placeholder="No image source yet"),
            ]), md=6),
        ], className="g-3 mb-2"),
    ])
