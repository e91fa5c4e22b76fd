"""The dataset picker of the pages other than the dashboard (layouts/picker.py): options from
what this person may read, values from the URL on load, the URL following the user's choice."""

from __future__ import annotations

from urllib.parse import urlencode

from dash import Input, Output, State, ctx, no_update

from callbacks.dashboard.selectors import resolve_selection
from data.domain.filters import CURRENT, parse_query
from layouts.picker import PickerIds


def register(app, services, pids: PickerIds) -> None:
    """Attach one page's picker callbacks."""

    @app.callback(Output(pids.business, "options"), Output(pids.business, "value"),
                  Output(pids.image_source, "options"), Output(pids.image_source, "value"),
                  Input(pids.url, "search"), Input(pids.business, "value"),
                  State(pids.image_source, "value"))
    def pick(search, business, image_source):
        """On load the URL asks; afterwards a new business picks its first image source."""
        if ctx.triggered_id == pids.business:
            image_source = None
        else:
            asked = parse_query(search)
            business, image_source = asked["business"], asked["image_source"]
        sel = resolve_selection(services.cache.datasets(), business, image_source, CURRENT)
        return sel.business_options, sel.business, sel.source_options, sel.image_source

    @app.callback(Output(pids.url, "search"), Input(pids.business, "value"),
                  Input(pids.image_source, "value"), State(pids.url, "search"),
                  prevent_initial_call=True)
    def follow(business, image_source, search):
        if not business or not image_source:
            return no_update
        query = "?" + urlencode({"business": business, "image_source": image_source})
        return query if query != search else no_update
