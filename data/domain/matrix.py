"""The canonical, compact form of one build's feature values.

A build is stored as one column-major sparse matrix: images sorted by name, features sorted by
name, and within each feature the non-zero entries sorted by value (ties by image). The form is
canonical — two payloads with the same content give the same bytes whatever their key order —
so its hash detects a repeated delivery, and it is already the order the analysis index needs.
"""

from __future__ import annotations

import hashlib
import io
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import orjson


_FORMAT = 1
_PARALLEL_SORT_MIN = 1_000_000  # entries; below this a thread costs more than it saves


@dataclass(frozen=True)
class FeatureTable:
    """A validated features payload as coordinates: entry k is (image row[k], feature col[k])."""

    image_names: list[str]
    feature_names: list[str]
    rows: np.ndarray  # int64 index into image_names
    cols: np.ndarray  # int64 index into feature_names
    values: np.ndarray  # float64, finite, nulls already 0


@dataclass(frozen=True)
class BuildMatrix:
    image_names: list[str]  # sorted
    feature_names: list[str]  # sorted
    col_ptr: np.ndarray  # int64, F+1
    rows: np.ndarray  # int32, image index per entry
    values: np.ndarray  # float64, non-zero, ascending within each feature

    @property
    def n_images(self) -> int:
        return len(self.image_names)

    @property
    def n_features(self) -> int:
        return len(self.feature_names)

    @property
    def nnz(self) -> int:
        return len(self.values)

    def cols_of_entries(self) -> np.ndarray:
        """Feature index of every entry (int64)."""
        return np.repeat(np.arange(self.n_features, dtype=np.int64), np.diff(self.col_ptr))

    def image_features(self, image: int) -> dict[str, float]:
        """All non-zero features of one image, by name."""
        hits = np.flatnonzero(self.rows == image)
        cols = np.searchsorted(self.col_ptr, hits, side="right") - 1
        return {self.feature_names[c]: float(self.values[k]) for c, k in zip(cols, hits)}

    def content_hash(self) -> str:
        """sha256 of the canonical content (names and arrays); computed once per matrix."""
        cached = self.__dict__.get("_content_hash")
        if cached is not None:
            return cached
        h = hashlib.sha256()
        h.update(orjson.dumps([self.image_names, self.feature_names]))
        for arr in (self.col_ptr, self.rows, self.values):
            h.update(np.ascontiguousarray(arr).data)
        object.__setattr__(self, "_content_hash", h.hexdigest())  # frozen: a memo, not a field
        return self.__dict__["_content_hash"]

    def to_bytes(self) -> bytes:
        """Serialise (numpy's .npz container, no pickle)."""
        buf = io.BytesIO()
        names = orjson.dumps({"format": _FORMAT, "images": self.image_names,
                              "features": self.feature_names})
        np.savez(buf, names=np.frombuffer(names, dtype=np.uint8), col_ptr=self.col_ptr,
                 rows=self.rows, values=self.values)
        return buf.getvalue()

    @staticmethod
    def image_names_from_bytes(data: bytes) -> list[str]:
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            return orjson.loads(z["names"].tobytes())["images"]

    @classmethod
    def from_bytes(cls, data: bytes) -> "BuildMatrix":
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            names = orjson.loads(z["names"].tobytes())
            if names.get("format") != _FORMAT:
                raise ValueError(f"unknown stored build format {names.get('format')!r}")
            return cls(names["images"], names["features"], z["col_ptr"], z["rows"], z["values"])


def matrix_from_table(table: FeatureTable) -> BuildMatrix:
    """Canonicalise a validated payload: sort names, drop zeros, sort entries by value."""
    image_order = _name_order(table.image_names)
    image_rank = np.empty(len(image_order), dtype=np.int64)
    image_rank[image_order] = np.arange(len(image_order))
    feature_order = _name_order(table.feature_names)
    feature_rank = np.empty(len(feature_order), dtype=np.int64)
    feature_rank[feature_order] = np.arange(len(feature_order))

    nz = table.values != 0
    if nz.all():  # sparse payloads: nothing to drop, skip three copies
        rows, cols, values = table.rows, table.cols, table.values
    else:
        rows, cols, values = table.rows[nz], table.cols[nz], table.values[nz]
    rows = image_rank[rows]
    cols = feature_rank[cols]
    n_features = len(feature_order)
    col_ptr = np.zeros(n_features + 1, dtype=np.int64)
    np.cumsum(np.bincount(cols, minlength=n_features), out=col_ptr[1:])
    rows, values = _canonical_entries(rows, cols, values, len(image_order), col_ptr)

    image_names = [table.image_names[i] for i in image_order]
    feature_names = [table.feature_names[i] for i in feature_order]
    return BuildMatrix(image_names, feature_names, col_ptr, rows, values)


def _name_order(names: list[str]) -> np.ndarray:
    """Stable argsort of names (Python's sort: about 2x numpy's on an object array)."""
    return np.array(sorted(range(len(names)), key=names.__getitem__), dtype=np.int64)


def _canonical_entries(rows: np.ndarray, cols: np.ndarray, values: np.ndarray, n_images: int,
                       col_ptr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(rows as int32, values) ordered by feature, then value, then image: what
    `np.lexsort((rows, values, cols))` gives, about 5x faster at millions of entries. A stable
    radix pass groups by feature, one small (cache-resident) sort per feature orders its values,
    and only runs of equal values are then sorted by image."""
    n_features = len(col_ptr) - 1
    if n_features <= 1 << 16:
        by_feature = np.argsort(cols.astype(np.uint16), kind="stable")  # numpy radix-sorts this
    else:
        by_feature = np.argsort(cols, kind="stable")
    rows = rows.astype(np.int32)
    sorted_values = np.empty_like(values)
    sorted_rows = np.empty_like(rows)
    bounds = col_ptr.tolist()

    def sort_features(order: np.ndarray, first: int, last: int) -> None:
        """Gather features first..last-1 into place (by `order`), then sort each by value."""
        start, end = bounds[first], bounds[last]
        np.take(values, order[start:end], out=sorted_values[start:end])
        np.take(rows, order[start:end], out=sorted_rows[start:end])
        for lo, hi in zip(bounds[first:last], bounds[first + 1:last + 1]):
            if hi - lo > 1:
                group_values, group_rows = sorted_values[lo:hi], sorted_rows[lo:hi]
                within = np.argsort(group_values)
                group_values[:] = group_values[within]
                group_rows[:] = group_rows[within]

    # numpy gathers and sorts without the GIL: a large build does half its features on a second
    # core.
    if len(values) >= _PARALLEL_SORT_MIN and (os.cpu_count() or 1) > 1:
        half = int(np.searchsorted(col_ptr, len(values) // 2))
        with ThreadPoolExecutor(max_workers=1) as pool:
            first_half = pool.submit(sort_features, by_feature, 0, half)
            sort_features(by_feature, half, n_features)
            first_half.result()
    else:
        sort_features(by_feature, 0, n_features)
    del by_feature
    values, rows = sorted_values, sorted_rows

    # The per-feature sort is not stable: within a run of equal values of one feature, put the
    # images in ascending order (only the rows move; the values of a run are equal).
    same = values[1:] == values[:-1]
    inner = col_ptr[1:-1]
    same[inner[(inner > 0) & (inner < len(values))] - 1] = False  # runs end at a feature's end
    starts_tie = np.flatnonzero(same)  # entry k ties with entry k + 1
    if len(starts_tie):
        tied = np.union1d(starts_tie, starts_tie + 1)
        run = np.cumsum(~same[np.maximum(tied - 1, 0)] | (tied == 0))
        key = run * np.int64(n_images) + rows[tied]
        key.sort()
        rows[tied] = key - run * np.int64(n_images)
    return rows, values
