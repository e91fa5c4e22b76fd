"""The render callback: ids.FILTERS in; every figure, the feature table and what is said around
them out, from one computation (figures.dashboard.view.render_view).

Outputs are named: add one to OUTPUTS and to `_placed` / `_message`, nothing else.
"""

from __future__ import annotations

from dash import Input, Output
from flask import request

from config import API_PREFIX
from data.domain.errors import DomainError
from figures.dashboard.guide import commands
from figures.dashboard.view import FIGURE_KEYS, render_message, render_view
from layouts.dashboard import charts
from layouts.dashboard.ids import ids

NO_DATA_TEXT = ("No data yet.\nSend a featurizer build and its metrics to this server's API "
                "(below), or drop files on “Upload data”. The page shows them within seconds.")

OUTPUTS = {
    # compact: assets/scatter.js expands it into ids.SCATTER's figure (callbacks/points.py)
    "scatter": Output(ids.SCATTER_DATA, "data"),
    "bar_with": Output(ids.BAR_WITH, "figure"),
    "bar_impact": Output(ids.BAR_IMPACT, "figure"),
    "bar_without": Output(ids.BAR_WITHOUT, "figure"),
    "status": Output(ids.STATUS, "children"),
    "sample_note": Output(ids.SAMPLE_NOTE, "children"),
    "guide": Output(ids.GUIDE, "children"),
    "build_notice": Output(ids.BUILD_NOTICE, "children"),
    "top_k_note": Output(ids.TOP_K_NOTE, "children"),
    "show_all_class": Output(ids.SHOW_ALL, "className"),
    "threshold_note": Output(ids.THRESHOLD_NOTE, "children"),
    "sparsity_note": Output(ids.SPARSITY_NOTE, "children"),
    "table_rows": Output(ids.TABLE, "rowData"),
    "table_note": Output(ids.TABLE_NOTE, "children"),
}


def register(app, services) -> None:
    @app.callback(output=OUTPUTS, inputs={"filters": Input(ids.FILTERS, "data")})
    def render(filters):
        api = _api_url(services.settings.url_prefix)
        token = bool(services.settings.ingest_tokens)
        business = (filters or {}).get("business")
        if not business:
            return _message(NO_DATA_TEXT, charts.guide(
                "no_data", NO_DATA_TEXT, commands("no_data", api, None, None, token)),
                "Choose a business and an image source.")
        try:
            ds = services.cache.get(business, filters.get("image_source"), filters.get("build"))
        except DomainError as exc:
            kind = "no_build" if exc.code == "no_build" else "unknown"
            return _message(exc.message, charts.guide(
                kind, exc.message, commands(kind, api, business, filters.get("image_source"),
                                            token)), exc.message)
        view = render_view(ds, filters)
        guide = view["guide"]
        guide_children = charts.guide(
            guide["kind"], guide["text"],
            commands(guide["kind"], api, ds.source.business, ds.source.name, token)) \
            if guide else []
        return _placed(view, guide_children)


def _placed(view: dict, guide_children: list) -> dict:
    """Each output's value for a rendered view."""
    s = view["status"]
    hidden = s["features_hidden"]
    return {
        **{k: view[k] for k in FIGURE_KEYS},
        "status": charts.status(s),
        "sample_note": charts.sample_note(s),
        "guide": guide_children,
        "build_notice": charts.build_notice(s),
        "top_k_note": (f"{s['features_shown']:,} of {s['features_in_range']:,} features shown; "
                       f"{hidden:,} hidden") if hidden else f"all {s['features_shown']:,} features shown",
        "show_all_class": "p-0 align-baseline" + ("" if hidden else " d-none"),
        "threshold_note": f"present = confidence ≥ {s['threshold']:g} (and > 0); "
                          f"{s['features_with_points']:,} of {s['features_in_build']:,} features have points",
        "sparsity_note": f"{s['features_in_range']:,} features between {s['min_pct']:g}% and "
                         f"{s['max_pct']:g}%",
        "table_rows": view["rows"],
        "table_note": table_note(len(view["rows"]), hidden, s["features_excluded"]),
    }


def _message(text: str, guide: list, table_text: str) -> dict:
    """Each output's value when there is no dataset to render."""
    figures = render_message(text)
    return {**{k: figures[k] for k in FIGURE_KEYS}, "status": [], "sample_note": "",
            "guide": guide, "build_notice": [], "top_k_note": "", "show_all_class": "d-none",
            "threshold_note": "", "sparsity_note": "", "table_rows": [], "table_note": table_text}


def table_note(shown: int, hidden: int, excluded: int) -> str:
    """What the feature table says under itself."""
    parts = [f"{shown} shown"]
    if hidden:
        parts.append(f"{hidden} hidden by the top-K cut")
    if excluded:
        parts.append(f"{excluded} excluded")
    return ", ".join(parts)


def _api_url(prefix: str) -> str:
    """The API base as the browser reaches this server: the callback request's scheme, host and
    path prefix, as a trusted proxy forwards them (api/proxy.py)."""
    return request.root_url.rstrip("/") + prefix + API_PREFIX
