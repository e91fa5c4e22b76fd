"""Correlation of two per-image measures (CTR against people's mean score or strength) with a
95% interval from Fisher's z-transformation (docs/statistics.md, "Human judgements")."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special

# Spearman's rho has a larger sampling variance than Pearson's r: Fieller, Hartley & Pearson
# (1957) found var(atanh(rho)) ≈ 1.06 / (n − 3).
SPEARMAN_VARIANCE = 1.06


@dataclass(frozen=True)
class Correlation:
    method: str  # "pearson" or "spearman"
    r: float | None  # None below 3 pairs or when either measure is constant
    ci_low: float | None  # None below 4 pairs
    ci_high: float | None
    n: int  # pairs where both measures are known


def pearson(x, y, level: float = 0.95) -> Correlation:
    """Pearson's r over the pairs where both are finite; interval tanh(atanh(r) ± z/√(n−3))."""
    x, y = _pairs(x, y)
    return _with_interval("pearson", _r(x, y), x.size, 1.0, level)


def spearman(x, y, level: float = 0.95) -> Correlation:
    """Spearman's rho (Pearson's r of the ranks, ties averaged); interval
    tanh(atanh(rho) ± z·√(1.06/(n−3)))."""
    # Imported here: scipy.stats takes a second to import, which a server or command that never
    # asks for a rank correlation should not wait for.
    from scipy.stats import rankdata

    x, y = _pairs(x, y)
    return _with_interval("spearman", _r(rankdata(x), rankdata(y)), x.size,
                          SPEARMAN_VARIANCE, level)


def _pairs(x, y) -> tuple[np.ndarray, np.ndarray]:
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y)
    return x[keep], y[keep]


def _r(x: np.ndarray, y: np.ndarray) -> float | None:
    if x.size < 3:
        return None
    dx, dy = x - x.mean(), y - y.mean()
    scale = math.sqrt(float(dx @ dx) * float(dy @ dy))
    if scale == 0:
        return None
    return max(-1.0, min(1.0, float(dx @ dy) / scale))


def _with_interval(method: str, r: float | None, n: int, variance: float,
                   level: float) -> Correlation:
    if r is None or n < 4:
        return Correlation(method, r, None, None, n)
    if abs(r) == 1.0:
        return Correlation(method, r, r, r, n)
    half = special.ndtri(0.5 + level / 2) * math.sqrt(variance / (n - 3))
    z = math.atanh(r)
    return Correlation(method, r, math.tanh(z - half), math.tanh(z + half), n)
