"""A feature across the builds of an image source (docs/statistics.md, build quality): its statistics in each build, as
the features API gives them for that build (same threshold, sparsity 0–100%)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from data.domain.dataset import BuildInfo
from data.stats.features import STAT_COLUMNS, FeatureStats

HISTORY_FIELDS = ("build", "build_label", "received_at", "is_current", "alarms", "in_build",
                  "images", "images_without_ctr") + STAT_COLUMNS[1:]


@dataclass(frozen=True)
class BuildStats:
    """One build's statistics at one threshold and one outcome set."""

    build: BuildInfo
    stats: FeatureStats  # feature_stats(index, threshold), every feature with points
    feature_names: frozenset[str]  # every feature of the build, present or not
    images_without_ctr: int


def feature_history(builds: list[BuildStats], feature: str) -> list[dict]:
    """One row per build, in the order given: the build, whether the feature is in it at all
    (`in_build`), and the feature's record of the features API for that build (n_with,
    prevalence_pct, impact, ci_low, ci_high, ...). A build where the feature is never present
    has n_with 0 and nulls (as the API, which leaves it out)."""
    rows = []
    for b in builds:
        record = _record(b.stats, feature)
        row = {"build": b.build.id, "build_label": b.build.build_label,
               "received_at": b.build.received_at, "is_current": b.build.is_current,
               "alarms": None if b.build.alarms is None else list(b.build.alarms),
               "in_build": feature in b.feature_names, "images": b.stats.n_images,
               "images_without_ctr": b.images_without_ctr}
        for name in STAT_COLUMNS[1:]:
            row[name] = record[name] if record else None
        if record is None:
            row.update(n_with=0, n_without=b.stats.n_images, prevalence_pct=0.0)
        rows.append(row)
    return rows


def features_over_builds(builds: list[BuildStats]) -> list[str]:
    """Every feature name of any of the builds, sorted."""
    names: set[str] = set()
    for b in builds:
        names |= b.feature_names
    return sorted(names)


def _record(stats: FeatureStats, feature: str) -> dict | None:
    """The features API record of `feature` in `stats` (None when it is not there)."""
    hit = np.flatnonzero(stats.feature == feature)
    if not len(hit):
        return None
    one = FeatureStats(**{name: getattr(stats, name)[hit[:1]]
                          for name in stats.__dataclass_fields__ if name != "n_images"},
                       n_images=stats.n_images)
    return one.records()[0]
