"""The history page's callback: selectors and threshold (from the URL on load, then the
user's), the feature's history (data/storage/over_time.history, as the API) and the URL."""

from __future__ import annotations

from dash import Input, Output, State, ctx

from data.domain.errors import DomainError, NoBuild
from data.domain.links import href, numbers, parse
from data.storage.over_time import history
from figures.base import message_figure
from figures.builds import name_options, pick_source
from figures.history import CHART_HEIGHT, impact_figure, prevalence_figure, table_rows
from layouts import history as page
from layouts.history import ids

OUTPUTS = {
    "business_options": Output(ids.BUSINESS, "options"), "business": Output(ids.BUSINESS, "value"),
    "source_options": Output(ids.IMAGE_SOURCE, "options"),
    "source": Output(ids.IMAGE_SOURCE, "value"),
    "feature_options": Output(ids.FEATURE, "options"), "feature": Output(ids.FEATURE, "value"),
    "threshold": Output(ids.THRESHOLD, "value"),
    "state": Output(ids.STATE, "data"), "search": Output(ids.URL, "search"),
    "note": Output(ids.NOTE, "children"), "impact": Output(ids.IMPACT, "figure"),
    "prevalence": Output(ids.PREVALENCE, "figure"), "table": Output(ids.TABLE, "children"),
}


def register(app, services) -> None:
    @app.callback(output=OUTPUTS, inputs={
        "business": Input(ids.BUSINESS, "value"), "source": Input(ids.IMAGE_SOURCE, "value"),
        "feature": Input(ids.FEATURE, "value"), "threshold": Input(ids.THRESHOLD, "value"),
        "search": State(ids.URL, "search"), "state": State(ids.STATE, "data")})
    def show(business, source, feature, threshold, search, state):
        state = state or {}
        metrics = state.get("metrics")
        if not state.get("resolved"):  # first view: the URL says what to show
            asked = parse(search)
            business, source, feature = asked["business"], asked["image_source"], asked["feature"]
            threshold, metrics = asked["threshold"], asked["metrics"]
        elif ctx.triggered_id in (ids.BUSINESS, ids.IMAGE_SOURCE):
            metrics = None  # a delivery belongs to its image source
        threshold = numbers(threshold, 0, 100)["threshold"]
        datasets = services.cache.datasets()
        business, source, entry = pick_source(datasets, business, source)
        out = {"business_options": name_options(d["business"] for d in datasets),
               "business": business,
               "source_options": name_options(
                   s["image_source"] for d in datasets if d["business"] == business
                   for s in d["image_sources"]),
               "source": source, "threshold": threshold,
               "state": {"resolved": True, "metrics": metrics},
               "feature_options": [], "feature": None, "table": []}
        try:
            ref = services.cache.source(business, source)
            if not entry or not entry["builds"]:
                raise NoBuild("no_build", "This image source has no build yet.")
            body = history(services.history, ref, feature or "", threshold, metrics)
        except DomainError as exc:
            return {**out, "search": href("", "", business=business, image_source=source),
                    "note": exc.message, "impact": message_figure(exc.message, CHART_HEIGHT),
                    "prevalence": message_figure(exc.message, CHART_HEIGHT)}
        if feature not in body["features"]:
            feature = _default_feature(body["features"], feature)
            body = history(services.history, ref, feature, threshold, metrics)
        return {**out, "feature_options": name_options(body["features"]), "feature": feature,
                "search": href("", "", business=business, image_source=source, feature=feature,
                               threshold=threshold, metrics=metrics),
                "note": _note(body, metrics),
                "impact": impact_figure(body), "prevalence": prevalence_figure(body),
                "table": page.table(table_rows(body))}


def _default_feature(features: list[str], asked: str | None) -> str:
    """The feature asked for even when no build has it (the page says so), else the first."""
    return asked if asked else (features[0] if features else "")


def _note(body: dict, metrics: int | None) -> str:
    builds = body["builds"]
    present = sum(b["in_build"] for b in builds)
    d = body["metrics_delivery"]
    used = ("no metrics yet" if d is None else
            f"metrics delivery {d['id']} ({'pinned' if metrics is not None else 'latest'})")
    return (f"{body['feature']!s}: in {present} of {len(builds)} builds; threshold "
            f"{body['threshold']:g}; {used}. Builds marked ⚠ raised quality alarms.")
