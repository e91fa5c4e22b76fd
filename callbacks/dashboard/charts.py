"""The render callback: ids.FILTERS in; every figure, the feature table and what is said around
them out, from one computation (figures.dashboard.view.render_view).

Outputs are named: add one to OUTPUTS and to `_placed` / `_message`, nothing else.
"""

from __future__ import annotations

from dash import Input, Output, State, no_update
from flask import request

from api.access import locked_filters
from config import API_PREFIX
from data.domain.errors import DomainError
from data.domain.filters import normalize_filters
from data.people.tokens import has_stored_tokens
from figures.dashboard.guide import commands
from figures.dashboard.outcome import look
from figures.dashboard.table import column_defs
from figures.dashboard.view import FIGURE_KEYS, MAX_FEATURES_DRAWN, render_message, render_view
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
    "table_columns": Output(ids.TABLE, "columnDefs"),
    "table_note": Output(ids.TABLE_NOTE, "children"),
}


INPUTS = {"filters": Input(ids.FILTERS, "data"), "columns": State(ids.TABLE, "columnDefs")}


def register(app, services) -> None:
    # Not called on load: the layout holds the first view's answer (callbacks/dashboard/
    # first_view.py), so the charts draw without a callback round.
    @app.callback(output=OUTPUTS, inputs=INPUTS, prevent_initial_call=True)
    def render_callback(filters, columns=None):
        return render(services, filters, columns)


def render(services, filters, columns=None) -> dict:
    """OUTPUTS' values for the view in `filters` (ids.FILTERS)."""
    # An embed link's fixed filters win; a crafted request gets defaults, never a 500.
    f = normalize_filters(locked_filters(filters))
    api = _api_url(services.settings.url_prefix)
    business, image_source = f["business"], f["image_source"]
    if not business:
        return _message(NO_DATA_TEXT, charts.guide(
            "no_data", NO_DATA_TEXT,
            commands("no_data", api, None, None, needs_token(services))),
            "Choose a business and an image source.")
    try:
        ds = services.cache.get(business, image_source, f["build"], f["metrics"])
    except DomainError as exc:
        kind = exc.code if exc.code in ("no_build", "not_readable") else "unknown"
        return _message(exc.message, charts.guide(
            kind, exc.message, commands(kind, api, business, image_source,
                                        needs_token(services))), exc.message)
    judged = services.scores.outcome_dataset(ds, f["outcome"])
    labels = None
    if f["outcome"] == "ctr" and (f["apply_fixes"] or f["thresholds"] == "saved"):
        labels = services.fixed.view(judged, f["threshold"], apply=f["apply_fixes"],
                                     saved_thresholds=f["thresholds"] == "saved")
    view = render_view(judged, f, labels=labels)
    guide = view["guide"]
    guide_children = charts.guide(
        guide["kind"], guide["text"],
        commands(guide["kind"], api, ds.source.business, ds.source.name,
                 needs_token(services))) if guide else []
    placed = _placed(view, guide_children, services.settings.url_prefix)
    if placed["table_columns"] == columns:  # unchanged: the grid keeps its sort and widths
        placed["table_columns"] = no_update
    return placed


def needs_token(services) -> bool:
    """Whether writes to this server need a bearer token: INGEST_TOKENS, or tokens made with
    `cli.py token create` (asked only when a guide is shown)."""
    return bool(services.settings.ingest_tokens) or has_stored_tokens(services.store.engine)


def _placed(view: dict, guide_children: list, prefix: str = "/") -> dict:
    """Each output's value for a rendered view."""
    s = view["status"]
    hidden = s["features_hidden"]
    return {
        **{k: view[k] for k in FIGURE_KEYS},
        "status": charts.status(s, prefix),
        "sample_note": charts.sample_note(s),
        "guide": guide_children,
        "build_notice": charts.build_notice(s),
        "top_k_note": top_k_note(s),
        # "show all" adds nothing once every feature the page can draw is drawn
        "show_all_class": "p-0 align-baseline" + ("" if hidden and s["top_k"] is not None
                                                  and s["top_k"] < MAX_FEATURES_DRAWN
                                                  else " d-none"),
        "threshold_note": f"present = confidence ≥ {s['threshold']:g} (and > 0)"
                          + (f", or its saved threshold for {s['saved_thresholds']:,} features"
                             if s.get("saved_thresholds") else "")
                          + f"; {s['features_with_points']:,} of {s['features_in_build']:,} "
                            "features have points",
        "sparsity_note": f"{s['features_in_range']:,} features between {s['min_pct']:g}% and "
                         f"{s['max_pct']:g}%",
        "table_rows": view["rows"],
        "table_note": table_note(len(view["rows"]), hidden, s["features_excluded"]),
        "table_columns": column_defs(look(s["outcome"]),
                                     with_threshold=bool(s.get("saved_thresholds"))),
    }


def _message(text: str, guide: list, table_text: str) -> dict:
    """Each output's value when there is no dataset to render."""
    figures = render_message(text)
    return {**{k: figures[k] for k in FIGURE_KEYS}, "status": [], "sample_note": "",
            "guide": guide, "build_notice": [], "top_k_note": "", "show_all_class": "d-none",
            "threshold_note": "", "sparsity_note": "", "table_rows": [], "table_note": table_text,
            "table_columns": column_defs()}


def top_k_note(s: dict) -> str:
    """What the top-K control says about the features shown (`s`: the view's status)."""
    hidden = s["features_hidden"]
    if not hidden:
        return f"all {s['features_shown']:,} features shown"
    note = f"{s['features_shown']:,} of {s['features_in_range']:,} features shown; {hidden:,} hidden"
    if s["top_k"] is None or s["top_k"] > MAX_FEATURES_DRAWN:
        note += (f" (the charts draw at most {MAX_FEATURES_DRAWN:,}, by |impact|; the features "
                 "API gives all)")
    return note


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
