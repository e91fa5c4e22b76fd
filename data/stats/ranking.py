"""Which features a default view shows first, and an impact axis one wide interval cannot
flatten. Both work on any (impact, ci_low, ci_high) triple: raw, adjusted or pooled."""

from __future__ import annotations

import numpy as np

# Fewer than this many images in either group and a feature is ranked last: below ~10 a
# group's mean rests on a handful of images, the t interval leans on a normality that CTRs
# (skewed, many zeros) do not have, and the rarest features top any list by chance alone.
DEFAULT_MIN_GROUP = 10


def rank_score(impact: np.ndarray, ci_low: np.ndarray, ci_high: np.ndarray, n_with: np.ndarray,
               n_without: np.ndarray, min_group: int = DEFAULT_MIN_GROUP) -> np.ndarray:
    """|impact| over its interval's half-width (> 1 exactly when the interval excludes 0; for a
    t interval, |t| / critical value). -inf, i.e. last, without an interval or below `min_group`
    images in a group."""
    impact, low, high = (np.asarray(a, dtype=np.float64) for a in (impact, ci_low, ci_high))
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.abs(impact) / ((high - low) / 2.0)
    small = (np.asarray(n_with) < min_group) | (np.asarray(n_without) < min_group)
    return np.where(np.isfinite(score) & ~small, score, -np.inf)


def rank_order(score: np.ndarray, names: np.ndarray) -> np.ndarray:
    """Indices by score, highest first; ties (e.g. all the -inf) by name."""
    names = np.asarray(names).astype(str)
    return np.lexsort((names, -np.asarray(score, dtype=np.float64)))


def clip_range(values: np.ndarray, lows: np.ndarray, highs: np.ndarray, quantile: float = 0.9,
               pad: float = 0.05) -> tuple[float, float, np.ndarray]:
    """(axis_low, axis_high, clipped): a range holding 0, every estimate, and each estimate's
    interval up to the `quantile` of the half-widths; `clipped[i]` says feature i's interval
    runs past it (draw it cut, with a marker). NaN range when nothing is finite."""
    values, lows, highs = (np.asarray(a, dtype=np.float64) for a in (values, lows, highs))
    clipped = np.zeros(len(values), dtype=bool)
    if not np.isfinite(values).any():
        return float("nan"), float("nan"), clipped
    has_ci = np.isfinite(lows) & np.isfinite(highs)
    v_lo, v_hi = float(np.nanmin(values)), float(np.nanmax(values))
    lo, hi = min(v_lo, 0.0), max(v_hi, 0.0)
    if has_ci.any():
        reach = float(np.quantile((highs - lows)[has_ci] / 2.0, quantile))
        lo = min(lo, max(float(lows[has_ci].min()), v_lo - reach))
        hi = max(hi, min(float(highs[has_ci].max()), v_hi + reach))
    margin = pad * (hi - lo) if hi > lo else 1e-6
    lo, hi = lo - margin, hi + margin
    clipped[has_ci] = (lows[has_ci] < lo) | (highs[has_ci] > hi)
    return lo, hi, clipped
