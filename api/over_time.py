"""Routes about builds over time (docs/statistics.md, build quality): a build's quality checks, two builds compared, a
feature's history across builds, and the metrics deliveries of an image source. The work is in
data/storage/over_time.py, shared with the pages."""

from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, request

from api.access import services
from api.errors import ApiError, json_response
from api.request import build_arg, float_arg, identity, metrics_arg
from data.storage.over_time import build_quality, compare, history

over_time = Blueprint("over_time", __name__)


def _sparsity() -> tuple[float, float]:
    min_pct = float_arg("min_pct", 0.0, 0.0, 100.0)
    max_pct = float_arg("max_pct", 100.0, 0.0, 100.0)
    if min_pct > max_pct:
        raise ApiError(400, "bad_parameter", f"min_pct ({min_pct}) is above max_pct ({max_pct}).")
    return min_pct, max_pct


@over_time.route("/quality", methods=["GET"], strict_slashes=False)
def get_quality():
    """The quality checks of a build (current unless `build`): those run when it was accepted,
    or, for a build stored without checks, run now against the build before it."""
    business, source = identity()
    svc = services()
    ref = svc.cache.source(business, source)
    return json_response(build_quality(svc.cache, ref, build_arg(), svc.settings.quality_limits))


@over_time.route("/compare", methods=["GET"], strict_slashes=False)
def get_compare():
    """Build a against build b (default: b the current build, a the one before it) at one
    threshold and sparsity range, with one outcome set (latest, or `metrics`)."""
    business, source = identity()
    threshold = float_arg("threshold", 0.0)
    min_pct, max_pct = _sparsity()
    metrics = metrics_arg()
    ref = services().cache.source(business, source)
    return json_response(compare(services().cache, ref, build_arg("build_a"), build_arg("build_b"),
                                 threshold, min_pct, max_pct, metrics))


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
    metrics = metrics_arg()
    ref = services().cache.source(business, source)
    return json_response(history(services().history, ref, feature, threshold, metrics))


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
