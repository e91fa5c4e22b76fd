"""Ranking score and impact-axis range for the default view."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from data.stats.features import build_index, feature_stats
from data.domain.matrix import matrix_from_table
from data.payloads.features import validate_features
from data.stats.ranking import DEFAULT_MIN_GROUP, clip_range, rank_order, rank_score
from tests.support.reference import random_build


def test_score_is_welch_t_over_its_critical_value_from_scipy():
    features, y = random_build(71, n_images=200, n_features=10)
    matrix = matrix_from_table(validate_features(features))
    s = feature_stats(build_index(matrix, np.array([y.get(n, math.nan) for n in matrix.image_names])))
    score = rank_score(s.impact, s.ci_low, s.ci_high, s.n_with, s.n_without, min_group=0)
    scored = [i for i in features if i in y]
    checked = 0
    for j, f in enumerate(s.feature):
        present = [(features[i].get(f) or 0) > 0 for i in scored]
        a = [y[i] for i, p in zip(scored, present) if p]
        b = [y[i] for i, p in zip(scored, present) if not p]
        if min(len(a), len(b)) < 2:
            assert score[j] == -np.inf
            continue
        res = stats.ttest_ind(a, b, equal_var=False)
        assert score[j] == pytest.approx(abs(res.statistic) / stats.t.ppf(0.975, res.df), rel=1e-9)
        assert (score[j] > 1) == (s.ci_low[j] > 0 or s.ci_high[j] < 0)
        checked += 1
    assert checked >= 5


def test_rare_feature_with_a_big_noisy_impact_is_ranked_after_a_real_common_one():
    impact = np.array([0.002, 0.08, 0.0001])
    low = np.array([0.001, -0.01, -0.0005])
    high = np.array([0.003, 0.17, 0.0007])
    n_with, n_without = np.array([5000, 4, 300]), np.array([5000, 9996, 9700])
    score = rank_score(impact, low, high, n_with, n_without)
    assert list(rank_order(score, np.array(["common", "rare", "null"]))) == [0, 2, 1]
    assert score[1] == -np.inf
    # without a minimum group size the rare one still does not win: its interval is wide
    open_score = rank_score(impact, low, high, n_with, n_without, min_group=0)
    assert open_score[0] > open_score[1] > 0


def test_default_minimum_group_is_ten_and_applies_to_both_groups():
    assert DEFAULT_MIN_GROUP == 10
    ones = np.ones(3)
    score = rank_score(ones, ones * 0.5, ones * 1.5, np.array([10, 9, 50]),
                       np.array([10, 50, 9]))
    assert list(score) == [2.0, -np.inf, -np.inf]


def test_ties_and_missing_intervals_are_ordered_by_name():
    score = rank_score(np.array([0.1, 0.1, 0.2, 0.3]), np.array([0.0, 0.0, np.nan, 0.1]),
                       np.array([0.2, 0.2, np.nan, 0.5]), np.full(4, 50), np.full(4, 50))
    assert list(rank_order(score, np.array(["b", "a", "z", "c"]))) == [3, 1, 0, 2]


def test_one_huge_interval_is_clipped_instead_of_flattening_the_others():
    rng = np.random.default_rng(3)
    values = rng.normal(0.005, 0.004, 30)
    half = rng.uniform(0.001, 0.004, 30)
    half[7] = 0.9
    lo, hi, clipped = clip_range(values, values - half, values + half)
    assert hi - lo < 0.05
    assert list(np.flatnonzero(clipped)) == [7]
    assert lo <= min(values.min(), 0) and hi >= values.max()


def test_range_holds_zero_every_estimate_and_every_modest_interval():
    values = np.array([0.01, 0.02, np.nan, 0.015])
    lows, highs = values - 0.004, values + 0.004
    lo, hi, clipped = clip_range(values, lows, highs)
    assert not clipped.any()
    assert lo < 0 < 0.006 < hi and hi >= 0.024
    assert hi - 0.024 == pytest.approx(0.05 * (0.024 - 0.0), rel=1e-9)


def test_nothing_finite_gives_a_nan_range():
    lo, hi, clipped = clip_range(np.array([np.nan]), np.array([np.nan]), np.array([np.nan]))
    assert math.isnan(lo) and math.isnan(hi) and not clipped.any()
