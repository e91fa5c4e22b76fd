"""The quality page (`/quality`): the checks of a chosen build (docs/statistics.md, build quality) with their values,
limits, status and what to do. callbacks/quality.py fills it from figures/quality.py."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.pickers import dropdown, field, source_selectors


class ids:  # noqa: N801 - used as a namespace
    URL = "quality-url"
    RESOLVED = "quality-resolved"  # True once the URL has been read
    BUSINESS = "quality-business"
    IMAGE_SOURCE = "quality-image-source"
    BUILD = "quality-build"
    SUMMARY = "quality-summary"
    CHECKS = "quality-checks"
    LINKS = "quality-links"


def layout(services):
    return dbc.Container([
        dcc.Location(id=ids.URL, refresh=False),
        dcc.Store(id=ids.RESOLVED, data=False),
        html.H1("Build quality", className="h4 mt-3 mb-1"),
        html.P("Every build is checked when it arrives, against the build that was current "
               "then. A build with alarms still becomes current: read what to do before "
               "trusting its charts.", className="text-muted small"),
        dbc.Row(source_selectors(ids.BUSINESS, ids.IMAGE_SOURCE) + [
            dbc.Col(field("Build", dropdown(ids.BUILD, "No build yet")), md=6)],
            className="g-3 mb-3"),
        html.Div(id=ids.SUMMARY, role="status"),
        html.Div(id=ids.CHECKS),
        html.Div(id=ids.LINKS, className="small mt-2"),
    ], fluid=True, className="quality-page pb-4")


def summary(s: dict | None, message: str = "") -> list:
    if s is None:
        return [dbc.Alert(message, color="light", className="border")] if message else []
    return [dbc.Alert([html.Div(s["text"], className="fw-semibold"),
                       html.Div(s["note"], className="small")],
                      color="danger" if s["alarm"] else "success", className="quality-summary")]


def checks_table(rows: list[dict]) -> html.Table:
    """The checks as a table; every text is passed as text."""
    return html.Table([
        html.Thead(html.Tr([html.Th("Check"), html.Th("Value"), html.Th("Limit"),
                            html.Th("Status"), html.Th("What it means, what to do")])),
        html.Tbody([html.Tr([
            html.Td([html.Div(r["title"], className="fw-semibold"),
                     html.Div(r["check"], className="small font-monospace")]),
            html.Td(r["value"], className="text-end"),
            html.Td(r["limit"], className="text-end"),
            html.Td(dbc.Badge("⚠ alarm" if r["alarm"] else "ok",
                              color="danger" if r["alarm"] else "success")),
            html.Td([html.Div(r["message"]), html.Div(r["meaning"], className="small text-muted")]),
        ], className="quality-check" + (" table-danger" if r["alarm"] else ""),
            **{"data-check": r["check"]}) for r in rows]),
    ], className="table table-sm align-middle quality-checks")


def links(compare_href: str | None, dashboard_href: str) -> list:
    out = [html.A("Open this build on the dashboard", href=dashboard_href)]
    if compare_href:
        out += [" · ", html.A("Compare it with the build before", href=compare_href)]
    return out
