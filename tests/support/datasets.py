"""In-memory datasets for tests of figures and callbacks: no database, no server."""

from __future__ import annotations

import numpy as np

from data.domain.dataset import BuildInfo, Dataset, SourceRef
from data.domain.matrix import BuildMatrix, FeatureTable, matrix_from_table
from data.payloads.features import validate_features
from data.stats.features import build_index


def dataset(features: dict, ctr: dict, *, is_demo: bool = False) -> Dataset:
    """A Dataset from {image: {feature: value}} and {image: CTR} (images left out: no CTR)."""
    matrix = matrix_from_table(validate_features(features))
    y = np.array([ctr.get(name, np.nan) for name in matrix.image_names], dtype=float)
    return dataset_of(matrix, y, is_demo)


def dataset_of(matrix: BuildMatrix, y: np.ndarray, is_demo: bool = False) -> Dataset:
    """A Dataset of business "Biz", image source "src", build 7, from a matrix and CTRs."""
    n = matrix.n_images
    return Dataset(SourceRef(1, "Biz", "src", 3, None, is_demo, 7),
                   BuildInfo(7, 1, "42", "2026-01-02T03:04:05Z", n, matrix.n_features,
                             matrix.nnz, True, is_demo, "hash"),
                   matrix, build_index(matrix, y), np.full(n, np.nan), np.full(n, np.nan))


def store_small_dataset(store, business: str, image_source: str, feature: str = "red") -> None:
    """Put a 12-image build (features `feature` and "dog") with CTRs into `store`, so the
    features API and the dashboard have something to show for (business, image_source)."""
    from data.payloads.metrics import validate_metrics_json

    features = {f"img{i}": {feature: (i % 3) / 2, "dog": (i % 4) / 3} for i in range(12)}
    metrics = {f"img{i}": {"impressions": 1000, "clicks": 10 + 3 * i} for i in range(12)}
    store.put_build(business, image_source, matrix_from_table(validate_features(features)),
                    actor="test")
    store.put_metrics(business, image_source, validate_metrics_json(metrics), actor="test")
def unchecked_dataset(features: dict, ctr: dict) -> Dataset:
    """Like `dataset`, without the ingest checks: names past today's limits, as an older
    server or another tool could have stored them."""
    images = list(features)
    names = sorted({f for values in features.values() for f in values})
    col = {name: j for j, name in enumerate(names)}
    entries = [(i, col[f], float(v)) for i, img in enumerate(images)
               for f, v in features[img].items()]
    rows, cols, values = (np.array(x) for x in zip(*entries))
    matrix = matrix_from_table(FeatureTable(images, names, rows.astype(np.int64),
                                            cols.astype(np.int64), values.astype(float)))
    y = np.array([ctr.get(name, np.nan) for name in matrix.image_names], dtype=float)
    return dataset_of(matrix, y)
