"""The render callback: ids.FILTERS in, every figure and what is said around them out.

All the work is figures.view.render_view(dataset, filters); this only fetches the cached
dataset and places the results.
"""

from __future__ import annotations

from dash import Input, Output
from flask import request

from data.payloads import RequestError
from figures.guide import commands
from figures.view import FIGURE_KEYS, render_message, render_view
from layouts import charts
from layouts.ids import ids

NO_DATA_TEXT = ("No data yet.\nSend a featurizer build and its metrics to this server's API "
                "(below), or drop files on “Upload data”. The page shows them within seconds.")


def register(app, services) -> None:
    @app.callback(
        Output(ids.SCATTER, "figure"), Output(ids.BAR_WITH, "figure"),
        Output(ids.BAR_IMPACT, "figure"), Output(ids.BAR_WITHOUT, "figure"),
        Output(ids.STATUS, "children"), Output(ids.SAMPLE_NOTE, "children"),
        Output(ids.GUIDE, "children"), Output(ids.BUILD_NOTICE, "children"),
        Output(ids.TOP_K_NOTE, "children"), Output(ids.SHOW_ALL, "className"),
        Output(ids.THRESHOLD_NOTE, "children"), Output(ids.SPARSITY_NOTE, "children"),
        Input(ids.FILTERS, "data"),
    )
    def render(filters):
        api = _api_url(services.settings.url_prefix)
        token = bool(services.settings.ingest_tokens)
        business = (filters or {}).get("business")
        if not business:
            return _message(NO_DATA_TEXT, charts.guide(
                "no_data", NO_DATA_TEXT, commands("no_data", api, None, None, token)))
        try:
            ds = services.cache.get(business, filters.get("image_source"), filters.get("build"))
        except RequestError as exc:
            kind = "no_build" if exc.code == "no_build" else "unknown"
            return _message(exc.message, charts.guide(
                kind, exc.message, commands(kind, api, business, filters.get("image_source"),
                                            token)))
        view = render_view(ds, filters)
        s = view["status"]
        guide = view["guide"]
        guide_children = charts.guide(
            guide["kind"], guide["text"],
            commands(guide["kind"], api, ds.source.business, ds.source.name, token)) \
            if guide else []
        hidden = s["features_hidden"]
        return (
            *(view[k] for k in FIGURE_KEYS),
            charts.status(s), charts.sample_note(s), guide_children, charts.build_notice(s),
            (f"{s['features_shown']:,} of {s['features_in_range']:,} features shown; "
             f"{hidden:,} hidden") if hidden else f"all {s['features_shown']:,} features shown",
            "p-0 align-baseline" + ("" if hidden else " d-none"),
            f"present = confidence ≥ {s['threshold']:g} (and > 0); "
            f"{s['features_with_points']:,} of {s['features_in_build']:,} features have points",
            f"{s['features_in_range']:,} features between {s['min_pct']:g}% and {s['max_pct']:g}%",
        )


def _message(text: str, guide: list) -> tuple:
    figures = render_message(text)
    return (*(figures[k] for k in FIGURE_KEYS), [], "", guide, [], "", "d-none", "", "")


def _api_url(prefix: str) -> str:
    """The API base as the browser reaches this server (the callback request's own host)."""
    return request.host_url.rstrip("/") + prefix + "api/v1"
