"""What every page shares: the site navigation above the page, and the slot the page fills.

A page is a `Page` (pages.py): its path under URL_PREFIX, its title, its layout and its
callbacks. The shell knows pages only through that list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from dash import dcc, html


class shell_ids:  # noqa: N801 - used as a namespace
    NAV = "site-nav"
    WHO = "who"  # who the page thinks you are, and the field to say it
    WHO_NAME = "who-name"
    WHO_SAVE = "who-save"
    WHO_NOTE = "who-note"
    LOCATION = "page-location"
    CONTENT = "page-content"
    RENDERED = "page-rendered"  # the path of the page whose layout the content holds


@dataclass(frozen=True)
class Page:
    """One page of the app: `path` is relative to URL_PREFIX ('' is the dashboard)."""

    path: str
    title: str
    layout: Callable  # layout(services) -> component
    register_callbacks: Callable  # register_callbacks(app, services)


def shell(pages: tuple[Page, ...], prefix: str, page: Page | None, content,
          person=None) -> html.Div:
    """The whole document body: navigation with who you are, then the page's content
    (`content` may be None when the router callback fills it)."""
    return html.Div([
        dcc.Location(id=shell_ids.LOCATION, refresh=False),
        dcc.Store(id=shell_ids.RENDERED, data=page.path if page and content is not None else None),
        html.Nav(html.Ul([
            html.Li(html.A(p.title, href=prefix + p.path,
                           className="nav-link" + (" active" if p is page else ""),
                           **({"aria-current": "page"} if p is page else {})),
                    className="nav-item")
            for p in pages
        ] + [html.Li(who(person), className="nav-item ms-auto")],
            className="nav nav-pills small align-items-center"),
            id=shell_ids.NAV, className="site-nav px-3 pt-2", **{"aria-label": "Pages"}),
        html.Main(content, id=shell_ids.CONTENT),
    ])


def embedded(content) -> html.Div:
    """The document body of a signed embed link: the page alone, no navigation and no name
    field (the router keeps it on this page: callbacks/shell.py)."""
    return html.Div([
        dcc.Location(id=shell_ids.LOCATION, refresh=False),
        dcc.Store(id=shell_ids.RENDERED, data=""),
        html.Main(content, id=shell_ids.CONTENT),
    ], className="embedded-view")


def not_found(prefix: str) -> html.Div:
    """The content for a path that is no page."""
    return html.Div([
        html.H1("Page not found", className="h4"),
        html.P(["There is no page here. ", html.A("Open the dashboard", href=prefix), "."]),
    ], className="container py-4")


def who(person) -> html.Div:
    """Who your ratings and fixes are stored under: the sign-on name (fixed), or a name you type
    once on this browser (kept in a cookie)."""
    if person is not None and person.source == "proxy":
        return html.Div(["Signed in as ", html.Strong(person.name)], id=shell_ids.WHO,
                        className="who small text-muted")
    return html.Div([
        html.Label("Your name", htmlFor=shell_ids.WHO_NAME, className="me-1 small text-muted"),
        dcc.Input(id=shell_ids.WHO_NAME, type="text", value=person.name if person else "",
                  placeholder="who rates and fixes", maxLength=100, debounce=True,
                  className="form-control form-control-sm d-inline-block", style={"width": "12rem"}),
        html.Button("Save", id=shell_ids.WHO_SAVE, className="btn btn-sm btn-outline-secondary ms-1"),
        html.Span(id=shell_ids.WHO_NOTE, className="small text-muted ms-1", role="status"),
    ], id=shell_ids.WHO, className="who d-flex align-items-center")
