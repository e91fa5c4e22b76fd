"""The threshold advisor's input and answer for one feature (docs/statistics.md (label fixes), GET
/api/v1/thresholds): the model's values of the images people fixed, against the latest fixes,
and what data.stats.thresholds makes of them. Pure: the ground truth and the build come in as
tables."""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

import numpy as np
import pandas as pd

from data.domain.matrix import BuildMatrix
from data.stats.thresholds import (confusion_at, suggest_threshold, threshold_out_of_range,
                                   threshold_points, wilson_interval)

DEFAULT_TARGET_PRECISION = 0.9


@dataclass(frozen=True)
class LabelledFeature:
    """One feature's labelled images in one build: the model's value (0 where it gave none) and
    the latest fix; `not_in_build` counts fixed images the build does not have (left out)."""

    feature: str
    images: list[str]
    values: np.ndarray  # float64
    fixed_present: np.ndarray  # bool
    not_in_build: int


def labelled_feature(matrix: BuildMatrix, latest: pd.DataFrame, feature: str) -> LabelledFeature:
    """The images of `latest` (latest_fixes' table) fixed for `feature`, with the model's values
    in `matrix` (the unfixed build)."""
    rows = latest[(latest["feature"] == feature).to_numpy()]
    images = rows["image"].tolist()
    values = feature_values(matrix, images, feature)
    known = ~np.isnan(values)
    return LabelledFeature(feature, [n for n, k in zip(images, known.tolist()) if k],
                           values[known], rows["present"].to_numpy(dtype=bool)[known],
                           int((~known).sum()))


def feature_values(matrix: BuildMatrix, images: list[str], feature: str) -> np.ndarray:
    """data.stats.fixes.model_values for one feature, vectorised (one hash lookup of all the
    names instead of a binary search per pair: 100,000 labelled images in tens of ms, not
    seconds): 0 where the model gave none, NaN where the build has no such image or feature."""
    out = np.full(len(images), np.nan)
    f = bisect_left(matrix.feature_names, feature)
    if not images or f == matrix.n_features or matrix.feature_names[f] != feature:
        return out
    at = pd.Index(matrix.image_names).get_indexer(images)  # -1: no such image
    known = at >= 0
    dense = np.zeros(matrix.n_images)
    lo, hi = matrix.col_ptr[f], matrix.col_ptr[f + 1]
    dense[matrix.rows[lo:hi]] = matrix.values[lo:hi]
    out[known] = dense[at[known]]
    return out


def labelled_features(latest: pd.DataFrame) -> pd.DataFrame:
    """Per feature with fixes: `labelled` pairs and `positives` (fixed present), by name."""
    if latest.empty:
        return pd.DataFrame({"feature": [], "labelled": [], "positives": []})
    grouped = latest.groupby("feature", sort=True)["present"]
    return pd.DataFrame({"labelled": grouped.size(), "positives": grouped.sum()}) \
        .reset_index().astype({"labelled": np.int64, "positives": np.int64})


def advice(labelled: LabelledFeature, target_precision: float = DEFAULT_TARGET_PRECISION) -> dict:
    """The thresholds API's body for one feature: labelled, positives, not_in_build,
    target_precision, suggested (or None), value_range [min, max] of the labelled values, and
    points (data.stats.thresholds.ThresholdPoints.records)."""
    points = threshold_points(labelled.values, labelled.fixed_present)
    v = labelled.values
    return {
        "feature": labelled.feature,
        "labelled": points.labelled, "positives": points.positives,
        "not_in_build": labelled.not_in_build,
        "target_precision": target_precision,
        "suggested": suggest_threshold(points, target_precision),
        "value_range": [float(v.min()), float(v.max())] if len(v) else None,
        "points": points.records(),
    }


def at_threshold(labelled: LabelledFeature, threshold: float) -> dict:
    """The 2x2 counts at one threshold, precision with its Wilson 95% interval and n, recall,
    coverage, and whether the threshold lies outside the labelled values' range."""
    c = confusion_at(labelled.values, labelled.fixed_present, threshold)
    predicted = c.true_positive + c.false_positive
    positives = c.true_positive + c.false_negative
    n = len(labelled.values)
    low, high = wilson_interval(c.true_positive, predicted)
    return {
        "threshold": threshold, "true_positive": c.true_positive,
        "false_positive": c.false_positive, "false_negative": c.false_negative,
        "true_negative": c.true_negative, "predicted": predicted,
        "precision": c.true_positive / predicted if predicted else None,
        "precision_ci_low": None if predicted == 0 else float(low),
        "precision_ci_high": None if predicted == 0 else float(high),
        "recall": c.true_positive / positives if positives else None,
        "coverage": predicted / n if n else None,
        "out_of_range": bool(n) and threshold_out_of_range(labelled.values, threshold),
    }
