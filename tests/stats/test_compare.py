"""Build comparison (docs/statistics.md, build quality): image counts against set arithmetic on the payloads, feature
numbers against separate feature_stats calls on each build."""

from __future__ import annotations

import math

import numpy as np
import pytest

from data.stats.features import build_index, feature_stats
from data.domain.matrix import matrix_from_table
from data.payloads.features import validate_features
from data.stats.compare import compare_builds
from tests.support.reference import random_build


def two_builds(seed: int):
    """Build b: build a minus some images, plus new ones, some values changed, one feature gone
    and one new; outcomes for the union of images."""
    features_a, y = random_build(seed, n_images=80)
    rng = np.random.default_rng(seed)
    features_b, _ = random_build(seed + 1000, n_images=100)  # img 080..099 are new
    for name in list(features_b)[:80]:
        features_b[name] = dict(features_a[name])
        if rng.random() < 0.3:
            f = rng.choice(sorted(features_b[name]) or ["feat_00"])
            features_b[name][f] = float(rng.uniform(0, 1))  # changed (or added) value
    for name in rng.choice(list(features_b)[:80], 10, replace=False):
        del features_b[name]  # removed
    for per_image in features_b.values():
        per_image.pop("feat_13", None)
        if rng.random() < 0.3:
            per_image["feat_new"] = 0.7
    y_b = {name: float(rng.uniform(0.01, 0.1)) for name in features_b}
    return features_a, y, features_b, y_b


def stats_of(features, y, threshold, min_pct, max_pct):
    matrix = matrix_from_table(validate_features(features))
    y_arr = np.array([y.get(name, math.nan) for name in matrix.image_names])
    return matrix, feature_stats(build_index(matrix, y_arr), threshold, min_pct, max_pct)


def vector(per_image: dict) -> dict:
    return {k: v for k, v in per_image.items() if v}


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("threshold,min_pct,max_pct", [(0, 0, 100), (0.2, 0, 100), (0.5, 10, 60)])
def test_comparison_equals_separate_stats_and_set_arithmetic(seed, threshold, min_pct, max_pct):
    features_a, y_a, features_b, y_b = two_builds(seed)
    matrix_a, stats_a = stats_of(features_a, y_a, threshold, min_pct, max_pct)
    matrix_b, stats_b = stats_of(features_b, y_b, threshold, min_pct, max_pct)
    got = compare_builds(matrix_a, matrix_b, stats_a, stats_b)

    both = set(features_a) & set(features_b)
    assert got["images_added"] == len(set(features_b) - set(features_a))
    assert got["images_removed"] == len(set(features_a) - set(features_b))
    assert got["images_changed"] == sum(vector(features_a[i]) != vector(features_b[i])
                                        for i in both)
    assert 0 < got["images_changed"] < len(both)

    rec_a = {r["feature"]: r for r in stats_a.records()}
    rec_b = {r["feature"]: r for r in stats_b.records()}
    assert {r["feature"] for r in got["features"]} == set(rec_a) | set(rec_b)
    for r in got["features"]:
        a, b = rec_a.get(r["feature"], {}), rec_b.get(r["feature"], {})
        assert r["prevalence_pct_a"] == a.get("prevalence_pct")
        assert r["prevalence_pct_b"] == b.get("prevalence_pct")
        assert r["n_with_a"] == a.get("n_with") and r["n_with_b"] == b.get("n_with")
        assert r["impact_a"] == a.get("impact") and r["impact_b"] == b.get("impact")
        if a.get("impact") is None or b.get("impact") is None:
            assert r["impact_delta"] is None
        else:
            assert r["impact_delta"] == pytest.approx(b["impact"] - a["impact"], abs=1e-15)
    deltas = [abs(r["impact_delta"]) for r in got["features"] if r["impact_delta"] is not None]
    assert deltas == sorted(deltas, reverse=True)
    nulls = [r["impact_delta"] is None for r in got["features"]]
    assert nulls == sorted(nulls)  # nulls last


def test_features_only_in_one_build_carry_nulls_on_the_other_side():
    features_a, y_a, features_b, y_b = two_builds(4)
    matrix_a, stats_a = stats_of(features_a, y_a, 0, 0, 100)
    matrix_b, stats_b = stats_of(features_b, y_b, 0, 0, 100)
    got = compare_builds(matrix_a, matrix_b, stats_a, stats_b)
    rows = {r["feature"]: r for r in got["features"]}
    assert rows["feat_13"]["prevalence_pct_b"] is None and rows["feat_13"]["n_with_a"] > 0
    assert rows["feat_new"]["impact_a"] is None and rows["feat_new"]["impact_delta"] is None


def test_same_build_compared_with_itself_changes_nothing():
    features, y = random_build(5)
    matrix, stats = stats_of(features, y, 0.2, 0, 100)
    got = compare_builds(matrix, matrix, stats, stats)
    assert (got["images_added"], got["images_removed"], got["images_changed"]) == (0, 0, 0)
    assert all(r["impact_delta"] in (0.0, None) for r in got["features"])
