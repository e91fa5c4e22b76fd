"""Cosine neighbours over the column-major build form, against scikit-learn on a dense copy."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics.pairwise import cosine_similarity

from data.stats.similar import cosine_neighbours, image_norms


def column_major(dense: np.ndarray):
    """(col_ptr, rows, values) as a build stores them: per feature, entries sorted by value."""
    col_ptr, rows, values = [0], [], []
    for column in dense.T:
        present = np.flatnonzero(column)
        present = present[np.lexsort((present, column[present]))]
        rows.extend(present.tolist())
        values.extend(column[present].tolist())
        col_ptr.append(len(rows))
    return np.array(col_ptr), np.array(rows, dtype=np.int32), np.array(values)


def random_dense(seed: int, n_images: int = 80, n_features: int = 25) -> np.ndarray:
    rng = np.random.default_rng(seed)
    present = rng.random((n_images, n_features)) < 0.2
    dense = rng.uniform(0, 1, size=(n_images, n_features)) * present
    dense[[3, 17]] = 0.0  # images with no feature at all
    return dense


def expected(dense: np.ndarray, query: int, k: int):
    similarity = cosine_similarity(dense[query:query + 1], dense).ravel()
    similarity[query] = -np.inf
    order = np.lexsort((np.arange(similarity.size), -similarity))[:k]
    return order, similarity[order]


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("query", [0, 5, 40, 79])
def test_neighbours_match_sklearn_cosine_similarity(seed, query):
    dense = random_dense(seed)
    col_ptr, rows, values = column_major(dense)
    indices, similarity = cosine_neighbours(col_ptr, rows, values, 80, query, 12)
    want_indices, want_similarity = expected(dense, query, 12)
    np.testing.assert_allclose(similarity, want_similarity, atol=1e-12)
    np.testing.assert_array_equal(indices, want_indices)
    assert query not in indices.tolist()
    assert np.all(np.diff(similarity) <= 0)


def test_precomputed_norms_give_the_same_answer():
    dense = random_dense(4)
    col_ptr, rows, values = column_major(dense)
    norms = image_norms(col_ptr, rows, values, 80)
    np.testing.assert_allclose(norms, np.linalg.norm(dense, axis=1), atol=1e-12)
    with_norms = cosine_neighbours(col_ptr, rows, values, 80, 9, 10, norms=norms)
    without = cosine_neighbours(col_ptr, rows, values, 80, 9, 10)
    np.testing.assert_array_equal(with_norms[0], without[0])
    np.testing.assert_array_equal(with_norms[1], without[1])


def test_a_query_without_features_gets_zeros_never_nan():
    dense = random_dense(5)
    col_ptr, rows, values = column_major(dense)
    indices, similarity = cosine_neighbours(col_ptr, rows, values, 80, 3, 5)
    assert similarity.tolist() == [0.0] * 5
    assert indices.tolist() == [0, 1, 2, 4, 5]  # ties in index order, itself left out


def test_images_without_features_score_zero_against_any_query():
    dense = random_dense(6)
    col_ptr, rows, values = column_major(dense)
    indices, similarity = cosine_neighbours(col_ptr, rows, values, 80, 0, 79)
    assert not np.isnan(similarity).any()
    assert similarity[indices.tolist().index(17)] == 0.0


def test_k_beyond_the_other_images_returns_them_all():
    dense = random_dense(7, n_images=20)[:6]
    col_ptr, rows, values = column_major(dense)
    indices, _ = cosine_neighbours(col_ptr, rows, values, 6, 2, 50)
    assert sorted(indices.tolist()) == [0, 1, 3, 4, 5]
    assert cosine_neighbours(col_ptr, rows, values, 6, 2, 0)[0].size == 0
