"""docs/statistics.md statistics checked field by field against an independent computation
(tests/support/reference.py: plain loops, scipy's Welch test, statsmodels' Benjamini–Hochberg)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from statsmodels.stats.multitest import multipletests

from data.stats.features import benjamini_hochberg, build_index, feature_stats
from data.domain.matrix import matrix_from_table
from data.payloads.features import validate_features
from tests.support.reference import TOL, assert_same_stats, random_build, reference_stats


def computed_stats(features: dict, y: dict, threshold: float, min_pct: float, max_pct: float):
    matrix = matrix_from_table(validate_features(features))
    y_arr = np.array([y.get(name, math.nan) for name in matrix.image_names])
    return feature_stats(build_index(matrix, y_arr), threshold, min_pct, max_pct).records()


# ----------------------------------------------------------------------------- random data


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("threshold", [-1.0, 0.0, 0.2, 0.5, 0.95])
@pytest.mark.parametrize("min_pct,max_pct", [(0, 100), (10, 90), (30, 60), (0, 20)])
def test_every_field_matches_scipy_and_statsmodels(seed, threshold, min_pct, max_pct):
    features, y = random_build(seed)
    want = reference_stats(features, y, threshold, min_pct, max_pct)
    got = computed_stats(features, y, threshold, min_pct, max_pct)
    assert_same_stats(got, want)


def test_random_builds_exercise_tested_features_and_filters():
    """Guard against the parametrised comparison passing vacuously."""
    features, y = random_build(1)
    everything = reference_stats(features, y, 0.0, 0, 100)
    assert sum(r["p_value"] is not None for r in everything) >= 8
    assert min(r["p_value"] for r in everything if r["p_value"] is not None) < 0.05
    assert len(reference_stats(features, y, 0.0, 30, 60)) < len(everything)
    assert len(reference_stats(features, y, 0.5, 0, 100)) <= len(everything)
    assert 0 < len([i for i in features if i not in y])


def test_sparsity_bounds_are_inclusive():
    # 4 images with an outcome; "half" is present in 2 of them: prevalence exactly 50.0
    features = {"a": {"half": 1.0}, "b": {"half": 1.0}, "c": {}, "d": {}}
    y = {"a": 0.1, "b": 0.2, "c": 0.3, "d": 0.5}
    assert [r["feature"] for r in computed_stats(features, y, 0, 50, 50)] == ["half"]
    assert computed_stats(features, y, 0, 50.000001, 100) == []
    assert computed_stats(features, y, 0, 0, 49.99999) == []


# ----------------------------------------------------------------------------- nulls and edges


def test_group_smaller_than_two_gives_null_ci_and_p_but_keeps_means():
    # "rare" present in one image: n_with = 1
    features = {"a": {"rare": 0.9, "common": 1}, "b": {"common": 1}, "c": {"common": 1},
                "d": {}, "e": {}}
    y = {"a": 0.5, "b": 0.1, "c": 0.2, "d": 0.3, "e": 0.4}
    got = {r["feature"]: r for r in computed_stats(features, y, 0, 0, 100)}
    rare = got["rare"]
    assert (rare["n_with"], rare["n_without"]) == (1, 4)
    assert rare["ctr_with"] == pytest.approx(0.5, abs=TOL)
    assert rare["ctr_without"] == pytest.approx((0.1 + 0.2 + 0.3 + 0.4) / 4, abs=TOL)
    assert rare["impact"] == pytest.approx(0.5 - 0.25, abs=TOL)
    assert [rare[k] for k in ("ci_low", "ci_high", "p_value", "q_value")] == [None] * 4
    assert got["common"]["p_value"] is not None  # 3 vs 2 images: tested
    assert_same_stats(computed_stats(features, y, 0, 0, 100),
                      reference_stats(features, y, 0, 0, 100))


def test_zero_variance_in_both_groups_gives_null_but_in_one_group_does_not():
    # "both": with = {0.2, 0.2}, without = {0.1, 0.1}: both constant -> null
    # "one": with = {0.2, 0.2} (a, b), without = {0.1, 0.1, 0.3} ... see y below
    features = {"a": {"both": 1, "one": 1}, "b": {"both": 1, "one": 1},
                "c": {}, "d": {}, "e": {"one": 0.0}}
    y = {"a": 0.2, "b": 0.2, "c": 0.1, "d": 0.1}
    got = {r["feature"]: r for r in computed_stats(features, y, 0, 0, 100)}
    assert got["both"]["impact"] == pytest.approx(0.1, abs=TOL)
    assert got["both"]["p_value"] is None and got["both"]["ci_low"] is None

    y2 = dict(y, e=0.4)  # without-group of "one" is now {0.1, 0.1, 0.4}: not constant
    got2 = {r["feature"]: r for r in computed_stats(features, y2, 0, 0, 100)}
    assert got2["one"]["p_value"] is not None
    assert_same_stats(computed_stats(features, y2, 0, 0, 100),
                      reference_stats(features, y2, 0, 0, 100))


def test_zero_clicks_everywhere_is_zero_variance_not_rounding_noise():
    features = {f"i{k}": ({"f": 1} if k < 3 else {}) for k in range(6)}
    y = {f"i{k}": 0.0 for k in range(6)}
    (rec,) = computed_stats(features, y, 0, 0, 100)
    assert rec["impact"] == 0.0 and rec["p_value"] is None and rec["q_value"] is None


def test_feature_present_in_every_image_has_no_without_group():
    features = {"a": {"all": 0.3}, "b": {"all": 0.4}, "c": {"all": 0.9}}
    y = {"a": 0.1, "b": 0.2, "c": 0.6}
    (rec,) = computed_stats(features, y, 0, 0, 100)
    assert rec == {"feature": "all", "n_with": 3, "n_without": 0, "prevalence_pct": 100.0,
                   "ctr_with": pytest.approx(0.3, abs=TOL), "ctr_without": None, "impact": None,
                   "ci_low": None, "ci_high": None, "p_value": None, "q_value": None}
    # at 0.35 it is present in b and c only
    (rec,) = computed_stats(features, y, 0.35, 0, 100)
    assert (rec["n_with"], rec["n_without"]) == (2, 1)


def test_features_never_present_are_dropped_at_any_threshold():
    features = {"a": {"low": 0.1, "zero": 0, "neg": -1, "none": None, "hi": 0.9},
                "b": {"low": 0.15, "hi": 0.8}, "c": {}}
    y = {"a": 0.1, "b": 0.2, "c": 0.3}
    assert {r["feature"] for r in computed_stats(features, y, 0, 0, 100)} == {"low", "hi"}
    assert {r["feature"] for r in computed_stats(features, y, 0.2, 0, 100)} == {"hi"}
    assert computed_stats(features, y, 0.95, 0, 100) == []


def test_feature_present_only_in_images_without_outcome_is_dropped():
    features = {"a": {"ghost": 1.0, "real": 1.0}, "b": {"real": 1.0}, "c": {}}
    y = {"b": 0.2, "c": 0.3}  # "a" has no outcome
    got = computed_stats(features, y, 0, 0, 100)
    assert [r["feature"] for r in got] == ["real"]
    assert (got[0]["n_with"], got[0]["n_without"]) == (1, 1)
    assert got[0]["prevalence_pct"] == 50.0


def test_images_without_outcome_are_left_out_and_counted():
    features, y = random_build(4, n_images=30)
    matrix = matrix_from_table(validate_features(features))
    y_arr = np.array([y.get(name, math.nan) for name in matrix.image_names])
    index = build_index(matrix, y_arr)
    assert index.n_images == len(y) < len(features)
    for rec in feature_stats(index).records():
        assert rec["n_with"] + rec["n_without"] == len(y)


def test_presence_needs_value_at_least_threshold_and_positive():
    # values exactly at the threshold are present (>=); 0 never is, even at threshold 0
    features = {"a": {"f": 0.2}, "b": {"f": 0.19999999}, "c": {"f": 0}, "d": {"f": 1}}
    y = {"a": 0.1, "b": 0.2, "c": 0.3, "d": 0.4}
    (rec,) = computed_stats(features, y, 0.2, 0, 100)
    assert (rec["n_with"], rec["n_without"]) == (2, 2)
    (rec,) = computed_stats(features, y, 0, 0, 100)
    assert (rec["n_with"], rec["n_without"]) == (3, 1)


def test_q_values_cover_only_the_features_returned():
    features, y = random_build(2)
    narrow = computed_stats(features, y, 0, 30, 60)
    p = [r["p_value"] for r in narrow if r["p_value"] is not None]
    assert len(p) >= 2
    q = multipletests(p, method="fdr_bh")[1]
    assert [r["q_value"] for r in narrow if r["p_value"] is not None] == pytest.approx(q, abs=TOL)


def test_benjamini_hochberg_keeps_nan_and_matches_statsmodels():
    p = np.array([0.01, np.nan, 0.04, 0.03, 0.5, np.nan, 0.04])
    q = benjamini_hochberg(p)
    assert np.isnan(q[[1, 5]]).all()
    ok = ~np.isnan(p)
    np.testing.assert_allclose(q[ok], multipletests(p[ok], method="fdr_bh")[1], atol=TOL)


def test_order_is_impact_descending_with_nulls_last():
    features, y = random_build(3)
    got = computed_stats(features, y, 0, 0, 100)
    impacts = [r["impact"] for r in got if r["impact"] is not None]
    assert impacts == sorted(impacts, reverse=True)
    seen_null = False
    for r in got:
        seen_null |= r["impact"] is None
        assert not (seen_null and r["impact"] is not None)
