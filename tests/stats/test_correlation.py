"""Pearson and Spearman correlations with Fisher-z intervals, against scipy."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from data.stats.correlation import pearson, spearman


@pytest.mark.parametrize("seed", range(5))
def test_pearson_and_its_interval_equal_scipy(seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=40)
    y = 0.5 * x + rng.normal(size=40)
    got = pearson(x, y)
    want = stats.pearsonr(x, y)
    ci = want.confidence_interval(0.95)
    assert got.r == pytest.approx(want.statistic, abs=1e-12)
    assert (got.ci_low, got.ci_high) == pytest.approx((ci.low, ci.high), abs=1e-12)
    assert got.n == 40


@pytest.mark.parametrize("seed", range(5))
def test_spearman_equals_scipy_with_ties_and_fieller_s_interval(seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(1, 11, size=50).astype(float)  # scores: many ties
    y = x + rng.normal(scale=3, size=50)
    got = spearman(x, y)
    assert got.r == pytest.approx(stats.spearmanr(x, y).statistic, abs=1e-12)
    z, half = math.atanh(got.r), 1.959963984540054 * math.sqrt(1.06 / 47)
    assert (got.ci_low, got.ci_high) == pytest.approx((math.tanh(z - half), math.tanh(z + half)))


def test_pairs_with_a_missing_measure_are_left_out():
    x = [1.0, 2.0, np.nan, 4.0, 5.0, 7.0]
    y = [2.0, 1.0, 3.0, np.nan, 6.0, 8.0]
    assert pearson(x, y).n == 4
    assert pearson(x, y).r == pytest.approx(stats.pearsonr([1, 2, 5, 7], [2, 1, 6, 8]).statistic)


def test_too_few_pairs_or_a_constant_measure_give_no_correlation():
    assert pearson([1, 2], [3, 4]).r is None
    three = spearman([1, 2, 3], [1, 3, 2])
    assert three.r is not None and three.ci_low is None
    assert pearson([1, 1, 1, 1], [1, 2, 3, 4]).r is None


def test_spearman_interval_covers_the_truth_at_about_its_rate():
    rng = np.random.default_rng(0)
    cov = [[1, 0.5], [0.5, 1]]
    truth = 6 / math.pi * math.asin(0.5 / 2)  # Spearman's rho of a bivariate normal
    hits = 0
    for _ in range(400):
        x, y = rng.multivariate_normal([0, 0], cov, size=60).T
        c = spearman(x, y)
        hits += c.ci_low <= truth <= c.ci_high
    assert 0.91 <= hits / 400 <= 0.98
