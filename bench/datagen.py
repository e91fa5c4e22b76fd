"""Deterministic featurizer builds and metrics of any size, as the HTTP bodies Jenkins would send.

`generate(n_images, ...)` returns a `BenchData`: the features body (JSON bytes), the metrics
body, and the same content as arrays so the naive baseline can be built without parsing JSON.
Same arguments, same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import orjson

from data.demo import FEATURE_NAMES

# Features whose presence moves CTR, so the statistics are not all noise.
PLANTED = {"text": 0.8, "girl": 1.3, "smile": 1.3, "black_x": 1.1, "sky": 1.05}


@dataclass(frozen=True)
class BenchData:
    n_images: int
    n_features: int
    image_names: list[str]  # body order (not sorted)
    feature_names: list[str]
    rows: np.ndarray  # image index of every non-zero value
    cols: np.ndarray  # feature index
    values: np.ndarray  # float64, > 0
    impressions: np.ndarray  # int64 per image; -1 = no metrics for that image
    clicks: np.ndarray
    features_body: bytes
    metrics_body: bytes

    @property
    def nnz(self) -> int:
        return len(self.values)


# How the non-zero values are spread, as real featurizers emit them (see `_shape_values`).
VALUE_SHAPES = ("uniform6", "rounded4", "float32", "mostly_ones", "few_distinct",
                "full_precision", "integers", "wide_range")


def generate(n_images: int, density: float = 0.10, dense_json: bool = False,
             seed: int = 20240501, value_shape: str = "uniform6",
             bodies: bool = True) -> BenchData:
    """A build of `n_images` x 480 features with about `density` of the values non-zero.

    Sparse JSON omits zeros (the API allows it); dense JSON lists every feature of every image,
    zeros as 0 and a few as null. Prevalence varies by feature (long tail), mean = `density`.
    About 2% of images get no metrics. `value_shape` (one of VALUE_SHAPES) picks how the
    non-zero values are spread; the default, "uniform6", has few ties. bodies=False leaves
    both bodies empty (a million images' JSON takes minutes to write and is not always needed).
    """
    rng = np.random.default_rng(seed)
    features = list(FEATURE_NAMES)
    n_features = len(features)
    weights = rng.lognormal(0.0, 1.0, size=n_features)
    prevalence = np.clip(density * weights / weights.mean(), 0.0005, 0.9)
    counts = rng.binomial(n_images, prevalence)
    rows = np.concatenate([rng.choice(n_images, size=k, replace=False) for k in counts.tolist()])
    cols = np.repeat(np.arange(n_features), counts)
    values = _shape_values(rng.beta(1.2, 1.5, size=len(rows)), value_shape, seed)

    # Names in a shuffled order, so the server's canonical sort has real work to do.
    image_names = [f"campaign/img_{i:07d}.jpg" for i in rng.permutation(n_images).tolist()]

    order = np.lexsort((cols, rows))
    rows, cols, values = rows[order], cols[order], values[order]
    features_body = (_features_json(image_names, features, rows, cols, values, n_images,
                                    dense_json, rng, integers=value_shape == "integers")
                     if bodies else b"")

    log_ctr = np.log(0.015) + rng.normal(0.0, 0.3, size=n_images)
    for name, effect in PLANTED.items():
        log_ctr[rows[cols == features.index(name)]] += np.log(effect)
    impressions = np.clip(np.rint(rng.lognormal(np.log(3000), 1.0, size=n_images)), 200, 50_000)
    impressions = impressions.astype(np.int64)
    clicks = rng.binomial(impressions, np.clip(np.exp(log_ctr), 0, 1)).astype(np.int64)
    missing = rng.choice(n_images, size=round(0.02 * n_images), replace=False)
    impressions[missing] = -1
    clicks[missing] = -1
    metrics_body = orjson.dumps({
        name: {"impressions": imp, "clicks": clk}
        for name, imp, clk in zip(image_names, impressions.tolist(), clicks.tolist())
        if imp >= 0}) if bodies else b""
    return BenchData(n_images, n_features, image_names, features, rows, cols, values,
                     impressions, clicks, features_body, metrics_body)


def _shape_values(raw: np.ndarray, shape: str, seed: int) -> np.ndarray:
    """Values in (0, 1] from `raw` in [0, 1]: "uniform6" rounded to 6 decimals (few ties),
    "rounded4" to 4 decimals (~10k distinct: many ties per feature), "float32" float32 values
    widened to float64, "mostly_ones" 90% exactly 1.0, "few_distinct" one of 5 values,
    "full_precision" unrounded float64 (17 significant digits in JSON), "integers" counts 1-20
    sent as JSON integers (objects found, say), "wide_range" log-normal from ~1e-3 to ~1e3
    (areas in pixels, say). Extra randomness comes from its own stream, so every shape leaves
    the rest of the build as is."""
    if shape == "uniform6":
        return np.clip(np.round(raw, 6), 1e-6, 1.0)
    if shape == "rounded4":
        return np.clip(np.round(raw, 4), 1e-4, 1.0)
    if shape == "float32":
        return np.clip(raw.astype(np.float32), np.float32(1e-6), np.float32(1.0)).astype(np.float64)
    extra = np.random.default_rng([seed, 1])
    if shape == "mostly_ones":
        values = np.clip(np.round(raw, 6), 1e-6, 1.0)
        values[extra.random(len(values)) < 0.9] = 1.0
        return values
    if shape == "few_distinct":
        return extra.choice(np.array([0.2, 0.4, 0.6, 0.8, 1.0]), size=len(raw))
    if shape == "full_precision":
        return np.clip(raw, np.finfo(np.float64).tiny, 1.0)
    if shape == "integers":
        return np.minimum(1.0 + np.floor(-np.log1p(-raw * 0.999) * 4), 20.0)
    if shape == "wide_range":
        return np.exp(extra.normal(0.0, 2.3, size=len(raw)))
    raise ValueError(f"unknown value shape {shape!r}; one of {VALUE_SHAPES}")


def _features_json(image_names, features, rows, cols, values, n_images, dense, rng,
                   integers: bool = False) -> bytes:
    bounds = np.searchsorted(rows, np.arange(n_images + 1))
    if dense:
        grid = np.zeros((n_images, len(features)))
        grid[rows, cols] = values
        as_lists = grid.tolist()
        nulls = rng.random(grid.shape) < 0.01
        for i, j in zip(*np.nonzero(nulls & (grid == 0))):
            as_lists[i][j] = None
        return orjson.dumps({name: dict(zip(features, vals))
                             for name, vals in zip(image_names, as_lists)})
    col_names = np.array(features, dtype=object)[cols].tolist()
    vals = values.astype(np.int64).tolist() if integers else values.tolist()
    b = bounds.tolist()
    return orjson.dumps({name: dict(zip(col_names[b[i]:b[i + 1]], vals[b[i]:b[i + 1]]))
                         for i, name in enumerate(image_names)})
