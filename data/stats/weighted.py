"""Impressions-weighted view: per feature, the pooled CTR (sum of clicks / sum of impressions)
of the images with and without it, and an interval for the difference that treats each image
as a cluster of impressions (see docs/statistics.md for why not the plain binomial one).

Only images with impressions > 0 take part. Like data/analysis.py, an index built once per
(build, metrics) answers any threshold with prefix sums along each feature's value-sorted
entries: "present at t" is a suffix of those entries, so a group's sums are two subtractions.
"""

from __future__ import annotations

from dataclasses import dataclass

from typing import Sequence

import numpy as np

from data.stats.features import FeatureStats, benjamini_hochberg, impact_order, welch

# Sums kept per entry, in this order. u = clicks - R * impressions, with R the pooled CTR of all
# images: centring on R keeps the squared sums small, so prefix-sum differences stay accurate.
_M, _U, _UU, _UM, _MM = range(5)
_ZERO_VARIANCE_RTOL = 1e-10


@dataclass(frozen=True)
class PooledIndex:
    """Per-feature value-sorted entries of the images with impressions, and prefix sums."""

    col_ptr: np.ndarray  # int64, F+1
    values: np.ndarray  # float64 > 0, ascending within each feature
    cum: np.ndarray  # (5, nnz+1) prefix sums of m, u, u², u·m, m² along the entries
    totals: np.ndarray  # (5,) the same sums over every image with impressions
    ratio: float  # R: pooled CTR of every image with impressions
    n_images: int  # images with impressions > 0


@dataclass(frozen=True)
class PooledImpact:
    """Per feature (all features of the index, in its order); NaN where a value is null."""

    n_with: np.ndarray  # images with impressions, feature present
    n_without: np.ndarray
    impressions_with: np.ndarray
    impressions_without: np.ndarray
    ctr_with: np.ndarray  # sum clicks / sum impressions; NaN for an empty group
    ctr_without: np.ndarray
    impact: np.ndarray  # ctr_with - ctr_without
    ci_low: np.ndarray  # NaN when a group has < 2 images or neither varies
    ci_high: np.ndarray
    p_value: np.ndarray


def build_pooled_index(col_ptr: np.ndarray, rows: np.ndarray, values: np.ndarray,
                       impressions: np.ndarray, clicks: np.ndarray) -> PooledIndex:
    """Index entries given column-major (a BuildMatrix's or a FeatureIndex's col_ptr/rows/values,
    values ascending within each feature); `impressions`/`clicks` per image, NaN = unknown."""
    m_img = np.nan_to_num(np.asarray(impressions, dtype=np.float64), nan=0.0)
    c_img = np.nan_to_num(np.asarray(clicks, dtype=np.float64), nan=0.0)
    counted = m_img > 0
    keep = counted[rows] & (values > 0)
    kept_before = np.zeros(len(keep) + 1, dtype=np.int64)
    np.cumsum(keep, out=kept_before[1:])
    entry_rows = rows[keep]

    ratio = float(c_img[counted].sum() / m_img[counted].sum()) if counted.any() else 0.0
    m_img = np.where(counted, m_img, 0.0)
    u_img = np.where(counted, c_img - ratio * m_img, 0.0)
    per_image = (m_img, u_img, u_img * u_img, u_img * m_img, m_img * m_img)
    cum = np.zeros((5, len(entry_rows) + 1))
    for q, per in enumerate(per_image):
        np.cumsum(per[entry_rows], out=cum[q, 1:])
    return PooledIndex(kept_before[col_ptr], values[keep], cum,
                       np.array([per.sum() for per in per_image]), ratio, int(counted.sum()))


def pooled_impact(index: PooledIndex, threshold: float = 0.0,
                  confidence: float = 0.95) -> PooledImpact:
    """Pooled CTR with / without each feature at `threshold` (present: v > 0 and v >= t) and a
    cluster-robust (delta-method) Welch interval and p-value for the difference."""
    ptr = index.col_ptr
    if threshold <= 0:
        starts = ptr[:-1]
    else:
        starts = np.array([lo + np.searchsorted(index.values[lo:hi], threshold, side="left")
                           for lo, hi in zip(ptr[:-1], ptr[1:])], dtype=np.int64)
    ends = ptr[1:]
    with_sums = index.cum[:, ends] - index.cum[:, starts]
    without_sums = index.totals[:, None] - with_sums
    n1 = (ends - starts).astype(np.float64)
    n0 = index.n_images - n1
    ctr1, var1 = _ratio_and_variance(with_sums, n1, index.ratio)
    ctr0, var0 = _ratio_and_variance(without_sums, n0, index.ratio)
    impact = ctr1 - ctr0
    # welch() takes per-image variances and divides by n; ours are already of the ratio.
    with np.errstate(invalid="ignore"):
        low, high, p = welch(impact, var1 * n1, n1, var0 * n0, n0, confidence)
    return PooledImpact(n1.astype(np.int64), n0.astype(np.int64), with_sums[_M],
                        without_sums[_M], ctr1, ctr0, impact, low, high, p)


def _ratio_and_variance(sums: np.ndarray, n: np.ndarray, ratio: float):
    """Pooled CTR of a group and the delta-method variance of that ratio with images as
    clusters: n/(n-1) * sum_i (c_i - R_g m_i)^2 / (sum_i m_i)^2."""
    with np.errstate(invalid="ignore", divide="ignore"):
        shift = sums[_U] / sums[_M]  # R_g - R
        resid2 = sums[_UU] - 2.0 * shift * sums[_UM] + shift * shift * sums[_MM]
        resid2 = np.where(resid2 <= _ZERO_VARIANCE_RTOL * sums[_UU], 0.0, resid2)
        var = n / (n - 1.0) * resid2 / (sums[_M] * sums[_M])
    return ratio + shift, var


def pooled_feature_stats(index: PooledIndex, feature_names: Sequence[str], threshold: float = 0.0,
                         min_pct: float = 0.0, max_pct: float = 100.0) -> FeatureStats:
    """The impressions-weighted view in the shape of the per-feature statistics: N is the images
    with impressions, `ctr_*` pooled CTRs, the interval cluster-robust; the same sparsity filter,
    ordering and Benjamini–Hochberg q-values as the unweighted statistics."""
    pooled = pooled_impact(index, threshold)
    n = index.n_images
    with np.errstate(invalid="ignore", divide="ignore"):
        prevalence = 100.0 * pooled.n_with / n if n else np.zeros(len(pooled.n_with))
    keep = (pooled.n_with > 0) & (prevalence >= min_pct) & (prevalence <= max_pct)
    fidx = np.flatnonzero(keep)
    names = np.array(list(feature_names), dtype=object)[fidx]
    impact = pooled.impact[fidx]
    order = impact_order(impact, names)
    p = pooled.p_value[fidx]
    q = benjamini_hochberg(p)
    return FeatureStats(
        feature_index=fidx[order], feature=names[order],
        n_with=pooled.n_with[fidx][order], n_without=pooled.n_without[fidx][order],
        prevalence_pct=prevalence[fidx][order], ctr_with=pooled.ctr_with[fidx][order],
        ctr_without=pooled.ctr_without[fidx][order], impact=impact[order],
        ci_low=pooled.ci_low[fidx][order], ci_high=pooled.ci_high[fidx][order],
        p_value=p[order], q_value=q[order], n_images=n)
