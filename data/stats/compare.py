"""Two builds of one image source side by side (docs/statistics.md, build quality): which images came, went or changed,
and how each feature's prevalence and impact moved."""

from __future__ import annotations

import math


from data.stats.features import FeatureStats
from data.domain.matrix import BuildMatrix
from data.stats.vectors import image_fingerprints

FEATURE_FIELDS = ("feature", "prevalence_pct_a", "prevalence_pct_b", "impact_a", "impact_b",
                  "impact_delta", "n_with_a", "n_with_b")


def compare_builds(matrix_a: BuildMatrix, matrix_b: BuildMatrix,
                   stats_a: FeatureStats, stats_b: FeatureStats) -> dict:
    """The compare API's body from build a to build b. `stats_*` are feature_stats of each build
    at the same threshold/min_pct/max_pct; a feature one of them did not return has nulls there.

    images_changed: images in both builds whose vector (features and exact values) differs.
    features: the union of both stats' features, largest |impact_delta| first, nulls last, ties
    by name; impact_delta = impact_b - impact_a, null when either is null.
    """
    position_b = {name: i for i, name in enumerate(matrix_b.image_names)}
    in_a, in_b = [], []
    for i, name in enumerate(matrix_a.image_names):
        j = position_b.get(name)
        if j is not None:
            in_a.append(i)
            in_b.append(j)
    changed = image_fingerprints(matrix_a)[in_a] != image_fingerprints(matrix_b)[in_b]

    a, b = _by_feature(stats_a), _by_feature(stats_b)
    features = []
    for name in sorted(set(a) | set(b)):
        prevalence_a, impact_a, n_with_a = a.get(name, (None, None, None))
        prevalence_b, impact_b, n_with_b = b.get(name, (None, None, None))
        delta = None if impact_a is None or impact_b is None else impact_b - impact_a
        features.append(dict(zip(FEATURE_FIELDS, (
            name, prevalence_a, prevalence_b, impact_a, impact_b, delta, n_with_a, n_with_b))))
    features.sort(key=lambda r: (r["impact_delta"] is None, -abs(r["impact_delta"] or 0.0)))
    return {"images_added": matrix_b.n_images - len(in_b),
            "images_removed": matrix_a.n_images - len(in_a),
            "images_changed": int(changed.sum()),
            "features": features}


def _by_feature(stats: FeatureStats) -> dict[str, tuple[float, float | None, int]]:
    """name -> (prevalence_pct, impact or None, n_with)."""
    return {str(name): (float(p), None if math.isnan(i) else float(i), int(n))
            for name, p, i, n in zip(stats.feature, stats.prevalence_pct, stats.impact,
                                     stats.n_with)}
