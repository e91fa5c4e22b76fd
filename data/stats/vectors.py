"""Fingerprints of images' feature vectors, for finding equal vectors without comparing them.

An image's fingerprint is the sum, over its non-zero values, of a 40-bit hash of (feature name,
exact value bits), so that the sum over up to 8,191 features is exact in a float64. Equal vectors
(same features, bit-identical values) get equal fingerprints in any build of any feature set; two
different vectors get equal ones with probability about 2^-39. Every term is odd, so the
fingerprint is 0 exactly when the image has no non-zero value.
"""

from __future__ import annotations

import hashlib

import numpy as np

from data.matrix import BuildMatrix

_HASH_BITS = 40  # 2^13 terms of 2^40 stay below 2^53
_MIX = np.uint64(0x9E3779B97F4A7C15)  # odd multiplier (golden ratio, as in splitmix64)


def image_fingerprints(matrix: BuildMatrix) -> np.ndarray:
    """float64 per image: equal feature vectors give equal values, 0 means no non-zero value."""
    salt = np.array([_name_hash(name) for name in matrix.feature_names], dtype=np.uint64)
    h = np.repeat(salt, np.diff(matrix.col_ptr))
    np.bitwise_xor(h, np.ascontiguousarray(matrix.values).view(np.uint64), out=h)
    np.multiply(h, _MIX, out=h)  # wraps mod 2^64; the high bits depend on every input bit
    np.right_shift(h, np.uint64(64 - _HASH_BITS), out=h)
    np.bitwise_or(h, np.uint64(1), out=h)  # >= 1: only an empty image sums to 0
    return np.bincount(matrix.rows, weights=h, minlength=matrix.n_images)


def _name_hash(name: str) -> int:
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "little")
