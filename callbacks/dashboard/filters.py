"""The analysis controls: their ranges follow the build on screen, their values come from the URL
on first load, and every change folds them into ids.FILTERS (and the URL's query string)."""

from __future__ import annotations

import math

from dash import Input, Output, State, no_update

from api.access import locked_filters
from data.domain.errors import DomainError
from data.domain.filters import (ALL_FEATURES, DEFAULT_THRESHOLD_MODE, feature_key, feature_list,
                                 normalize_filters, normalize_selection, parse_query,
                                 query_string, sparsity_bounds, text_or_none)
from figures.base import feature_options
from layouts.dashboard.controls import top_k_options
from layouts.dashboard.ids import ids


def threshold_scale(max_value: float) -> tuple[float, float, dict]:
    """(slider max, step, marks) for a build whose largest value is `max_value`: confidences
    and fractions (<= 1) get 0..1 in steps of 0.01, so the seed's 0.2 is a slider position;
    larger scales get 100 steps up to a rounded-up maximum (the value itself when rounding up
    would pass the largest float, e.g. at 1.7e308). Every number returned is finite."""
    if not math.isfinite(max_value) or max_value <= 1.0:
        return 1.0, 0.01, {0: "0", 0.2: "0.2", 0.5: "0.5", 0.8: "0.8", 1: "1"}
    magnitude = 10.0 ** math.floor(math.log10(max_value))
    top = math.ceil(max_value / magnitude) * magnitude
    if not math.isfinite(top):
        top = max_value
    return top, top / 100, {0: "0", top / 2: f"{top / 2:g}", top: f"{top:g}"}


CONTROL_OUTPUTS = {
    "threshold_max": Output(ids.CONFIDENCE, "max"),
    "threshold_step": Output(ids.CONFIDENCE, "step"),
    "threshold_marks": Output(ids.CONFIDENCE, "marks"),
    "threshold": Output(ids.CONFIDENCE, "value"),
    "sparsity": Output(ids.SPARSITY, "value"),
    "top_k_options": Output(ids.TOP_K, "options"),
    "top_k": Output(ids.TOP_K, "value"),
    "sort": Output(ids.SORT, "value"),
    "pinned_options": Output(ids.PINNED, "options"),
    "pinned": Output(ids.PINNED, "value"),
    "excluded_options": Output(ids.EXCLUDED, "options"),
    "excluded": Output(ids.EXCLUDED, "value"),
    "rank": Output(ids.RANK, "value"),
    "min_group": Output(ids.MIN_GROUP, "value"),
    "adjust": Output(ids.ADJUST, "value"),
    "weight": Output(ids.WEIGHT, "value"),
    "outcome": Output(ids.OUTCOME, "value"),
    "apply_fixes": Output(ids.APPLY_FIXES, "value"),
    "threshold_mode": Output(ids.THRESHOLD_MODE, "value"),
    "restored": Output(ids.URL_RESTORED, "data"),
}


CONTROL_INPUTS = {
    "selection": Input(ids.SELECTION, "data"), "search": State(ids.URL, "search"),
    "restored": State(ids.URL_RESTORED, "data"), "pinned": State(ids.PINNED, "value"),
    "excluded": State(ids.EXCLUDED, "value")}

FILTER_OUTPUTS = {"filters": Output(ids.FILTERS, "data"), "search": Output(ids.URL, "search")}
FILTER_INPUTS = {
    "selection": Input(ids.SELECTION, "data"),
    "threshold": Input(ids.CONFIDENCE, "value"),
    "sparsity": Input(ids.SPARSITY, "value"), "top_k": Input(ids.TOP_K, "value"),
    "sort": Input(ids.SORT, "value"), "pinned": Input(ids.PINNED, "value"),
    "excluded": Input(ids.EXCLUDED, "value"), "rank": Input(ids.RANK, "value"),
    "min_group": Input(ids.MIN_GROUP, "value"),
    "adjust": Input(ids.ADJUST, "value"), "weight": Input(ids.WEIGHT, "value"),
    "outcome": Input(ids.OUTCOME, "value"),
    "apply_fixes": Input(ids.APPLY_FIXES, "value"),
    "per_feature": Input(ids.THRESHOLD_MODE, "value"),
    "fixes": Input(ids.FIXES_VERSION, "data"),
    "restored": State(ids.URL_RESTORED, "data"),
    "previous": State(ids.FILTERS, "data"), "search": State(ids.URL, "search")}


def register(app, services) -> None:
    # Not called on load: the layout holds its answer already (callbacks/dashboard/first_view).
    @app.callback(output=CONTROL_OUTPUTS, inputs=CONTROL_INPUTS, prevent_initial_call=True)
    def fit_controls_callback(**values):
        return fit_controls(services, **values)

    # Called on load, only to write the view's canonical query into the browser's address
    # (the layout already holds ids.FILTERS; the server cannot rewrite the address itself).
    @app.callback(output=FILTER_OUTPUTS, inputs=FILTER_INPUTS)
    def fold_filters_callback(**values):
        return fold_filters(**values)

    @app.callback(Output(ids.TOP_K, "value", allow_duplicate=True),
                  Input(ids.SHOW_ALL, "n_clicks"), prevent_initial_call=True)
    def show_all(_clicks):
        return ALL_FEATURES


def fit_controls(services, selection, search, restored, pinned, excluded) -> dict:
    """Slider range and feature lists for the build on screen; values from the URL the
    first time, afterwards the user's (filters are kept across builds)."""
    out = {key: no_update for key in CONTROL_OUTPUTS}
    names: list[str] = []
    counts = None
    sel = normalize_selection(selection)
    if sel is not None and sel["business"]:
        try:
            ds = services.cache.get(sel["business"], sel["image_source"], sel["build"],
                                    sel["metrics"])
            names = list(ds.matrix.feature_names)
            counts = ds.index.counts_at(0.0)
            out["threshold_max"], out["threshold_step"], out["threshold_marks"] = \
                threshold_scale(ds.index.max_value)
        except DomainError:
            pass
    if not restored:  # the URL names features in full or by key; the lists hold keys
        asked = locked_filters(parse_query(text_or_none(search)))  # an embed link's wins
        pinned, excluded = asked["pinned"], asked["excluded"]
    pinned = [feature_key(p) for p in feature_list(pinned)]
    excluded = [feature_key(e) for e in feature_list(excluded)]
    options = feature_options(names, counts, pinned + excluded)
    out.update(pinned_options=options, excluded_options=options)
    if not restored:
        out.update(threshold=asked["threshold"], sparsity=[asked["min_pct"], asked["max_pct"]],
                   top_k_options=top_k_options(asked["top_k"]),
                   top_k=ALL_FEATURES if asked["top_k"] is None else asked["top_k"],
                   sort=asked["sort"], pinned=pinned, excluded=excluded,
                   rank=asked["rank"], min_group=asked["min_group"],
                   adjust=asked["adjust"], weight=asked["weight"],
                   outcome=asked["outcome"], apply_fixes=asked["apply_fixes"],
                   threshold_mode=asked["thresholds"] != DEFAULT_THRESHOLD_MODE,
                   restored=True)
    elif names:
        known = {o["value"] for o in options}
        out.update(pinned=[p for p in pinned if p in known],
                   excluded=[e for e in excluded if e in known])
    return out


def fold_filters(selection, threshold, sparsity, top_k, sort, pinned, excluded, rank,
                 min_group, adjust, weight, outcome, apply_fixes, per_feature, fixes,
                 restored, previous, search) -> dict:
    """One dict with the whole view (ids.FILTERS); the URL mirrors it."""
    sel = normalize_selection(selection)
    if not restored or sel is None:
        return {"filters": no_update, "search": no_update}
    lo, hi = sparsity_bounds(sparsity)
    filters = normalize_filters({
        "business": sel["business"], "image_source": sel["image_source"],
        "build": sel["build"], "metrics": sel["metrics"], "version": sel["version"],
        "threshold": threshold, "min_pct": lo, "max_pct": hi,
        "top_k": top_k, "sort": sort, "pinned": pinned, "excluded": excluded,
        "rank": rank, "min_group": min_group, "adjust": bool(adjust), "weight": weight,
        "outcome": outcome, "apply_fixes": bool(apply_fixes),
        "thresholds": "saved" if per_feature else DEFAULT_THRESHOLD_MODE,
        "fixes_version": fixes.get("version") if isinstance(fixes, dict) else None,
    })
    search = text_or_none(search)
    query = query_string(filters, search)
    # Unchanged filters (the first view's, on load) still put their canonical query in the
    # browser's address.
    return {"filters": filters if filters != previous else no_update,
            "search": query if query != search else no_update}
