"""Images that look alike to the featurizer: cosine similarity of feature vectors (docs/statistics.md ("Human judgements"),
`GET /api/v1/similar`), over a build's column-major sparse form.

Feature f owns entries col_ptr[f]:col_ptr[f+1]; `rows` is the image index of each entry and
`values` its value. A query touches only the features the query image has.
"""

from __future__ import annotations

import numpy as np


def image_norms(col_ptr, rows, values, n_images: int) -> np.ndarray:
    """Euclidean norm of every image's feature vector (0 for an image with no entries)."""
    values = np.asarray(values, dtype=float)
    return np.sqrt(np.bincount(rows, values * values, minlength=n_images))


def cosine_neighbours(col_ptr, rows, values, n_images: int, query_image: int, k: int,
                      norms: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(indices, similarities) of the k images most similar to query_image, itself excluded,
    most similar first (ties: lower index first).

    An image whose vector is all zero has similarity 0 to every other, never NaN. Pass `norms`
    from image_norms to avoid recomputing them for every query.
    """
    col_ptr, rows = np.asarray(col_ptr), np.asarray(rows)
    values = np.asarray(values, dtype=float)
    if norms is None:
        norms = image_norms(col_ptr, rows, values, n_images)
    k = max(0, min(k, n_images - 1))
    # The query's own entries: which features it has, and with what value.
    hits = np.flatnonzero(rows == query_image)
    features = np.searchsorted(col_ptr, hits, side="right") - 1
    # Every entry of those features, each weighted by the query's value of its feature.
    starts, stops = col_ptr[features], col_ptr[features + 1]
    lengths = stops - starts
    entries = np.repeat(stops - np.cumsum(lengths), lengths) + np.arange(lengths.sum())
    weights = np.repeat(values[hits], lengths) * values[entries]
    dot = np.bincount(rows[entries], weights, minlength=n_images)
    scale = norms * norms[query_image]
    similarity = np.divide(dot, scale, out=np.zeros(n_images), where=scale > 0)
    similarity[query_image] = -np.inf
    if k == 0:
        return np.empty(0, dtype=np.int64), np.empty(0)
    top = np.argpartition(-similarity, k - 1)[:k]
    # argpartition may cut inside a run of equal scores: widen to the whole run, then order.
    top = np.flatnonzero(similarity >= similarity[top].min())
    top = top[np.lexsort((top, -similarity[top]))][:k]
    return top, similarity[top]
