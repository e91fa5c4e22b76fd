"""The vectorised read path gives exactly what the plain per-feature code gives: thresholds for
every feature in one search, rows built from columns, outcomes joined to images in bulk."""

from __future__ import annotations

import math

import numpy as np
import pytest

from data.domain.matrix import FeatureTable, matrix_from_table
from data.payloads.metrics import outcome
from data.stats.features import STAT_COLUMNS, build_index, feature_stats
from data.storage.reads import outcome_arrays


def _random_index(seed: int):
    rng = np.random.default_rng(seed)
    n_images, n_features = int(rng.integers(1, 80)), int(rng.integers(1, 25))
    k = int(rng.integers(0, n_images * n_features + 1))
    flat = rng.choice(n_images * n_features, k, replace=False)
    values = rng.choice([0.1, 0.2, 0.2, 0.25, 0.3, 0.5, 1.0, 2.5, -0.4], k)  # ties, negatives
    matrix = matrix_from_table(FeatureTable([f"i{i}" for i in range(n_images)],
                                            [f"f{j}" for j in range(n_features)],
                                            flat // n_features, flat % n_features,
                                            values.astype(float)))
    y = rng.random(n_images) * 0.1
    y[rng.random(n_images) < 0.2] = np.nan
    return build_index(matrix, y)


@pytest.mark.parametrize("seed", range(40))
def test_one_search_finds_each_features_first_present_entry_like_a_search_per_feature(seed):
    index = _random_index(seed)
    ptr, values = index.col_ptr, index.values
    for threshold in (-1.0, 0.0, 0.05, 0.1, 0.2, 0.21, 0.25, 0.3, 1.0, 2.5, 3.0):
        want = (ptr[:-1] if threshold <= 0 else np.array(
            [ptr[f] + np.searchsorted(values[ptr[f]:ptr[f + 1]], threshold, side="left")
             for f in range(index.n_features)], dtype=np.int64))
        assert np.array_equal(index._suffix_starts(threshold), want), threshold


@pytest.mark.parametrize("seed", range(10))
def test_rows_built_from_columns_equal_rows_built_field_by_field(seed):
    stats = feature_stats(_random_index(seed), 0.2)
    want = []
    for i in range(len(stats)):  # the plain way: one field at a time, NaN -> None
        row = {"feature": str(stats.feature[i]), "n_with": int(stats.n_with[i]),
               "n_without": int(stats.n_without[i])}
        for name in STAT_COLUMNS[3:]:
            v = float(getattr(stats, name)[i])
            row[name] = None if math.isnan(v) else v
        want.append(row)
    got = stats.records()
    assert got == want
    assert all(list(r) == list(STAT_COLUMNS) for r in got)
    assert all(type(r["n_with"]) is int and type(r["feature"]) is str for r in got)


def test_outcomes_join_images_by_name_and_follow_the_ctr_rule():
    images = ["a", "b", "c", "d", "e", "f"]
    rows = [("b", 100, 5, None), ("a", None, None, 0.25), ("f", 0, 0, 0.5),
            ("zz-not-in-build", 10, 1, None), ("d", 3, 1, 0.9)]
    y, impressions, clicks = outcome_arrays(images, tuple(map(list, zip(*rows))))
    by_name = {r[0]: r for r in rows}
    for i, name in enumerate(images):
        m = by_name.get(name)
        want = outcome(*m[1:]) if m else math.nan
        assert (math.isnan(want) and math.isnan(y[i])) or y[i] == want, name
        counted = m is not None and m[1] is not None
        assert (impressions[i] == m[1] and clicks[i] == m[2]) if counted \
            else (math.isnan(impressions[i]) and math.isnan(clicks[i]))
    assert y[1] == 5 / 100 and y[5] == 0.5 and y[3] == 1 / 3  # impressions 0: the ctr given
