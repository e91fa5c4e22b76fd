"""What the builds-over-time pages (quality, compare, history) share in their layouts: a labelled
control, and the business → image source selectors. Each page owns its ids."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html


def field(label: str, control, html_for: str | None = None) -> html.Div:
    """`label` above `control`; `html_for` ties them for a control with an <input> id."""
    return html.Div([dbc.Label(label, className="form-label small fw-semibold mb-1",
                               **({"html_for": html_for} if html_for else {})), control],
                    className="mb-1")


def dropdown(component_id: str, placeholder: str, **kwargs) -> dcc.Dropdown:
    return dcc.Dropdown(id=component_id, clearable=False, placeholder=placeholder, **kwargs)


def number_field(label: str, component_id: str, value: float, minimum: float,
                 maximum: float | None = None) -> html.Div:
    """A labelled number box that reports on Enter or leaving it (not on every key)."""
    box = dbc.Input(id=component_id, type="number", value=value, min=minimum, max=maximum,
                    step="any", debounce=True, size="sm")
    return field(label, box, html_for=component_id)


def source_selectors(business_id: str, source_id: str) -> list:
    """Two columns: business and image source."""
    return [dbc.Col(field("Business", dropdown(business_id, "No business yet")), md=3),
            dbc.Col(field("Image source", dropdown(source_id, "No image source yet")), md=3)]
