"""The router: when the address changes to another page, its layout replaces the content.

The first view is rendered with the layout itself (app.py), so on load this answers "nothing
to do" in the same round of callbacks as the page's own, adding no wait.
"""

from __future__ import annotations

from dash import Input, Output, State, ctx, no_update

from api.access import read_scope
from api.hosts import writes
from api.people import PERSON_COOKIE
from data.domain.filters import text_or_none
from data.people.identity import clean_name
from layouts.shell import not_found, shell_ids


def register(app, services, page_for) -> None:
    """Attach the router; `page_for(pathname)` gives the Page for a browser path or None."""
    prefix = services.settings.url_prefix

    @app.callback(Output(shell_ids.CONTENT, "children"), Output(shell_ids.RENDERED, "data"),
                  Input(shell_ids.LOCATION, "pathname"), State(shell_ids.RENDERED, "data"))
    def route(pathname, rendered):
        page = page_for(text_or_none(pathname))
        if page is not None and page.path and read_scope().is_embed:
            page = None  # a signed embed link shows the dashboard and nothing else
        key = page.path if page is not None else None
        if key is not None and key == rendered:
            return no_update, no_update
        if page is None:
            return not_found(prefix), None
        return page.layout(services), page.path

    @app.callback(Output(shell_ids.WHO_NOTE, "children"),
                  Input(shell_ids.WHO_SAVE, "n_clicks"), Input(shell_ids.WHO_NAME, "n_submit"),
                  State(shell_ids.WHO_NAME, "value"), prevent_initial_call=True)
    @writes
    def remember_name(_clicks, _submit, name):
        """Keep the typed name in a cookie: the server reads it on every human write."""
        name = clean_name(text_or_none(name))
        if name is None:
            return "Type a name first."
        ctx.response.set_cookie(PERSON_COOKIE, name, max_age=365 * 24 * 3600, httponly=True,
                                samesite="Lax", path=prefix)
        return f"Saved: your ratings and fixes are stored as {name}."
