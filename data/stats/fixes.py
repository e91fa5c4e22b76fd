"""People's fixes of the model's labels (docs/statistics.md, label fixes and thresholds): the ground truth they add up to, and a build
with that ground truth applied.

A fix says feature f is (or is not) in image i. The latest fix per (image, feature) wins; fixes
name images by name, so they carry over to every later build of the image source.

Applied to a build, a fix overrides the model's value at EVERY threshold:
* fixed present -> the value becomes +inf (v > 0 and v >= t for any finite t);
* fixed absent  -> the entry is removed (value 0, absent at any t).
+inf keeps each feature's entries sorted by value (fixed-present entries come last, by image), so
the fixed build is a normal BuildMatrix for data.stats.features. Readers of a fixed build's values must
skip the infinities where they want the model's scale: FeatureIndex.max_value (slider maximum,
colour scale) is computed over finite values; the detail page should show the unfixed build.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from data.domain.matrix import BuildMatrix

FIXED_PRESENT_VALUE = np.inf


def latest_fixes(image, feature, present, person, at) -> pd.DataFrame:
    """Ground truth: per (image, feature) its latest fix by `at` (ties: the later row wins).

    Columns image, feature, present, person, at, fix (row of the input), and conflict: True
    when some other person's own latest fix of the pair says the opposite. Sorted by image, feature.
    """
    fixes = pd.DataFrame({"image": image, "feature": feature,
                          "present": np.asarray(present, dtype=bool), "person": person, "at": at})
    fixes["fix"] = np.arange(len(fixes))
    fixes = fixes.sort_values(["at", "fix"], kind="stable")
    pair = ["image", "feature"]
    # The winner is one person's latest fix, so "another person's latest disagrees with the
    # winner" is the same as "the people's latest fixes of the pair are not unanimous".
    per_person = fixes.drop_duplicates([*pair, "person"], keep="last")
    split = per_person.groupby(pair, dropna=False)["present"].nunique() > 1
    latest = fixes.drop_duplicates(pair, keep="last")
    latest = latest.join(split.rename("conflict"), on=pair)
    latest["conflict"] = latest["conflict"].astype(bool)
    return latest.sort_values(pair, kind="stable").reset_index(drop=True)


def as_fixed(latest: pd.DataFrame) -> dict[tuple[str, str], bool]:
    """The `fixed` mapping apply_fixes takes, from latest_fixes' table."""
    return dict(zip(zip(latest["image"], latest["feature"]), latest["present"].astype(bool)))


@dataclass(frozen=True)
class FixedBuild:
    matrix: BuildMatrix  # same names as the model's build; fixed pairs overridden
    applied: int  # fixes naming an image and a feature of the build
    ignored: int  # fixes naming an image or a feature this build does not have


def apply_fixes(matrix: BuildMatrix, fixed: Mapping[tuple[str, str], bool]) -> FixedBuild:
    """The build with each fixed (image, feature) present (value +inf) or absent (no entry) at
    every threshold; the model's values elsewhere. `fixed` maps (image, feature) -> present."""
    rows, cols, known = _pair_indices(matrix, list(fixed))
    present = np.fromiter(fixed.values(), dtype=bool, count=len(fixed))[known]
    rows, cols, ignored = rows[known], cols[known], int((~known).sum())
    entry = _entries_of(matrix, rows, cols)
    n_features = matrix.n_features

    # Drop every entry of a fixed pair (the model's value, whatever it was) ...
    drop = entry[entry >= 0]
    keep = np.ones(matrix.nnz, dtype=bool)
    keep[drop] = False
    drop_cols = np.searchsorted(matrix.col_ptr, drop, side="right") - 1
    col_ptr = matrix.col_ptr - _ptr_offsets(drop_cols, n_features)
    # ... then add the fixed-present pairs at the end of their feature, by image: above any
    # finite value, so each feature stays sorted by value with ties by image.
    add = np.flatnonzero(present)
    add = add[np.lexsort((rows[add], cols[add]))]
    at = col_ptr[cols[add] + 1]
    new_rows = np.insert(matrix.rows[keep], at, rows[add].astype(np.int32))
    new_values = np.insert(matrix.values[keep], at, FIXED_PRESENT_VALUE)
    col_ptr = col_ptr + _ptr_offsets(cols[add], n_features)
    fixed_matrix = BuildMatrix(matrix.image_names, matrix.feature_names, col_ptr, new_rows,
                               new_values)
    return FixedBuild(fixed_matrix, applied=len(rows), ignored=ignored)


def changed_count(matrix: BuildMatrix, fixed: Mapping[tuple[str, str], bool],
                  threshold: float) -> int:
    """How many fixes of this build disagree with the model's presence (v > 0 and v >= t)."""
    images, features = zip(*fixed) if fixed else ((), ())
    v = model_values(matrix, images, features)
    known = ~np.isnan(v)
    model_present = (v > 0) & (v >= threshold)
    return int((model_present != np.asarray(list(fixed.values()), dtype=bool))[known].sum())


def model_values(matrix: BuildMatrix, images: Sequence[str], features: Sequence[str]) -> np.ndarray:
    """The model's value of each (image, feature) pair: 0 where it gave none, NaN where the build
    has no such image or feature. (For `model_value` of a fix, and threshold_points' input.)"""
    rows, cols, known = _pair_indices(matrix, list(zip(images, features)))
    entry = _entries_of(matrix, rows[known], cols[known])
    found = np.zeros(len(entry))
    found[entry >= 0] = matrix.values[entry[entry >= 0]]
    out = np.full(len(rows), np.nan)
    out[known] = found
    return out


def _pair_indices(matrix: BuildMatrix, pairs: list[tuple[str, str]]):
    """(rows, cols, known): each (image, feature) as matrix indices; known is False (and the
    indices 0) where the build has no such image or feature."""
    rows = np.zeros(len(pairs), dtype=np.int64)
    cols = np.zeros(len(pairs), dtype=np.int64)
    known = np.zeros(len(pairs), dtype=bool)
    for k, (image, feature) in enumerate(pairs):
        i, f = _position(matrix.image_names, image), _position(matrix.feature_names, feature)
        if i >= 0 and f >= 0:
            rows[k], cols[k], known[k] = i, f, True
    return rows, cols, known


def _position(sorted_names: list[str], name: str) -> int:
    k = bisect_left(sorted_names, name)
    return k if k < len(sorted_names) and sorted_names[k] == name else -1


def _entries_of(matrix: BuildMatrix, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Entry index of each (row, col) pair, -1 where the build stores no value (0)."""
    pair_key, pair_of = np.unique(cols * np.int64(matrix.n_images) + rows, return_inverse=True)
    rows, cols = pair_key % matrix.n_images, pair_key // matrix.n_images  # distinct, by col
    entry = np.full(len(pair_key), -1, dtype=np.int64)
    slot = np.full(matrix.n_images, -1, dtype=np.int64)  # row -> pair, for one feature at a time
    bounds = np.searchsorted(cols, np.arange(matrix.n_features + 1))
    for f in np.flatnonzero(np.diff(bounds)):
        pairs = np.arange(bounds[f], bounds[f + 1])
        lo, hi = matrix.col_ptr[f], matrix.col_ptr[f + 1]
        slot[rows[pairs]] = pairs
        hit = np.flatnonzero(slot[matrix.rows[lo:hi]] >= 0)
        entry[slot[matrix.rows[lo + hit]]] = lo + hit
        slot[rows[pairs]] = -1
    return entry[pair_of.ravel()]


def _ptr_offsets(cols: np.ndarray, n_features: int) -> np.ndarray:
    """Cumulative count per feature boundary of entries in `cols` (F+1, starting at 0)."""
    out = np.zeros(n_features + 1, dtype=np.int64)
    np.cumsum(np.bincount(cols, minlength=n_features), out=out[1:])
    return out
