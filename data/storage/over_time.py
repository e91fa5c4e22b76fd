"""Builds over time as the API and the pages ask for them (docs/statistics.md, build quality): a build's quality checks,
two builds compared, a feature's history. Each returns the API's body; the pages show the same."""

from __future__ import annotations

from dataclasses import asdict

from data.domain.dataset import Dataset, SourceRef
from data.domain.errors import NoBuild, NoPreviousBuild
from data.stats.compare import compare_builds
from data.stats.features import feature_stats
from data.stats.history import feature_history, features_over_builds
from data.stats.quality import QualityLimits, run_checks
from data.stats.quality_gate import QualityGate
from data.storage.cache import DatasetCache
from data.storage.history import BuildHistory
from data.storage.store import QualityCheck


def current_build(ref: SourceRef) -> int:
    """The current build id of `ref`; NoBuild when it has none."""
    if ref.current_build_id is None:
        raise NoBuild("no_build", f"{ref.business!r} / {ref.name!r} has no build yet: PUT one "
                                  "to /api/v1/features.")
    return ref.current_build_id


def quality_check(gate: QualityGate, matrix, cache: DatasetCache) -> QualityCheck:
    """The store's QualityCheck for a new build `matrix`: the gate's judgement against the build
    it replaces, mapped from its build files (written when it was stored) rather than decoded
    into this worker's own memory: a copy per worker of the previous build's matrix was 65 MB
    at 100k images."""

    def check(previous_build_id: int | None, previous_hash: str | None) -> list[dict]:
        previous = cache.matrix(previous_build_id, previous_hash) \
            if previous_build_id is not None else None
        return gate.judge(matrix, previous)

    return check


def delivery_body(ds: Dataset) -> dict | None:
    """Which metrics delivery a dataset's numbers use ({"id", "received_at", "rows", "who",
    "latest"}), None when the image source has no metrics."""
    d = ds.delivery
    if d is None:
        return None
    return {**asdict(d), "latest": d.id == ds.latest_delivery_id}


def build_quality(cache: DatasetCache, ref: SourceRef, build_id: int | None,
                  limits: QualityLimits) -> dict:
    """The quality checks of a build (current when None): those stored when it was accepted,
    or, for a build stored without checks, run now against the build before it with `limits`."""
    build_id = build_id or current_build(ref)
    info = cache.build(ref, build_id)
    stored = cache.store.quality(build_id)
    if stored is None:
        previous = cache.store.previous_build_id(ref.id, build_id)
        before = cache.build(ref, previous) if previous is not None else None
        checks = run_checks(cache.matrix(build_id, info.content_hash),
                            cache.matrix(previous, before.content_hash) if before else None,
                            limits)
        stored = {"previous_build": previous, "checks": checks, "checked_at": None}
    return {
        "business": ref.business, "image_source": ref.name, "build": info.id,
        "build_label": info.build_label, "received_at": info.received_at,
        "is_current": info.id == ref.current_build_id,
        "previous_build": stored["previous_build"],
        "stored": stored["checked_at"] is not None, "checked_at": stored["checked_at"],
        "alarms": [c["check"] for c in stored["checks"] if c["status"] == "alarm"],
        "checks": stored["checks"],
    }


def compare(cache: DatasetCache, ref: SourceRef, build_a: int | None, build_b: int | None,
            threshold: float, min_pct: float, max_pct: float, metrics: int | None) -> dict:
    """Build a against build b (b: current when None; a: the build before b when None), at one
    threshold and sparsity range, with one outcome set (latest, or delivery `metrics`)."""
    build_b = build_b or current_build(ref)
    if build_a is None:
        build_a = cache.store.previous_build_id(ref.id, build_b)
        if build_a is None:
            raise NoPreviousBuild("no_previous_build",
                                  f"Build {build_b} is the first build of {ref.business!r} / "
                                  f"{ref.name!r}: give build_a to compare it with.")
    ds_a = cache.get(ref.business, ref.name, build_a, metrics)
    ds_b = cache.get(ref.business, ref.name, build_b, metrics)
    stats_a = feature_stats(ds_a.index, threshold, min_pct, max_pct)
    stats_b = feature_stats(ds_b.index, threshold, min_pct, max_pct)
    return {
        "business": ref.business, "image_source": ref.name,
        "build_a": ds_a.build.id, "build_b": ds_b.build.id,
        "build_a_label": ds_a.build.build_label, "build_b_label": ds_b.build.build_label,
        "threshold": threshold, "min_pct": min_pct, "max_pct": max_pct,
        "metrics_delivery": delivery_body(ds_b),
        "images_a": ds_a.matrix.n_images, "images_b": ds_b.matrix.n_images,
        **compare_builds(ds_a.matrix, ds_b.matrix, stats_a, stats_b),
    }


def history(builds: BuildHistory, ref: SourceRef, feature: str, threshold: float,
            metrics: int | None) -> dict:
    """`feature` in every build of `ref`, oldest first, as the features API gives it per build
    at `threshold` (sparsity 0–100%); `features` lists every feature of any build."""
    entries, delivery = builds.builds(ref, threshold, metrics)
    return {
        "business": ref.business, "image_source": ref.name, "feature": feature,
        "threshold": threshold,
        "metrics_delivery": None if delivery is None else {**asdict(delivery),
                                                           "latest": metrics is None},
        "builds": feature_history(entries, feature),
        "features": features_over_builds(entries),
    }
