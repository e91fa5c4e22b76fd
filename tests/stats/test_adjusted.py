"""Adjusted impact (docs/statistics.md, adjusted impact) checked against statsmodels' OLS with HC3 standard errors and
t-based intervals, on payloads the code was not tuned on; plus the cases that get a note."""

from __future__ import annotations

import math

import numpy as np
import pytest
import statsmodels.api as sm

import data.stats.adjusted as adjusted_module
from data.stats.features import build_index, feature_stats
from data.domain.matrix import matrix_from_table
from data.payloads.features import validate_features
from data.stats.adjusted import (NOTE_LEVERAGE_ONE, NOTE_SMALL_GROUP, NOTE_TOO_FEW_IMAGES,
                                 adjusted_from_presence, adjusted_impact)
from tests.support.reference import random_build

TOL = 1e-6
MAX_PATTERNS = adjusted_module._MAX_PATTERNS  # as the product runs, before any test changes it


@pytest.fixture(params=["patterns", "sparse"], autouse=True)
def design_path(request, monkeypatch):
    """Every test runs on both ways of computing the fit: over the images' presence patterns
    (the usual one for the features a page shows) and over the sparse images x features matrix
    (taken past 63 features or _MAX_PATTERNS patterns x features)."""
    if request.param == "sparse":
        monkeypatch.setattr("data.stats.adjusted._MAX_PATTERNS", 0)
    return request.param


def index_for(features: dict, y: dict):
    matrix = matrix_from_table(validate_features(features))
    y_arr = np.array([y.get(name, math.nan) for name in matrix.image_names])
    return build_index(matrix, y_arr)


def statsmodels_hc3(y: np.ndarray, columns: list[np.ndarray]):
    """(params, ci_low, ci_high, p) of the presence columns (intercept dropped)."""
    x = sm.add_constant(np.column_stack(columns).astype(float), has_constant="add")
    fit = sm.OLS(y, x).fit(cov_type="HC3", use_t=True)
    ci = fit.conf_int(0.05)
    return fit.params[1:], ci[1:, 0], ci[1:, 1], fit.pvalues[1:]


def presence(features: dict, images: list[str], feature: str, threshold: float) -> np.ndarray:
    return np.array([(features[i].get(feature) or 0.0) > 0
                     and (features[i].get(feature) or 0.0) >= threshold for i in images])


@pytest.mark.parametrize("seed", [11, 12, 13, 14])
@pytest.mark.parametrize("threshold,min_pct", [(0.0, 0), (0.2, 0), (0.5, 10)])
def test_every_field_matches_statsmodels_ols_hc3(seed, threshold, min_pct):
    features, y = random_build(seed, n_images=160, n_features=12)
    index = index_for(features, y)
    shown = feature_stats(index, threshold, min_pct, 100)
    got = adjusted_impact(index, threshold, shown.feature_index)

    # Independent reference: presence from the raw payload, statsmodels on the eligible features
    scored = sorted(i for i in features if i in y)
    y_arr = np.array([y[i] for i in scored])
    cols = {f: presence(features, scored, f, threshold) for f in shown.feature}
    eligible = [f for f in sorted(cols) if 2 <= cols[f].sum() <= len(scored) - 2]
    assert len(eligible) >= 5  # the comparison is not vacuous
    params, low, high, p = statsmodels_hc3(y_arr, [cols[f] for f in eligible])
    want = {f: (params[j], low[j], high[j], p[j]) for j, f in enumerate(eligible)}

    assert got.n_images == len(scored) and got.n_columns == len(eligible) + 1
    for i, f in enumerate(shown.feature):
        fields = (got.adjusted_impact[i], got.adjusted_ci_low[i], got.adjusted_ci_high[i],
                  got.adjusted_p_value[i])
        if f in want:
            assert got.adjusted_note[i] is None
            assert fields == pytest.approx(want[f], rel=TOL, abs=1e-12), f
        else:
            assert got.adjusted_note[i] == NOTE_SMALL_GROUP
            assert all(math.isnan(v) for v in fields)


def test_planted_effect_stays_on_its_feature_and_leaves_the_one_that_only_travels_with_it():
    rng = np.random.default_rng(2024)
    n = 3000
    a = rng.random(n) < 0.3
    b = a & (rng.random(n) < 0.6)  # B is only ever present together with A
    c = rng.random(n) < 0.2  # unrelated
    y = 0.02 + 0.01 * a + rng.normal(0, 0.01, n) * (1 + a)
    names = ["A", "B", "C"]
    rows = [np.flatnonzero(col) for col in (a, b, c)]
    features = {f"img{i}": {name: 1.0 for name, col in zip(names, (a, b, c)) if col[i]}
                for i in range(n)}
    index = index_for(features, {f"img{i}": float(y[i]) for i in range(n)})

    raw = feature_stats(index)
    raw_b = list(raw.feature).index("B")
    assert raw.ci_low[raw_b] > 0  # one feature at a time, B looks like it lifts CTR

    adj = adjusted_impact(index, 0.0, raw.feature_index)
    by_name = dict(zip(raw.feature, range(len(raw))))
    assert 0 < adj.adjusted_ci_low[by_name["A"]] < 0.01 < adj.adjusted_ci_high[by_name["A"]]
    assert adj.adjusted_ci_low[by_name["B"]] < 0 < adj.adjusted_ci_high[by_name["B"]]

    want = statsmodels_hc3(y, [a, b, c])
    got = adjusted_from_presence(y, rows, names)
    for j in range(3):
        assert (got.adjusted_impact[j], got.adjusted_ci_low[j], got.adjusted_ci_high[j],
                got.adjusted_p_value[j]) == pytest.approx([w[j] for w in want], rel=TOL)


def test_identical_features_keep_the_earlier_and_note_the_later():
    rng = np.random.default_rng(7)
    n = 400
    red = rng.random(n) < 0.3
    other = rng.random(n) < 0.4
    y = rng.normal(0.03, 0.01, n) + 0.005 * red
    rows = [np.flatnonzero(red), np.flatnonzero(red), np.flatnonzero(other)]
    got = adjusted_from_presence(y, rows, ["red", "crimson", "other"])

    assert got.adjusted_note[1] == "linearly dependent on red"
    assert math.isnan(got.adjusted_impact[1]) and math.isnan(got.adjusted_p_value[1])
    assert got.n_columns == 3 and got.dof == n - 3
    want = statsmodels_hc3(y, [red, other])
    assert [got.adjusted_impact[0], got.adjusted_impact[2]] == pytest.approx(want[0], rel=TOL)
    assert [got.adjusted_ci_high[0], got.adjusted_ci_high[2]] == pytest.approx(want[2], rel=TOL)


def test_duplicate_is_dropped_by_build_order_whatever_order_the_features_are_asked_in():
    rng = np.random.default_rng(8)
    features, y = {}, {}
    for i in range(200):
        on = rng.random() < 0.4
        features[f"i{i}"] = {"b_crimson": 0.9, "a_red": 0.9} if on else {"c": rng.random()}
        y[f"i{i}"] = float(rng.normal(0.03, 0.01))
    index = index_for(features, y)
    positions = np.array([1, 2, 0])  # b_crimson, c, a_red (build order is by name)
    got = adjusted_impact(index, 0.0, positions)
    assert list(got.feature_index) == [1, 2, 0]
    assert got.adjusted_note[0] == "linearly dependent on a_red"
    assert got.adjusted_note[2] is None and not math.isnan(got.adjusted_impact[2])


def test_complement_of_a_feature_is_noted_as_dependent_on_the_intercept_and_that_feature():
    rng = np.random.default_rng(9)
    n = 300
    day = rng.random(n) < 0.5
    y = rng.normal(0.03, 0.01, n)
    got = adjusted_from_presence(y, [np.flatnonzero(day), np.flatnonzero(~day)], ["day", "night"])
    assert got.adjusted_note[1] == "linearly dependent on the intercept and day"
    assert got.adjusted_note[0] is None


def test_small_groups_are_left_out_and_do_not_change_the_others():
    rng = np.random.default_rng(10)
    n = 120
    common = rng.random(n) < 0.5
    y = rng.normal(0.03, 0.01, n) + 0.01 * common
    rows = [np.array([5]), np.flatnonzero(common), np.delete(np.arange(n), [3]), np.array([])]
    got = adjusted_from_presence(y, rows, ["one", "common", "all_but_one", "none"])
    assert list(got.adjusted_note) == [NOTE_SMALL_GROUP, None, NOTE_SMALL_GROUP, NOTE_SMALL_GROUP]
    want = statsmodels_hc3(y, [common])
    assert [got.adjusted_impact[1], got.adjusted_ci_low[1], got.adjusted_p_value[1]] == \
        pytest.approx([want[0][0], want[1][0], want[3][0]], rel=TOL)


def test_image_fitted_exactly_makes_hc3_undefined_for_the_features_it_carries():
    # B inside A: three patterns (neither, A only, A and B) for three columns, so the model fits
    # each pattern's mean; image 2 is alone in "A only" and has leverage 1.
    y = np.array([0.05, 0.06, 0.04, 0.01, 0.02, 0.03, 0.02, 0.01])
    got = adjusted_from_presence(y, [np.array([0, 1, 2]), np.array([0, 1])], ["A", "B"])
    assert list(got.adjusted_note) == [NOTE_LEVERAGE_ONE, NOTE_LEVERAGE_ONE]
    assert math.isnan(got.adjusted_ci_low[0]) and math.isnan(got.adjusted_p_value[1])
    # the coefficients themselves are still the pattern means' differences
    assert got.adjusted_impact[0] == pytest.approx(0.04 - np.mean(y[3:]))


def test_more_columns_than_images_allow_gives_notes_not_numbers():
    y = np.array([0.01, 0.02, 0.04, 0.03])
    rows = [np.array([0, 1]), np.array([0, 2]), np.array([0, 3])]
    got = adjusted_from_presence(y, rows, ["A", "B", "C"])
    assert got.dof == 0
    assert list(got.adjusted_note) == [NOTE_TOO_FEW_IMAGES] * 3
    assert np.isnan(got.adjusted_impact).all()


def test_nothing_eligible_gives_all_nulls_and_records_use_none():
    got = adjusted_from_presence(np.array([0.1, 0.2, 0.3]), [np.array([0])], ["A"])
    assert got.n_columns == 1
    assert got.records() == [{"adjusted_impact": None, "adjusted_ci_low": None,
                              "adjusted_ci_high": None, "adjusted_p_value": None,
                              "adjusted_note": NOTE_SMALL_GROUP}]


def test_images_without_an_outcome_are_left_out_of_the_regression():
    features, y = random_build(21, n_images=120, n_features=6)
    index = index_for(features, y)
    positions = feature_stats(index).feature_index
    with_extra = dict(features, **{f"zz{i}": {"feat_00": 1.0} for i in range(30)})
    same = adjusted_impact(index_for(with_extra, y), 0.0, positions)
    base = adjusted_impact(index, 0.0, positions)
    assert same.n_images == base.n_images < len(with_extra)
    np.testing.assert_allclose(same.adjusted_ci_low, base.adjusted_ci_low, rtol=1e-12)


def test_answer_does_not_depend_on_how_images_are_split_into_blocks(monkeypatch):
    rng = np.random.default_rng(15)
    n, p = 1000, 20
    z = rng.random((n, p)) < rng.uniform(0.02, 0.5, p)
    y = rng.normal(0.03, 0.01, n) + z[:, :3] @ np.array([0.01, -0.005, 0.0])
    rows = [np.flatnonzero(z[:, j]) for j in range(p)]
    names = [f"f{j}" for j in range(p)]
    monkeypatch.setattr("data.stats.adjusted._BLOCK_ROWS", 96)  # 11 blocks, two threads
    got = adjusted_from_presence(y, rows, names)
    want = statsmodels_hc3(y, list(z.T))
    np.testing.assert_allclose(got.adjusted_impact, want[0], rtol=TOL)
    np.testing.assert_allclose(got.adjusted_ci_low, want[1], rtol=TOL)
    np.testing.assert_allclose(got.adjusted_p_value, want[3], rtol=TOL)


def test_the_pattern_and_sparse_paths_agree_and_each_is_taken_where_it_should_be(monkeypatch):
    adjusted = adjusted_module
    monkeypatch.setattr(adjusted, "_MAX_PATTERNS", MAX_PATTERNS)  # whichever path the fixture set
    rng = np.random.default_rng(16)
    n, p = 5000, 25
    z = rng.random((n, p)) < rng.uniform(0.01, 0.3, p)
    y = rng.normal(0.03, 0.01, n) + z[:, :4] @ np.array([0.01, -0.005, 0.002, 0.0])
    rows = [np.flatnonzero(z[:, j]) for j in range(p)]
    names = [f"f{j}" for j in range(p)]
    taken = []
    for name in ("_ols_hc3_patterns", "_ols_hc3"):
        real = getattr(adjusted, name)
        monkeypatch.setattr(adjusted, name,
                            lambda *a, _real=real, _name=name: taken.append(_name) or _real(*a))
    by_patterns = adjusted_from_presence(y, rows, names)
    monkeypatch.setattr(adjusted, "_MAX_PATTERNS", 0)
    by_matrix = adjusted_from_presence(y, rows, names)
    assert taken == ["_ols_hc3_patterns", "_ols_hc3"]
    for column in ("adjusted_impact", "adjusted_ci_low", "adjusted_ci_high", "adjusted_p_value"):
        np.testing.assert_allclose(getattr(by_patterns, column), getattr(by_matrix, column),
                                   rtol=1e-9, atol=1e-15)
    assert adjusted._patterns(rows * 3, n) is None  # 75 features: past one uint64 per image
