"""Threshold advisor (docs/statistics.md, label fixes and thresholds): how the model's value of one feature, cut at a threshold, agrees
with people's fixes of that feature.

Input is one feature over the images that have a fix for it: the model's value per image (0 where
the model gave none) and the fix (present or not). At threshold t an image is *predicted* when
v > 0 and v >= t — the same presence rule as the rest of the dashboard (docs/statistics.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

_Z95 = float(special.ndtri(0.975))  # two-sided 95% normal quantile, 1.959963...
POINT_FIELDS = ("threshold", "predicted", "true_positive", "precision", "recall", "coverage",
                "precision_ci_low", "precision_ci_high")


@dataclass(frozen=True)
class ThresholdPoints:
    """One point per candidate threshold, ascending; aligned arrays, NaN where the API says null."""

    labelled: int  # images with a fix for the feature
    positives: int  # of those, fixed present
    threshold: np.ndarray
    predicted: np.ndarray  # int64
    true_positive: np.ndarray  # int64
    precision: np.ndarray  # NaN when predicted = 0
    recall: np.ndarray  # NaN when positives = 0
    coverage: np.ndarray  # predicted / labelled; NaN when labelled = 0
    precision_ci_low: np.ndarray  # Wilson 95%; NaN when predicted = 0
    precision_ci_high: np.ndarray

    def records(self) -> list[dict]:
        """The API's `points`: one dict per threshold, NaN as None, counts as int."""
        cols = [getattr(self, name).tolist() for name in POINT_FIELDS]
        return [{name: (None if v != v else v) for name, v in zip(POINT_FIELDS, row)}
                for row in zip(*cols)]


def threshold_points(values, fixed_present) -> ThresholdPoints:
    """Precision, recall and coverage at t = 0 and at every distinct value among the labelled
    images, ascending (values may be any finite number; at t <= 0 every v > 0 is predicted)."""
    v = np.asarray(values, dtype=np.float64)
    fixed = np.asarray(fixed_present, dtype=bool)
    labelled, positives = len(v), int(fixed.sum())

    # Sorted ascending, the images predicted at t > 0 are the suffix from t's first occurrence,
    # and at t <= 0 the suffix after the zeros and negatives: one sort and one cumulative count
    # of fixes give every point. (The order within a run of equal values does not matter.)
    order = np.argsort(v)
    sorted_values = v[order]
    tp_before = np.zeros(labelled + 1, dtype=np.int64)
    np.cumsum(fixed[order], out=tp_before[1:])
    run_start = np.flatnonzero(np.diff(sorted_values, prepend=-np.inf) != 0)
    thresholds = sorted_values[run_start] + 0.0  # + 0.0 turns -0.0 into 0.0
    first_positive = int(np.searchsorted(sorted_values, 0.0, side="right"))
    if not (thresholds == 0).any():
        at = int(np.searchsorted(thresholds, 0.0))
        thresholds = np.insert(thresholds, at, 0.0)
        run_start = np.insert(run_start, at, first_positive)
    first = np.maximum(run_start, first_positive)
    predicted = labelled - first
    true_positive = tp_before[-1] - tp_before[first]
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(predicted > 0, true_positive / predicted, np.nan)
        recall = true_positive / positives if positives else np.full(len(thresholds), np.nan)
        coverage = predicted / labelled if labelled else np.full(len(thresholds), np.nan)
    ci_low, ci_high = wilson_interval(true_positive, predicted)
    return ThresholdPoints(labelled, positives, thresholds, predicted, true_positive, precision,
                           recall, coverage, ci_low, ci_high)


def wilson_interval(successes, trials, z: float = _Z95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a proportion (95% by default); NaN where trials = 0."""
    k = np.asarray(successes, dtype=np.float64)
    n = np.asarray(trials, dtype=np.float64)
    z2 = z * z
    with np.errstate(invalid="ignore", divide="ignore"):
        # (p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n), multiplied through by n
        centre = (k + z2 / 2) / (n + z2)
        half = z * np.sqrt(k * (n - k) / n + z2 / 4) / (n + z2)
    empty = n == 0
    low = np.where(empty, np.nan, np.clip(centre - half, 0.0, 1.0))
    high = np.where(empty, np.nan, np.clip(centre + half, 0.0, 1.0))
    return low, high


def suggest_threshold(points: ThresholdPoints, target_precision: float = 0.9) -> float | None:
    """The smallest threshold whose precision is at least `target_precision`, or None."""
    ok = np.flatnonzero(points.precision >= target_precision)  # NaN compares False
    return float(points.threshold[ok[0]]) if len(ok) else None


@dataclass(frozen=True)
class Confusion:
    """Counts of the 2x2 table at one threshold: predicted (v > 0 and v >= t) vs fixed present."""

    true_positive: int
    false_positive: int
    false_negative: int
    true_negative: int


def confusion_at(values, fixed_present, threshold: float) -> Confusion:
    """The confusion counts of one feature's labelled images at `threshold`."""
    v = np.asarray(values, dtype=np.float64)
    fixed = np.asarray(fixed_present, dtype=bool)
    predicted = (v > 0) & (v >= threshold)
    tp = int((predicted & fixed).sum())
    fp = int((predicted & ~fixed).sum())
    fn = int((~predicted & fixed).sum())
    return Confusion(tp, fp, fn, len(v) - tp - fp - fn)


def threshold_out_of_range(values, threshold: float) -> bool:
    """True when `threshold` lies outside [0, largest value]: below 0 it acts exactly like 0,
    above the largest value it predicts nothing. The page should say so next to a saved value."""
    v = np.asarray(values, dtype=np.float64)
    top = float(v.max()) if len(v) else 0.0
    return threshold < 0 or threshold > max(top, 0.0)


def feature_thresholds(feature_names, saved: dict[str, float], default: float) -> np.ndarray:
    """One threshold per feature of a build (in `feature_names` order): the saved one where there
    is one, `default` (the single slider) elsewhere. Input of feature_stats' per-feature mode."""
    return np.array([saved.get(name, default) for name in feature_names], dtype=np.float64)
