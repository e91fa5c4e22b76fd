"""The canonical matrix of builds whose values tie a lot (rounded, float32, mostly 1.0, a few
distinct values, negatives, near-equal values far from the rest): checked against a plain pandas
canonicalisation, and the same bytes and content hash whatever the payload's key order."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from data.domain import matrix
from data.domain.matrix import matrix_from_table
from data.domain.matrix import FeatureTable
from data.payloads.features import validate_features

N_IMAGES, N_FEATURES = 300, 40


def _shape_values(shape: str, rng: np.random.Generator, n: int) -> np.ndarray:
    raw = rng.beta(1.2, 1.5, size=n)
    if shape == "rounded4":
        return np.clip(np.round(raw, 4), 1e-4, 1.0)
    if shape == "rounded1":  # ~10 distinct values: nearly every entry ties
        return np.clip(np.round(raw, 1), 0.1, 1.0)
    if shape == "float32":
        return np.clip(raw.astype(np.float32), 1e-6, 1.0).astype(np.float64)
    if shape == "mostly_ones":
        return np.where(rng.random(n) < 0.9, 1.0, np.clip(np.round(raw, 6), 1e-6, 1.0))
    if shape == "few_distinct":
        return rng.choice(np.array([0.2, 0.4, 0.6, 0.8, 1.0]), size=n)
    if shape == "signed_few":  # negatives and positives, tied, huge and tiny magnitudes
        return rng.choice(np.array([-1e300, -2.5, -5e-324, 5e-324, 0.75, 3.0, 1e300]), size=n)
    if shape == "near_equal_wide":  # 1-ulp neighbours next to values 600 decades away
        near = 1.0 + rng.integers(0, 8, size=n) * np.finfo(float).eps
        return np.where(rng.random(n) < 0.2, 1e-300, near)
    raise ValueError(shape)


SHAPES = ["rounded4", "rounded1", "float32", "mostly_ones", "few_distinct", "signed_few",
          "near_equal_wide"]


def _payload(shape: str, seed: int) -> dict[str, dict[str, float | None]]:
    """~30% of features per image, plus a few nulls and explicit zeros (which are dropped)."""
    rng = np.random.default_rng(seed)
    features = [f"feature_{k:02d}" for k in rng.permutation(N_FEATURES)]
    payload = {}
    for i in rng.permutation(N_IMAGES).tolist():
        present = [f for f in features if rng.random() < 0.3]
        values = _shape_values(shape, rng, len(present)).tolist()
        feats = dict(zip(present, values))
        for f in present[:2]:
            if rng.random() < 0.1:
                feats[f] = None if rng.random() < 0.5 else 0
        payload[f"img_{i:04d}.jpg"] = feats
    return payload


def _pandas_canonical(payload: dict) -> tuple[list, list, np.ndarray, np.ndarray, np.ndarray]:
    """The canonical form, written plainly: names sorted, zeros and nulls dropped, entries by
    (feature, value, image)."""
    images = sorted(payload)
    features = sorted({f for feats in payload.values() for f in feats})
    long = pd.DataFrame([(img, f, v) for img, feats in payload.items() for f, v in feats.items()],
                        columns=["image", "feature", "value"])
    long = long[long["value"].notna() & (long["value"] != 0)].copy()
    long["value"] = long["value"].astype(np.float64)
    long["image"] = long["image"].map({name: k for k, name in enumerate(images)})
    long["feature"] = long["feature"].map({name: k for k, name in enumerate(features)})
    long = long.sort_values(["feature", "value", "image"], kind="stable")
    counts = np.bincount(long["feature"].to_numpy(), minlength=len(features))
    col_ptr = np.concatenate([[0], np.cumsum(counts)])
    return images, features, col_ptr, long["image"].to_numpy(), long["value"].to_numpy()


def _shuffled(payload: dict, seed: int) -> dict:
    """The same content with images and each image's features in another order."""
    rng = np.random.default_rng(seed)
    images = list(payload)
    out = {}
    for i in rng.permutation(len(images)).tolist():
        items = list(payload[images[i]].items())
        out[images[i]] = dict(items[k] for k in rng.permutation(len(items)).tolist())
    return out


@pytest.fixture(params=[False, True], ids=["one_thread", "two_threads"])
def sort_threads(request, monkeypatch):
    """Run the canonical sort on one thread, or split over two as large builds are."""
    if request.param:
        monkeypatch.setattr(matrix, "_PARALLEL_SORT_MIN", 1)
        monkeypatch.setattr(matrix.os, "cpu_count", lambda: 2)


@pytest.mark.parametrize("seed", [11, 2024])
@pytest.mark.parametrize("shape", SHAPES)
def test_tied_values_sort_by_feature_value_then_image_like_pandas(shape, seed, sort_threads):
    payload = _payload(shape, seed)
    built = matrix_from_table(validate_features(payload))
    images, features, col_ptr, rows, values = _pandas_canonical(payload)

    assert built.image_names == images
    assert built.feature_names == features
    np.testing.assert_array_equal(built.col_ptr, col_ptr)
    np.testing.assert_array_equal(built.rows, rows)
    np.testing.assert_array_equal(built.values, values)
    assert built.rows.dtype == np.int32 and built.values.dtype == np.float64
    assert built.col_ptr.dtype == np.int64


@pytest.mark.parametrize("shape", SHAPES)
def test_tied_values_give_the_same_bytes_and_hash_in_any_key_order(shape, sort_threads):
    payload = _payload(shape, seed=7)
    first = matrix_from_table(validate_features(payload))
    for seed in (1, 2, 3):
        again = matrix_from_table(validate_features(_shuffled(payload, seed)))
        assert again.to_bytes() == first.to_bytes()
        assert again.content_hash() == first.content_hash()


def test_a_table_not_grouped_by_image_gives_the_same_matrix():
    """FeatureTable promises only coordinates; entries in any order canonicalise the same."""
    table = validate_features(_payload("few_distinct", seed=5))
    order = np.random.default_rng(5).permutation(len(table.rows))
    scrambled = FeatureTable(table.image_names, table.feature_names, table.rows[order],
                             table.cols[order], table.values[order])
    assert matrix_from_table(scrambled).to_bytes() == matrix_from_table(table).to_bytes()


def test_values_equal_to_the_last_bit_keep_their_order_among_wide_ranging_values():
    """Values 1 ulp apart in a build that also holds 1e-300: the packed sort key cannot tell
    them apart, so their feature must still come out exactly ordered."""
    eps = float(np.finfo(float).eps)
    payload = {"a": {"f": 1.0 + 2 * eps}, "b": {"f": 1.0 + eps}, "c": {"f": 1.0},
               "d": {"f": 1e-300}, "e": {"f": 1.0 + eps}}
    built = matrix_from_table(validate_features(payload))
    assert built.values.tolist() == [1e-300, 1.0, 1.0 + eps, 1.0 + eps, 1.0 + 2 * eps]
    assert [built.image_names[r] for r in built.rows] == ["d", "c", "b", "e", "a"]
