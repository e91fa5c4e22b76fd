"""Threshold advisor (docs/statistics.md, label fixes and thresholds) checked against a plain loop and scikit-learn's metrics, and the
Wilson interval against statsmodels, on random data with ties, negative values and no positives."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import confusion_matrix, precision_score, recall_score
from statsmodels.stats.proportion import proportion_confint

from data.stats.thresholds import (
    confusion_at, suggest_threshold, threshold_out_of_range, threshold_points, wilson_interval)


def random_labels(seed: int, n: int, positive_rate: float = 0.4):
    """Values rounded to 1 decimal (many ties), some 0 (absent), some negative, some above 1."""
    rng = np.random.default_rng(seed)
    values = np.round(rng.uniform(-0.5, 1.8, size=n), 1)
    values[rng.random(n) < 0.25] = 0.0
    fixed = rng.random(n) < positive_rate
    return values, fixed


def reference_points(values, fixed):
    """docs/statistics.md (label fixes) written out: a loop over candidate thresholds, sklearn for precision/recall."""
    out = []
    for t in sorted(set(values.tolist()) | {0.0}):
        pred = [v > 0 and v >= t for v in values.tolist()]
        n_pred = sum(pred)
        tp = sum(p and f for p, f in zip(pred, fixed.tolist()))
        precision = precision_score(fixed, pred, zero_division=np.nan) if n_pred else None
        recall = recall_score(fixed, pred, zero_division=np.nan) if fixed.any() else None
        out.append({"threshold": t, "predicted": n_pred, "true_positive": tp,
                    "precision": precision, "recall": recall,
                    "coverage": n_pred / len(values) if len(values) else None})
    return out


def assert_close(got, want):
    if want is None:
        assert got is None
    else:
        assert got == pytest.approx(want, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("seed,n,rate", [(11, 60, 0.4), (12, 250, 0.1), (13, 500, 0.8),
                                         (14, 80, 0.0), (15, 5, 1.0), (16, 1, 0.5)])
def test_every_point_matches_a_loop_and_sklearn(seed, n, rate):
    values, fixed = random_labels(seed, n, rate)
    got = threshold_points(values, fixed)
    want = reference_points(values, fixed)
    assert got.labelled == n and got.positives == int(fixed.sum())
    records = got.records()
    assert [r["threshold"] for r in records] == [w["threshold"] for w in want]
    for g, w in zip(records, want):
        assert g["predicted"] == w["predicted"] and g["true_positive"] == w["true_positive"]
        for field in ("precision", "recall", "coverage"):
            assert_close(g[field], w[field])


def test_random_data_has_ties_negatives_and_zero_predictions():
    """Guard against the comparison above passing vacuously."""
    values, fixed = random_labels(11, 60)
    assert len(set(values.tolist())) < len(values) and (values < 0).any() and (values > 1).any()
    records = threshold_points(values, fixed).records()
    assert records[-1]["predicted"] >= 1  # the largest value predicts itself (v >= t)
    assert any(r["threshold"] < 0 for r in records)


def test_no_positives_gives_null_recall_and_zero_precision():
    points = threshold_points([0.3, 0.7, 0.0], [False, False, False])
    assert all(r["recall"] is None for r in points.records())
    assert points.records()[1]["precision"] == 0.0


def test_no_labelled_images_gives_one_empty_point_at_zero():
    [point] = threshold_points([], []).records()
    assert point["threshold"] == 0.0 and point["predicted"] == 0
    assert point["precision"] is None and point["coverage"] is None


def test_precision_interval_is_wilson_like_statsmodels():
    values, fixed = random_labels(21, 400, 0.6)
    points = threshold_points(values, fixed)
    for r in points.records():
        if r["predicted"] == 0:
            assert r["precision_ci_low"] is None and r["precision_ci_high"] is None
            continue
        low, high = proportion_confint(r["true_positive"], r["predicted"], alpha=0.05,
                                       method="wilson")
        assert r["precision_ci_low"] == pytest.approx(low, abs=1e-12)
        assert r["precision_ci_high"] == pytest.approx(high, abs=1e-12)
        assert r["precision_ci_low"] <= r["precision"] <= r["precision_ci_high"]


@pytest.mark.parametrize("k,n", [(0, 1), (1, 1), (0, 17), (17, 17), (3, 1000)])
def test_wilson_interval_at_the_boundaries_matches_statsmodels(k, n):
    low, high = wilson_interval(np.array([k]), np.array([n]))
    want_low, want_high = proportion_confint(k, n, alpha=0.05, method="wilson")
    assert low[0] == pytest.approx(want_low, abs=1e-12)
    assert high[0] == pytest.approx(want_high, abs=1e-12)


@pytest.mark.parametrize("seed", [31, 32, 33])
def test_suggested_threshold_is_the_smallest_meeting_the_target(seed):
    values, fixed = random_labels(seed, 200, 0.5)
    values = np.where(fixed, values + 0.6, values)  # make precision rise with the threshold
    points, want_points = threshold_points(values, fixed), reference_points(values, fixed)
    for target in (0.5, 0.8, 0.9, 0.95, 1.0):
        want = next((w["threshold"] for w in want_points
                     if w["precision"] is not None and w["precision"] >= target), None)
        assert suggest_threshold(points, target) == want


def test_suggestion_is_none_when_no_threshold_reaches_the_target():
    points = threshold_points([0.9, 0.5, 0.2], [False, True, False])
    assert suggest_threshold(points, 0.9) is None
    assert suggest_threshold(points, 0.5) == 0.5


@pytest.mark.parametrize("t", [-1.0, 0.0, 0.3, 0.7, 1.5, 9.0])
def test_confusion_matches_sklearn(t):
    values, fixed = random_labels(41, 300)
    pred = (values > 0) & (values >= t)
    tn, fp, fn, tp = confusion_matrix(fixed, pred, labels=[False, True]).ravel()
    got = confusion_at(values, fixed, t)
    assert (got.true_positive, got.false_positive, got.false_negative, got.true_negative) == (
        tp, fp, fn, tn)


def test_threshold_out_of_range_below_zero_or_above_the_largest_value():
    values = [0.0, 0.4, 1.2]
    assert not threshold_out_of_range(values, 0.0)
    assert not threshold_out_of_range(values, 1.2)
    assert threshold_out_of_range(values, 1.2000001)
    assert threshold_out_of_range(values, -0.1)
    assert threshold_out_of_range([], 0.5) and not threshold_out_of_range([], 0.0)


def test_large_input_gives_points_equal_to_a_direct_count_at_sampled_thresholds():
    rng = np.random.default_rng(51)
    values = np.round(rng.beta(1.2, 1.5, 100_000), 4)
    fixed = rng.random(100_000) < values  # higher value, more likely truly present
    points = threshold_points(values, fixed)
    assert len(points.threshold) == len(np.unique(values)) + (0 not in values)
    for i in rng.choice(len(points.threshold), 20, replace=False):
        t = points.threshold[i]
        pred = (values > 0) & (values >= t)
        assert points.predicted[i] == pred.sum()
        assert points.true_positive[i] == (pred & fixed).sum()
        assert math.isclose(points.coverage[i], pred.mean())
