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
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import orjson
from scipy import sparse


_FORMAT = 1
_PARALLEL_SORT_MIN = 1_000_000  # entries; below this a thread costs more than it saves

# Held while numpy reads .npy headers (np.load parses each with ast.literal_eval). CPython 3.11's
# AST constructor keeps its recursion depth in interpreter-wide state, so two threads parsing at
# once can fail with "SystemError: AST constructor recursion depth mismatch": it happened in the
# server when a dataset was mapped while another thread mapped or decoded a build. Mapping
# build files holds it only while each file is opened and its header decoded; decoding a
# build's bytes (an .npz in memory, whose arrays numpy reads with their headers) holds it for
# the whole read.
NPY_HEADER_LOCK = threading.Lock()


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
        with NPY_HEADER_LOCK, np.load(io.BytesIO(data), allow_pickle=False) as z:
            names = z["names"]
        return orjson.loads(names.tobytes())["images"]

    @classmethod
    def from_bytes(cls, data: bytes) -> "BuildMatrix":
        with NPY_HEADER_LOCK, np.load(io.BytesIO(data), allow_pickle=False) as z:
            arrays = {k: z[k] for k in ("names", "col_ptr", "rows", "values")}
        names = orjson.loads(arrays.pop("names").tobytes())
        if names.get("format") != _FORMAT:
            raise ValueError(f"unknown stored build format {names.get('format')!r}")
        return cls(names["images"], names["features"], **arrays)


def matrix_from_table(table: FeatureTable) -> BuildMatrix:
    """Canonicalise a validated payload: sort names, drop zeros, sort entries by value."""
    image_names, image_order = _sorted_names(table.image_names)
    feature_names, feature_order = _sorted_names(table.feature_names)
    feature_rank = np.empty(len(feature_order), dtype=np.int64)
    feature_rank[feature_order] = np.arange(len(feature_order))

    nz = table.values != 0
    if nz.all():  # sparse payloads: nothing to drop, skip three copies
        rows, cols, values = table.rows, table.cols, table.values
    else:
        rows, cols, values = table.rows[nz], table.cols[nz], table.values[nz]
    col_ptr, rows, values = _by_feature(rows, feature_rank[cols], values, image_order,
                                        len(feature_order))
    rows, values = _canonical_entries(col_ptr, rows, values)
    return BuildMatrix(image_names, feature_names, col_ptr, rows, values)


def _sorted_names(names: list[str]) -> tuple[list[str], np.ndarray]:
    """(names sorted, their stable argsort). Python's sort: about 2x numpy's on an object array;
    the names are picked with Python ints (indexing a list with numpy ints is ~10x slower)."""
    order = sorted(range(len(names)), key=names.__getitem__)
    return list(map(names.__getitem__, order)), np.array(order, dtype=np.int64)


def _by_feature(rows: np.ndarray, cols: np.ndarray, values: np.ndarray, image_order: np.ndarray,
                n_features: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(col_ptr, rows as canonical image indices, values) grouped by feature `cols`, each
    feature's entries in ascending image order. `rows` index the payload's images; a payload
    lists each image's values together, so this is a CSR -> CSC transposition (scipy's counting
    sort, two linear passes) after putting the images in `image_order`."""
    n_images = len(image_order)
    if len(rows) > 1 and (rows[1:] < rows[:-1]).any():  # not grouped by image: group them
        by_image = np.argsort(rows, kind="stable")
        rows, cols, values = rows[by_image], cols[by_image], values[by_image]
    row_ptr = np.zeros(n_images + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n_images), out=row_ptr[1:])
    by_image = sparse.csr_array((values, cols, row_ptr), shape=(n_images, n_features))
    # scipy's tocsc leaves each column's row indices ascending (it marks them sorted).
    by_feature = by_image[image_order].tocsc()
    return (by_feature.indptr.astype(np.int64, copy=False),
            by_feature.indices.astype(np.int32, copy=False),
            by_feature.data)


def _relative_order_bits(values: np.ndarray) -> np.ndarray:
    """uint64 codes of float64 `values` (finite, no -0.0) that sort as the values do, made
    relative to the smallest (so the smallest is 0 and the codes use as few bits as possible)."""
    bits = values.view(np.uint64)
    smallest = values.min()
    if smallest > 0:  # the usual case: bit patterns of positive floats already sort as they do
        return bits - np.float64(smallest).view(np.uint64)
    sign = np.uint64(1 << 63)
    ordered = np.where(bits >= sign, ~bits, bits | sign)  # negatives: larger bits, smaller value
    ordered -= ordered.min()
    return ordered


def _canonical_entries(col_ptr: np.ndarray, rows: np.ndarray,
                       values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(rows, values) of each feature reordered by value, ties by image: what
    `np.lexsort((rows, values, cols))` gives, for entries already grouped by feature with rows
    ascending in each group.

    Each feature is one sort of packed uint64 keys, however many values tie: the value's
    order-preserving bits (relative to the smallest value) above the entry's position in its
    group (= its image order), so ties come out by image with no second pass. When the values
    span too many binades for both to fit, the lowest value bits are cut, which can only merge
    values a few ulps apart (at 100k images, 1e-13 of each other, never 4-6 decimal or float32
    values); a feature whose order that spoilt is re-sorted exactly."""
    n = len(values)
    if n == 0:
        return rows, values
    position_bits = int(np.diff(col_ptr).max() - 1).bit_length()
    relative = _relative_order_bits(values)
    cut = np.uint64(max(0, int(relative.max()).bit_length() - (64 - position_bits)))
    sorted_rows, sorted_values = np.empty_like(rows), np.empty_like(values)
    bounds = col_ptr.tolist()

    def sort_features(first: int, last: int) -> None:
        """Sort features first..last-1 into sorted_rows / sorted_values."""
        start, end = bounds[first], bounds[last]
        group_start = np.repeat(col_ptr[first:last], np.diff(col_ptr[first:last + 1]))
        key = relative[start:end] >> cut
        key <<= np.uint64(position_bits)
        key += np.arange(start, end, dtype=np.uint64)
        key -= group_start.view(np.uint64)  # + position in the group
        for lo, hi in zip(bounds[first:last], bounds[first + 1:last + 1]):
            if hi - lo > 1:
                key[lo - start:hi - start].sort()  # one feature at a time: in cache, ~2x faster
        key &= np.uint64((1 << position_bits) - 1)
        entry = key.view(np.int64)
        entry += group_start
        np.take(rows, entry, out=sorted_rows[start:end])
        np.take(values, entry, out=sorted_values[start:end])

    # numpy sorts and gathers without the GIL: a large build does half its features on a
    # second core.
    n_features = len(col_ptr) - 1
    if n >= _PARALLEL_SORT_MIN and (os.cpu_count() or 1) > 1:
        half = int(np.searchsorted(col_ptr, n // 2))
        with ThreadPoolExecutor(max_workers=1) as pool:
            first_half = pool.submit(sort_features, 0, half)
            sort_features(half, n_features)
            first_half.result()
    else:
        sort_features(0, n_features)
    del relative

    if cut:
        descending = sorted_values[1:] < sorted_values[:-1]
        ends = col_ptr[1:-1]
        descending[ends[(ends > 0) & (ends < n)] - 1] = False  # a new feature may start lower
        for f in np.unique(np.searchsorted(col_ptr, np.flatnonzero(descending), side="right")
                           - 1).tolist():
            lo, hi = bounds[f], bounds[f + 1]
            within = np.argsort(values[lo:hi], kind="stable")  # rows ascending: ties by image
            sorted_rows[lo:hi], sorted_values[lo:hi] = rows[lo:hi][within], values[lo:hi][within]
    return sorted_rows, sorted_values
