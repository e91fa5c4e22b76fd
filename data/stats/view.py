"""The statistics one view of a dataset asks for: unweighted or impressions-weighted, with the
adjusted impact beside the raw one. Shared by the features API and the dashboard."""

from __future__ import annotations

import numpy as np

from data.domain.dataset import Dataset
from data.stats.adjusted import AdjustedImpact, adjusted_impact
from data.stats.features import FeatureStats, feature_stats
from data.stats.weighted import build_pooled_index, pooled_feature_stats

ADJUSTED_FIELDS = ("adjusted_impact", "adjusted_ci_low", "adjusted_ci_high", "adjusted_p_value",
                   "adjusted_note")
NOTE_WEIGHTED = "adjusted impact is estimated on image CTRs; switch weighting to images"


def stats_for(ds: Dataset, threshold: float, min_pct: float, max_pct: float,
              weight: str = "images") -> FeatureStats:
    """Per-feature statistics of `ds`: each image once (weight "images"), or pooled over
    impressions (weight "impressions"; docs/statistics.md)."""
    if weight == "impressions":
        index = ds.derived("pooled_index", lambda d: build_pooled_index(
            d.matrix.col_ptr, d.matrix.rows, d.matrix.values, d.impressions, d.clicks))
        return pooled_feature_stats(index, ds.matrix.feature_names, threshold, min_pct, max_pct)
    return feature_stats(ds.index, threshold, min_pct, max_pct)


def adjusted_for(ds: Dataset, stats: FeatureStats, threshold: float,
                 weight: str = "images") -> AdjustedImpact | None:
    """The adjusted impact of the features in `stats` (in their order), or None for the
    impressions-weighted view."""
    if weight == "impressions" or not len(stats):
        return None
    # Remembered per dataset: a regression over 100k images takes a tenth of a second, and many
    # viewers (and every filter change that keeps the features shown, in any order) ask for the
    # same model. Its columns enter in build order whatever the order asked.
    positions = np.asarray(stats.feature_index, dtype=np.int64)
    order = np.argsort(positions, kind="stable")
    in_build_order = positions[order]
    fitted = ds.recent(("adjusted", float(threshold), in_build_order.tobytes()),
                       lambda: adjusted_impact(ds.index, threshold, in_build_order))
    back = np.empty_like(order)
    back[order] = np.arange(len(order))
    return fitted.take(back)


def records_with_adjusted(stats: FeatureStats, adjusted: AdjustedImpact | None) -> list[dict]:
    """The API records of `stats`, each with the adjusted fields (null with a note when there
    is no adjusted estimate)."""
    rows = stats.records()
    if adjusted is None:
        for row in rows:
            row.update({k: None for k in ADJUSTED_FIELDS}, adjusted_note=NOTE_WEIGHTED)
        return rows
    for row, extra in zip(rows, adjusted.records()):
        row.update({k: extra.get(k) for k in ADJUSTED_FIELDS})
    return rows


def sign_flips(stats: FeatureStats, adjusted: AdjustedImpact | None) -> np.ndarray:
    """Per feature: True where the adjusted impact points the other way than the raw one."""
    if adjusted is None:
        return np.zeros(len(stats), dtype=bool)
    with np.errstate(invalid="ignore"):
        return np.sign(stats.impact) * np.sign(adjusted.adjusted_impact) < 0
