"""Routes about builds over time (SPEC §11): a build's quality checks, two builds compared, a
feature's history across builds, and the metrics deliveries of an image source."""

from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, request

from api.access import services
from api.builds import delivery_body
from api.errors import ApiError, json_response
from api.request import build_arg, float_arg, identity
from data.domain.errors import NoBuild
from data.stats.compare import compare_builds
from data.stats.features import feature_stats
from data.stats.history import feature_history
from data.stats.quality import run_checks

over_time = Blueprint("over_time", __name__)


def _sparsity() -> tuple[float, float]:
    min_pct = float_arg("min_pct", 0.0, 0.0, 100.0)
    max_pct = float_arg("max_pct", 100.0, 0.0, 100.0)
    if min_pct > max_pct:
        raise ApiError(400, "bad_parameter", f"min_pct ({min_pct}) is above max_pct ({max_pct}).")
    return min_pct, max_pct


def _current(ref) -> int:
    if ref.current_build_id is None:
        raise NoBuild("no_build", f"{ref.business!r} / {ref.name!r} has no build yet: PUT one "
                                  "to /api/v1/features.")
    return ref.current_build_id


@over_time.route("/quality", methods=["GET"], strict_slashes=False)
def get_quality():
    """The quality checks of a build (current unless `build`): those run when it was accepted,
    or, for a build stored without checks, run now against the build before it."""
    business, source = identity()
    svc = services()
    ref = svc.cache.source(business, source)
    build_id = build_arg() or _current(ref)
    info = svc.cache.build(ref, build_id)
    stored = svc.store.quality(build_id)
    if stored is None:
        previous = svc.store.previous_build_id(ref.id, build_id)
        checks = run_checks(svc.cache.matrix(build_id),
                            svc.cache.matrix(previous) if previous is not None else None,
                            svc.settings.quality_limits)
        stored = {"previous_build": previous, "checks": checks, "checked_at": None}
    alarms = [c["check"] for c in stored["checks"] if c["status"] == "alarm"]
    return json_response({
        "business": business, "image_source": source, "build": info.id,
        "build_label": info.build_label, "received_at": info.received_at,
        "is_current": info.id == ref.current_build_id,
        "previous_build": stored["previous_build"],
        "stored": stored["checked_at"] is not None, "checked_at": stored["checked_at"],
        "alarms": alarms, "checks": stored["checks"],
    })


@over_time.route("/compare", methods=["GET"], strict_slashes=False)
def get_compare():
    """Build a against build b (default: b the current build, a the one before it) at one
    threshold and sparsity range, with one outcome set (latest, or `metrics`)."""
    business, source = identity()
    threshold = float_arg("threshold", 0.0)
    min_pct, max_pct = _sparsity()
    metrics = build_arg("metrics")
    svc = services()
    ref = svc.cache.source(business, source)
    build_b = build_arg("build_b") or _current(ref)
    build_a = build_arg("build_a")
    if build_a is None:
        build_a = svc.store.previous_build_id(ref.id, build_b)
        if build_a is None:
            raise ApiError(400, "no_previous_build",
                           f"Build {build_b} is the first build of {business!r} / {source!r}: "
                           "give build_a to compare it with.")
    ds_a = svc.cache.get(business, source, build_a, metrics)
    ds_b = svc.cache.get(business, source, build_b, metrics)
    stats_a = feature_stats(ds_a.index, threshold, min_pct, max_pct)
    stats_b = feature_stats(ds_b.index, threshold, min_pct, max_pct)
    body = compare_builds(ds_a.matrix, ds_b.matrix, stats_a, stats_b)
    return json_response({
        "business": business, "image_source": source,
        "build_a": ds_a.build.id, "build_b": ds_b.build.id,
        "build_a_label": ds_a.build.build_label, "build_b_label": ds_b.build.build_label,
        "threshold": threshold, "min_pct": min_pct, "max_pct": max_pct,
        "metrics_delivery": delivery_body(ds_b),
        "images_a": ds_a.matrix.n_images, "images_b": ds_b.matrix.n_images,
        **body,
    })


@over_time.route("/history", methods=["GET"], strict_slashes=False)
def get_history():
    """One feature in every build of an image source, oldest first: its record of the features
    API for that build at `threshold` (sparsity 0–100%)."""
    business, source = identity()
    feature = request.args.get("feature")
    if not feature:
        raise ApiError(400, "missing_feature", "Say which feature: the `feature` parameter.")
    if "\x00" in feature:
        raise ApiError(400, "bad_parameter", "feature contains a NUL character.")
    threshold = float_arg("threshold", 0.0)
    metrics = build_arg("metrics")
    svc = services()
    ref = svc.cache.source(business, source)
    builds, delivery = svc.history.builds(ref, threshold, metrics)
    return json_response({
        "business": business, "image_source": source, "feature": feature,
        "threshold": threshold,
        "metrics_delivery": None if delivery is None else {**asdict(delivery),
                                                           "latest": metrics is None},
        "builds": feature_history(builds, feature),
    })


@over_time.route("/metrics-deliveries", methods=["GET"], strict_slashes=False)
def get_metrics_deliveries():
    """Every metrics delivery of an image source, newest first ({"id", "received_at", "rows",
    "who"}); `metrics=<id>` on the features API reproduces the numbers as of one of them."""
    business, source = identity()
    ref = services().cache.source(business, source)
    deliveries = [asdict(d) for d in services().store.deliveries(ref.id)]
    return json_response({"business": business, "image_source": source,
                          "latest": deliveries[0]["id"] if deliveries else None,
                          "deliveries": deliveries})
