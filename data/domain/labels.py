"""What a reader holds about label fixes and thresholds for one view (docs/statistics.md, label
fixes and thresholds): plain, in memory, no database. data/storage/label_cache.py fills these;
the API and the figures read them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from data.domain.dataset import Dataset
from data.domain.matrix import BuildMatrix


@dataclass(frozen=True)
class FixedDataset:
    """A build with the latest fixes applied, and what applying them did."""

    dataset: Dataset  # same images, features and outcomes; fixed pairs overridden
    model: BuildMatrix  # the build as the model delivered it (its values are what people see)
    fixed: dict  # (image, feature) -> present: the latest fixes
    version: int
    applied: int  # fixes naming an image and a feature of the build
    ignored: int  # fixes of images or features this build does not have
    # The fixed pairs as arrays (in `fixed`'s order): feature name, the model's value (0 where it
    # gave none, NaN where the build has no such pair), and the fix. Computed once, so the
    # count of changed values at any threshold costs no search per request.
    pair_features: np.ndarray
    pair_values: np.ndarray
    pair_present: np.ndarray

    def changed(self, threshold: float, saved: dict[str, float] | None = None) -> int:
        """How many fixes of this build disagree with the model's presence (v > 0 and v >= t),
        each at its feature's saved threshold, else `threshold`: data.stats.fixes.changed_count
        over the cached values (tested equal)."""
        t = np.full(len(self.pair_values), float(threshold))
        if saved:
            hit = np.isin(self.pair_features, list(saved))
            t[hit] = [saved[f] for f in self.pair_features[hit].tolist()]
        v = self.pair_values
        known = ~np.isnan(v)
        with np.errstate(invalid="ignore"):
            model = (v > 0) & (v >= t)
        return int((model != self.pair_present)[known].sum())


@dataclass(frozen=True)
class LabelView:
    """What a statistics request computes from (the features API, the dashboard)."""

    dataset: Dataset  # the build, or the build with fixes applied
    threshold: float | np.ndarray  # the single threshold, or one per feature of the build
    saved: dict[str, float]  # the saved thresholds in use (features of this build); {} if none
    fixes: FixedDataset | None  # None unless fixes are applied
    changed: int | None  # values the fixes changed at the threshold(s); None unless applied

    def threshold_of(self, feature_index: np.ndarray) -> np.ndarray:
        """The threshold each of these features (columns of the build) was cut at."""
        if np.ndim(self.threshold):
            return self.threshold[feature_index]
        return np.full(len(feature_index), float(self.threshold))
