"""Fixes (docs/statistics.md, label fixes and thresholds): the latest fix per pair against a plain loop, and a build with fixes applied
against the same build with those values edited by hand in the payload."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from data.stats.features import build_index, feature_stats
from data.domain.matrix import matrix_from_table
from data.domain.matrix import FeatureTable
from data.payloads.features import validate_features
from data.stats.fixes import (
    apply_fixes, as_fixed, changed_count, latest_fixes, model_values)
from tests.support.reference import assert_same_stats, random_build

# ----------------------------------------------------------------------------- latest fixes


def random_history(seed: int, n: int = 200):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "image": rng.choice([f"img {i}.png" for i in range(20)] + ["c/d.png", "é.png"], n),
        "feature": rng.choice(["sky", "girl", "text"], n),
        "present": rng.random(n) < 0.5,
        "person": rng.choice(["ann", "bo", "cy", None], n),
        "at": pd.Timestamp("2024-05-01") + pd.to_timedelta(rng.integers(0, 40, n), unit="h"),
    })


def reference_latest(history: pd.DataFrame) -> dict:
    """Per pair: (present, person, row, conflict), by a plain loop over the rows in time order."""
    rows = sorted(range(len(history)), key=lambda k: (history["at"][k], k))
    latest, per_person = {}, {}
    for k in rows:
        pair = (history["image"][k], history["feature"][k])
        latest[pair] = k
        per_person.setdefault(pair, {})[history["person"][k]] = bool(history["present"][k])
    return {pair: (bool(history["present"][k]), history["person"][k], k,
                   len(set(per_person[pair].values())) > 1) for pair, k in latest.items()}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_latest_fix_and_conflict_match_a_plain_loop(seed):
    history = random_history(seed)
    got = latest_fixes(history["image"], history["feature"], history["present"],
                       history["person"], history["at"])
    want = reference_latest(history)
    assert len(got) == len(want)
    for r in got.itertuples():
        assert (r.present, r.person, r.fix, r.conflict) == want[(r.image, r.feature)]
    assert got["conflict"].any() and not got["conflict"].all()  # both cases exercised


def test_same_time_later_row_wins_and_one_person_changing_mind_is_no_conflict():
    t = pd.Timestamp("2024-05-01")
    got = latest_fixes(["a", "a", "b", "b"], ["sky", "sky", "sky", "sky"],
                       [True, False, True, False], ["ann", "ann", "ann", "bo"], [t, t, t, t])
    assert got["present"].tolist() == [False, False]
    assert got["conflict"].tolist() == [False, True]
    assert as_fixed(got) == {("a", "sky"): False, ("b", "sky"): False}


def test_no_fixes_gives_an_empty_table():
    got = latest_fixes([], [], [], [], pd.to_datetime([]))
    assert len(got) == 0 and "conflict" in got.columns


# ----------------------------------------------------------------------------- applying fixes


def random_fixes(seed: int, features: dict, n: int = 40) -> dict:
    """Fixes on random pairs (present and absent, on values and on zeros), a few naming an
    image or a feature the build does not have."""
    rng = np.random.default_rng(seed)
    images = sorted(features)
    names = sorted({f for per_image in features.values() for f in per_image})
    fixed = {}
    for _ in range(n):
        fixed[(str(rng.choice(images)), str(rng.choice(names)))] = bool(rng.random() < 0.5)
    fixed[("not in build.png", names[0])] = True
    fixed[(images[0], "no_such_feature")] = False
    return fixed


def edited_by_hand(features: dict, fixed: dict, present_value: float) -> dict:
    edited = {name: dict(per_image) for name, per_image in features.items()}
    for (image, feature), present in fixed.items():
        if image in edited and any(feature in p for p in features.values()):
            edited[image][feature] = present_value if present else 0.0
    return edited


def stats_of(matrix, y, threshold):
    y_arr = np.array([y.get(name, math.nan) for name in matrix.image_names])
    return feature_stats(build_index(matrix, y_arr), threshold).records()


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_feature_stats_of_fixed_build_equal_those_of_a_payload_edited_by_hand(seed):
    features, y = random_build(seed)
    fixed = random_fixes(seed, features)
    result = apply_fixes(matrix_from_table(validate_features(features)), fixed)
    by_hand = matrix_from_table(validate_features(edited_by_hand(features, fixed, 1e9)))
    assert result.ignored == 2 and result.applied == len(fixed) - 2
    for threshold in (-1.0, 0.0, 0.2, 0.5, 0.9, 1e6):
        assert_same_stats(stats_of(result.matrix, y, threshold), stats_of(by_hand, y, threshold))


@pytest.mark.parametrize("seed", [7, 8])
def test_fixed_build_is_canonical_sorted_by_value_then_image(seed):
    features, _ = random_build(seed)
    fixed = random_fixes(seed, features)
    result = apply_fixes(matrix_from_table(validate_features(features)), fixed)
    # The canonical form of a payload that holds +inf for fixed-present pairs (validation would
    # refuse an infinity, so build the table directly).
    table = validate_features(edited_by_hand(features, fixed, 1e9))
    values = np.where(table.values == 1e9, np.inf, table.values)
    want = matrix_from_table(FeatureTable(table.image_names, table.feature_names, table.rows,
                                          table.cols, values))
    assert result.matrix.image_names == want.image_names
    assert result.matrix.feature_names == want.feature_names
    np.testing.assert_array_equal(result.matrix.col_ptr, want.col_ptr)
    np.testing.assert_array_equal(result.matrix.rows, want.rows)
    np.testing.assert_array_equal(result.matrix.values, want.values)
    assert np.isinf(result.matrix.values).any()


def test_slider_maximum_ignores_the_infinity_of_fixed_present_labels():
    features = {"a": {"sky": 0.4, "sea": 2.5}, "b": {"sky": 0.9}}
    matrix = matrix_from_table(validate_features(features))
    fixed = apply_fixes(matrix, {("b", "sea"): True, ("a", "sea"): False}).matrix
    assert np.isinf(fixed.values).any()
    assert build_index(fixed, np.array([0.1, 0.2])).max_value == 0.9
    only_fixes = apply_fixes(matrix_from_table(validate_features({"a": {"sky": 0.0}})),
                             {("a", "sky"): True}).matrix
    assert build_index(only_fixes, np.array([0.1])).max_value == 0.0


@pytest.mark.parametrize("threshold", [0.0, 0.2, 0.5, 0.99])
def test_changed_count_is_the_fixes_that_disagree_with_the_model(threshold):
    features, _ = random_build(9)
    fixed = random_fixes(9, features, n=60)
    matrix = matrix_from_table(validate_features(features))
    want = 0
    for (image, feature), present in fixed.items():
        if image in features and any(feature in p for p in features.values()):
            v = features[image].get(feature) or 0.0
            want += (v > 0 and v >= threshold) != present
    assert want > 0
    assert changed_count(matrix, fixed, threshold) == want


def test_model_values_are_zero_where_absent_and_nan_where_unknown():
    features = {"a": {"sky": 0.4, "sea": -1.0}, "b": {"sky": 0.9}}
    matrix = matrix_from_table(validate_features(features))
    got = model_values(matrix, ["b", "a", "a", "b", "zz", "a", "b"],
                       ["sky", "sea", "sky", "sea", "sky", "nope", "sky"])
    np.testing.assert_array_equal(got, [0.9, -1.0, 0.4, 0.0, np.nan, np.nan, 0.9])
    no_values = matrix_from_table(validate_features({"a": {"sky": 0.0}}))
    np.testing.assert_array_equal(model_values(no_values, ["a", "b"], ["sky", "sky"]), [0, np.nan])
