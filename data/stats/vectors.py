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

from data.domain.matrix import BuildMatrix

_HASH_BITS = 40  # 2^13 terms of 2^40 stay below 2^53
_CHUNK = 1 << 16  # entries hashed at once: the working arrays stay in the CPU cache
# splitmix64's finaliser: every output bit depends on every input bit. (A single multiply is
# not enough: values that differ only in their exponent bits, like 0.25 and 1.0, would get
# hashes whose difference is the same for every feature, so swapped values would collide.)
_SHIFT1, _MUL1 = np.uint64(30), np.uint64(0xBF58476D1CE4E5B9)
_SHIFT2, _MUL2 = np.uint64(27), np.uint64(0x94D049BB133111EB)
_SHIFT3 = np.uint64(31)


def image_fingerprints(matrix: BuildMatrix) -> np.ndarray:
    """float64 per image: equal feature vectors give equal values, 0 means no non-zero value."""
    salt = np.array([_name_hash(name) for name in matrix.feature_names], dtype=np.uint64)
    h = np.repeat(salt, np.diff(matrix.col_ptr))
    np.bitwise_xor(h, np.ascontiguousarray(matrix.values).view(np.uint64), out=h)
    scratch = np.empty(min(len(h), _CHUNK), dtype=np.uint64)
    for start in range(0, len(h), _CHUNK):
        z = h[start:start + _CHUNK]
        t = scratch[:len(z)]
        for shift, mul in ((_SHIFT1, _MUL1), (_SHIFT2, _MUL2)):
            np.right_shift(z, shift, out=t)
            np.bitwise_xor(z, t, out=z)
            np.multiply(z, mul, out=z)  # wraps mod 2^64
        np.right_shift(z, _SHIFT3, out=t)
        np.bitwise_xor(z, t, out=z)
        np.right_shift(z, np.uint64(64 - _HASH_BITS), out=z)
        np.bitwise_or(z, np.uint64(1), out=z)  # >= 1: only an empty image sums to 0
    return np.bincount(matrix.rows, weights=h, minlength=matrix.n_images)


def _name_hash(name: str) -> int:
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "little")
