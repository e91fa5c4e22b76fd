"""The compare page's callbacks: one keeps the selectors and controls, computes the comparison
(data/storage/over_time.compare, as the API) and fills the page; one downloads the table as CSV."""

from __future__ import annotations

from dash import Input, Output, State, ctx, no_update

from data.domain.errors import DomainError
from data.domain.links import href, numbers, parse
from data.storage.over_time import compare
from figures.builds import build_options, name_options, pick_source
from figures.compare_builds import csv_filename, csv_text, impact_figure, summary, table_rows
from figures.base import message_figure
from layouts import compare_builds as page
from layouts.compare_builds import ids

OUTPUTS = {
    "business_options": Output(ids.BUSINESS, "options"), "business": Output(ids.BUSINESS, "value"),
    "source_options": Output(ids.IMAGE_SOURCE, "options"),
    "source": Output(ids.IMAGE_SOURCE, "value"),
    "a_options": Output(ids.BUILD_A, "options"), "build_a": Output(ids.BUILD_A, "value"),
    "b_options": Output(ids.BUILD_B, "options"), "build_b": Output(ids.BUILD_B, "value"),
    "threshold": Output(ids.THRESHOLD, "value"), "min_pct": Output(ids.MIN_PCT, "value"),
    "max_pct": Output(ids.MAX_PCT, "value"),
    "state": Output(ids.STATE, "data"), "search": Output(ids.URL, "search"),
    "summary": Output(ids.SUMMARY, "children"), "chart": Output(ids.CHART, "figure"),
    "rows": Output(ids.TABLE, "rowData"),
}


def register(app, services) -> None:
    @app.callback(output=OUTPUTS, inputs={
        "business": Input(ids.BUSINESS, "value"), "source": Input(ids.IMAGE_SOURCE, "value"),
        "build_a": Input(ids.BUILD_A, "value"), "build_b": Input(ids.BUILD_B, "value"),
        "threshold": Input(ids.THRESHOLD, "value"), "min_pct": Input(ids.MIN_PCT, "value"),
        "max_pct": Input(ids.MAX_PCT, "value"),
        "search": State(ids.URL, "search"), "state": State(ids.STATE, "data")})
    def show(business, source, build_a, build_b, threshold, min_pct, max_pct, search, state):
        state = state or {}
        metrics = state.get("metrics")
        if not state.get("resolved"):  # first view: the URL says what to show
            asked = parse(search)
            business, source = asked["business"], asked["image_source"]
            build_a, build_b, metrics = asked["build_a"], asked["build_b"], asked["metrics"]
            threshold, min_pct, max_pct = asked["threshold"], asked["min_pct"], asked["max_pct"]
        elif ctx.triggered_id in (ids.BUSINESS, ids.IMAGE_SOURCE):
            build_a = build_b = metrics = None  # another image source: its last two builds
        view = numbers(threshold, min_pct, max_pct)
        datasets = services.cache.datasets()
        business, source, entry = pick_source(datasets, business, source)
        builds = entry["builds"] if entry else []  # newest first
        known = [b["id"] for b in builds]
        if build_b not in known:
            build_b = entry["current_build"] if entry else None
        if build_a not in known:
            older = [b for b in known if build_b is not None and b < build_b]
            build_a = older[0] if older else None
        options = build_options(builds)
        out = {"business_options": name_options(d["business"] for d in datasets),
               "business": business,
               "source_options": name_options(
                   s["image_source"] for d in datasets if d["business"] == business
                   for s in d["image_sources"]),
               "source": source, "a_options": options, "build_a": build_a,
               "b_options": options, "build_b": build_b, "threshold": view["threshold"],
               "min_pct": view["min_pct"], "max_pct": view["max_pct"],
               "state": {"resolved": True, "metrics": metrics},
               "search": href("", "", business=business, image_source=source, build_a=build_a,
                              build_b=build_b, threshold=view["threshold"],
                              min_pct=view["min_pct"], max_pct=view["max_pct"], metrics=metrics),
               "rows": []}
        if build_a is None or build_b is None:
            text = "Two builds are needed to compare: this image source has fewer."
            return {**out, "summary": page.summary(None, text),
                    "chart": message_figure(text, 520)}
        try:
            ref = services.cache.source(business, source)
            body = compare(services.cache, ref, build_a, build_b, view["threshold"],
                           view["min_pct"], view["max_pct"], metrics)
        except DomainError as exc:
            return {**out, "summary": page.summary(None, exc.message),
                    "chart": message_figure(exc.message, 520)}
        return {**out, "summary": page.summary(summary(body), pinned_metrics=metrics),
                "chart": impact_figure(body), "rows": table_rows(body)}

    @app.callback(Output(ids.CSV, "data"), Input(ids.CSV_BUTTON, "n_clicks"),
                  State(ids.TABLE, "virtualRowData"), State(ids.TABLE, "rowData"),
                  State(ids.BUSINESS, "value"), State(ids.IMAGE_SOURCE, "value"),
                  State(ids.BUILD_A, "value"), State(ids.BUILD_B, "value"),
                  State(ids.THRESHOLD, "value"), prevent_initial_call=True)
    def download_csv(_clicks, shown, rows, business, source, build_a, build_b, threshold):
        """The table as shown (the user's sort order) when it holds the current rows."""
        if not rows:
            return no_update
        if shown and {r["feature"] for r in shown} == {r["feature"] for r in rows}:
            rows = shown
        return {"content": csv_text(rows), "type": "text/csv",
                "filename": csv_filename(business or "", source or "", build_a, build_b,
                                         numbers(threshold, 0, 100)["threshold"])}
