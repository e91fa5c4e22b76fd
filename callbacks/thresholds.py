"""The threshold advisor page's callbacks: the features people fixed, the curve and histogram of
one of them, the counts at the chosen threshold, and saving it as the feature's own threshold.
Thin: read the controls, ask the caches, call data/stats (advisor, thresholds) and
figures/thresholds.py."""

from __future__ import annotations

from urllib.parse import parse_qs

from dash import Input, Output, Patch, State, ctx, html, no_update

from api.people import current_person
from callbacks import picker
from data.domain.errors import DomainError
from data.domain.filters import finite_float
from data.stats.advisor import DEFAULT_TARGET_PRECISION, at_threshold, labelled_features
from data.stats.thresholds import suggest_threshold, threshold_out_of_range, threshold_points
from figures.thresholds import (curve_figure, histogram_figure, marker_shapes,
                                threshold_sentence, value_axis_range)
from layouts.thresholds import confusion_table, ids

NO_NAME = "Type your name in the bar at the top first: saved thresholds say who set them."

ADVICE = {
    "curve": Output(ids.CURVE, "figure"),
    "histogram": Output(ids.HISTOGRAM, "figure"),
    "suggestion": Output(ids.SUGGESTION, "children"),
    "suggested": Output(ids.SUGGESTED, "data"),
    "threshold": Output(ids.THRESHOLD, "value"),
}
AT = {
    "confusion": Output(ids.CONFUSION, "children"),
    "note": Output(ids.RANGE_NOTE, "children"),
    "curve": Output(ids.CURVE, "figure", allow_duplicate=True),
    "histogram": Output(ids.HISTOGRAM, "figure", allow_duplicate=True),
}
DATASET = {"business": State(ids.PICKER.business, "value"),
           "image_source": State(ids.PICKER.image_source, "value")}


def register(app, services) -> None:
    picker.register(app, services, ids.PICKER)

    def labelled(business, image_source, feature):
        ds = services.cache.get(business, image_source)
        return ds, services.fixed.labelled(ds, feature)

    @app.callback(Output(ids.FEATURE, "options"), Output(ids.FEATURE, "value"),
                  Input(ids.PICKER.business, "value"), Input(ids.PICKER.image_source, "value"),
                  State(ids.FEATURE, "value"), State(ids.PICKER.url, "search"))
    def features(business, image_source, current, search):
        """The features with fixes, most labelled first; the URL's ?feature= on load."""
        try:
            ref = services.cache.locate(business, image_source)
        except DomainError:  # no dataset chosen, or not one this person may read
            return [], None
        if ref is None:
            return [], None
        counts = labelled_features(services.fixed.tables(ref).latest)
        counts = counts.sort_values(["labelled", "feature"], ascending=[False, True])
        names = counts["feature"].tolist()
        options = [{"label": f"{f} ({n:,} labelled, {p:,} present)", "value": f}
                   for f, n, p in zip(names, counts["labelled"], counts["positives"])]
        asked = _query_feature(search)
        value = next((v for v in (current, asked) if v in names), names[0] if names else None)
        return options, value

    @app.callback(output=ADVICE, inputs={
        "feature": Input(ids.FEATURE, "value"), "target": Input(ids.TARGET, "value"),
        **DATASET, "current": State(ids.THRESHOLD, "value")})
    def advise(feature, target, business, image_source, current):
        if not feature or not business or not image_source:
            return {key: no_update for key in ADVICE}
        try:
            ds, lf = labelled(business, image_source, feature)
        except DomainError as exc:
            return {**{key: no_update for key in ADVICE}, "suggestion": exc.message}
        target = min(max(finite_float(target, DEFAULT_TARGET_PRECISION), 0.0), 1.0)
        points = threshold_points(lf.values, lf.fixed_present)
        suggested = suggest_threshold(points, target)
        saved = services.labels.saved_thresholds(ds.source.id).get(feature)
        if ctx.triggered_id == ids.TARGET:
            threshold = finite_float(current, 0.0)
        else:
            threshold = next((t for t in (saved, suggested) if t is not None), 0.0)
        x_range = value_axis_range(lf.values)
        return {
            "curve": curve_figure(points, x_range, threshold, suggested, feature),
            "histogram": histogram_figure(lf.values, lf.fixed_present, x_range, threshold,
                                          suggested),
            "suggestion": suggestion_text(feature, target, suggested, points, saved, lf),
            "suggested": suggested, "threshold": threshold,
        }

    @app.callback(output=AT, inputs={
        "threshold": Input(ids.THRESHOLD, "value"), "feature": State(ids.FEATURE, "value"),
        "suggested": State(ids.SUGGESTED, "data"), **DATASET},
        prevent_initial_call="initial_duplicate")
    def at(threshold, feature, suggested, business, image_source):
        if not feature or not business or not image_source:
            return {key: no_update for key in AT}
        try:
            _, lf = labelled(business, image_source, feature)
        except DomainError as exc:
            return {**{key: no_update for key in AT}, "note": exc.message}
        t = finite_float(threshold, 0.0)
        counts = at_threshold(lf, t)
        value_range = [float(lf.values.min()), float(lf.values.max())] if len(lf.values) \
            else None
        suggested = suggested if isinstance(suggested, (int, float)) else None
        curve, histogram = Patch(), Patch()
        curve["layout"]["shapes"] = marker_shapes(t, suggested)
        histogram["layout"]["shapes"] = marker_shapes(t, suggested)
        note = threshold_sentence(counts, len(lf.values), value_range)
        return {"confusion": confusion_table(counts),
                "note": [html.Strong("Out of range: "), note] if counts["out_of_range"]
                else [note],
                "curve": curve, "histogram": histogram}

    @app.callback(Output(ids.THRESHOLD, "value", allow_duplicate=True),
                  Input(ids.USE_SUGGESTED, "n_clicks"), State(ids.SUGGESTED, "data"),
                  prevent_initial_call=True)
    def use_suggested(_clicks, suggested):
        return suggested if isinstance(suggested, (int, float)) else no_update

    @app.callback(Output(ids.SAVE_RESULT, "children"),
                  Input(ids.SAVE, "n_clicks"), Input(ids.CLEAR, "n_clicks"),
                  State(ids.THRESHOLD, "value"), State(ids.FEATURE, "value"),
                  State(ids.PICKER.business, "value"), State(ids.PICKER.image_source, "value"),
                  prevent_initial_call=True)
    def save(_save, _clear, threshold, feature, business, image_source):
        person = current_person()
        if person is None:
            return NO_NAME
        if not feature or not business or not image_source:
            return "Choose an image source and a feature first."
        value = None if ctx.triggered_id == ids.CLEAR else finite_float(threshold, None)
        if ctx.triggered_id == ids.SAVE and value is None:
            return "Type a threshold (a number) first."
        try:
            ds = services.cache.get(business, image_source)
            services.labels.put_thresholds(ds.source, ds.build.id, ds.matrix, {feature: value},
                                           by=person.name)
        except DomainError as exc:
            return exc.message
        if value is None:
            return f"Removed the saved threshold of {feature}: it follows the slider again."
        return (f"Saved: {feature} is present at ≥ {value:g} when the dashboard's "
                f"“Per-feature thresholds” is on (by {person.name}).")


def suggestion_text(feature, target, suggested, points, saved, lf) -> list:
    """The suggestion in words, and the saved threshold with its out-of-range flag."""
    parts = []
    if points.labelled == 0:
        parts.append(f"Nobody has fixed {feature} in an image of this build.")
    elif suggested is None:
        parts.append(f"No threshold reaches a precision of {target:.0%} for {feature} on these "
                     f"{points.labelled:,} labelled images ({points.positives:,} present).")
    else:
        k = int((points.threshold == suggested).argmax())
        parts.append(f"Suggested for precision ≥ {target:.0%}: {suggested:.6g} — precision "
                     f"{points.precision[k]:.1%} (n = {int(points.predicted[k]):,}), recall "
                     + ("—" if points.recall[k] != points.recall[k] else
                        f"{points.recall[k]:.1%}")
                     + f", coverage {points.coverage[k]:.1%} of {points.labelled:,} labelled.")
    if lf.not_in_build:
        parts.append(f" {lf.not_in_build:,} fixed images are not in this build (left out).")
    if saved is not None:
        flag = " — outside the labelled values' range" if len(lf.values) and \
            threshold_out_of_range(lf.values, saved) else ""
        parts.append(f" Saved threshold: {saved:g}{flag}.")
    return parts


def _query_feature(search: str | None) -> str | None:
    """The ?feature= of the page's address."""
    values = parse_qs((search or "").lstrip("?")).get("feature")
    return values[-1] if values else None
