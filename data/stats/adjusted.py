"""Adjusted impact (docs/statistics.md, adjusted impact): each feature's effect on CTR with the other features held fixed.

One ordinary least squares regression of the image CTR on an intercept and the presence
indicators of the features in the model, with HC3 (heteroscedasticity-consistent, leverage
corrected) standard errors and a t reference with n - k degrees of freedom. See
docs/statistics.md for the formulas and the cost at 100,000 images x 480 features.

The design matrix is never held densely: presence is a 0/1 sparse matrix Z (images x features),
X'X is built from it in row blocks, and the HC3 sandwich is accumulated block by block from
C = X (X'X)^-1, whose rows give both the leverages and the coefficients' variances.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp
from scipy import special

from data.stats.features import FeatureIndex

NOTE_SMALL_GROUP = "fewer than 2 images in a group"
NOTE_TOO_FEW_IMAGES = "not enough images for the number of features in the model"
NOTE_LEVERAGE_ONE = "undefined under HC3: an image is fitted exactly (leverage 1)"
NOTE_NO_VARIATION = "undefined: zero standard error (the model fits every image exactly)"

_BLOCK_ROWS = 8192  # images per block: C is block x k float64 (32 MB at k = 481)
_RANK_RTOL = 1e-9  # a column whose residual after earlier columns is below this share is dependent
_LEVERAGE_ONE = 1.0 - 1e-10

ADJUSTED_COLUMNS = ("adjusted_impact", "adjusted_ci_low", "adjusted_ci_high",
                    "adjusted_p_value", "adjusted_note")


@dataclass(frozen=True)
class AdjustedImpact:
    """Adjusted statistics aligned with the features asked for. A feature with a note has NaN
    interval and p-value; its impact is NaN too unless the note is about the standard error."""

    feature_index: np.ndarray  # int: as passed in
    adjusted_impact: np.ndarray  # OLS coefficient of the presence indicator (CTR units)
    adjusted_ci_low: np.ndarray
    adjusted_ci_high: np.ndarray
    adjusted_p_value: np.ndarray
    adjusted_note: np.ndarray  # object: None when estimated, else a sentence
    n_images: int  # images with an outcome in the regression
    n_columns: int  # k: intercept + features kept in the model
    dof: int  # n - k

    def take(self, order: np.ndarray) -> "AdjustedImpact":
        """The same model's statistics for the features at `order` (positions in this one)."""
        arrays = {name: getattr(self, name)[order] for name in ADJUSTED_COLUMNS}
        return AdjustedImpact(self.feature_index[order], **arrays, n_images=self.n_images,
                              n_columns=self.n_columns, dof=self.dof)

    def records(self) -> list[dict]:
        """One dict per feature with the API's field names; NaN becomes None."""
        out = []
        for i in range(len(self.feature_index)):
            rec = {name: _none_if_nan(getattr(self, name)[i]) for name in ADJUSTED_COLUMNS[:4]}
            rec["adjusted_note"] = self.adjusted_note[i]
            out.append(rec)
        return out


def adjusted_impact(index: FeatureIndex, threshold: float, feature_positions: np.ndarray,
                    confidence: float = 0.95) -> AdjustedImpact:
    """docs/statistics.md (adjusted impact) for the features at `feature_positions` (e.g. FeatureStats.feature_index).

    Columns enter the model in build order (by name), so of two identical features the later
    name is the one dropped, whatever the threshold or the outcomes.
    """
    positions = np.asarray(feature_positions, dtype=np.int64)
    order = np.argsort(positions, kind="stable")
    has_y = ~np.isnan(index.y)
    slices = index.present_entries(threshold, positions[order])
    present = [index.rows[s] for s in slices]  # the index holds only images with an outcome
    names = [index.feature_names[f] for f in positions[order]]
    result = adjusted_from_presence(index.y[has_y], present, names, confidence, among=has_y)
    back = np.empty_like(order)
    back[order] = np.arange(len(order))
    arrays = {name: getattr(result, name)[back] for name in ADJUSTED_COLUMNS}
    return AdjustedImpact(positions, **arrays, n_images=result.n_images,
                          n_columns=result.n_columns, dof=result.dof)


def adjusted_from_presence(y: np.ndarray, present_rows: Sequence[np.ndarray],
                           names: Sequence[str], confidence: float = 0.95, *,
                           among: np.ndarray | None = None) -> AdjustedImpact:
    """The same over arrays: `y` per image (all with an outcome), `present_rows[j]` the images
    where feature j is present. Features enter the model in the order given. With `among` (a
    mask over a larger set of images, True for those of `y` in order) `present_rows` count in
    that larger set and name only images where it is True."""
    y = np.asarray(y, dtype=np.float64)
    n, p = len(y), len(present_rows)
    counts = np.array([len(r) for r in present_rows], dtype=np.int64)
    notes = np.full(p, None, dtype=object)
    est = np.full((4, p), np.nan)  # impact, ci_low, ci_high, p_value

    eligible = np.flatnonzero((counts >= 2) & (n - counts >= 2))
    notes[(counts < 2) | (n - counts < 2)] = NOTE_SMALL_GROUP
    rows_eligible = [present_rows[j] for j in eligible]
    patterns = _patterns(rows_eligible, n, among)
    if patterns is not None:
        z = patterns
        gram = patterns.gram(counts[eligible])
    else:
        if among is not None:
            compact = np.cumsum(among) - 1  # image -> its position among those of `y`
            rows_eligible = [compact[rows] for rows in rows_eligible]
        z = _presence_matrix(rows_eligible, n)
        gram = _gram(z, counts[eligible])
    kept, dependent_on, lower = _factor_in_order(gram)
    column_names = ["the intercept"] + [names[j] for j in eligible]
    for col, basis in dependent_on.items():
        notes[eligible[col - 1]] = "linearly dependent on " + _name_list(
            [column_names[b] for b in basis])

    k = len(kept)
    dof = n - k
    features_kept = eligible[np.asarray(kept[1:], dtype=np.int64) - 1]
    if dof <= 0:
        notes[features_kept] = NOTE_TOO_FEW_IMAGES
    elif k > 1:
        if len(kept) < gram.shape[0]:
            z = z[:, np.asarray(kept[1:]) - 1]
        fit = _ols_hc3_patterns if patterns is not None else _ols_hc3
        beta, var, undefined = fit(z, y, lower)
        se = np.sqrt(var)
        crit = special.stdtrit(dof, 0.5 + confidence / 2.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            p_value = 2.0 * special.stdtr(dof, -np.abs(beta / se))
        fitted = np.vstack([beta, beta - crit * se, beta + crit * se, p_value])[:, 1:]
        bad = undefined[1:] | ~(se[1:] > 0)
        fitted[1:, bad] = np.nan  # the coefficient stands; its interval does not
        est[:, features_kept] = fitted
        notes[features_kept[undefined[1:]]] = NOTE_LEVERAGE_ONE
        notes[features_kept[~undefined[1:] & ~(se[1:] > 0)]] = NOTE_NO_VARIATION
    return AdjustedImpact(np.arange(p), *est, notes, n_images=n, n_columns=k, dof=dof)


@dataclass(frozen=True)
class _Patterns:
    """The design's rows grouped by presence pattern: images with the same features present
    share their row of X, so X'X, X'y and the HC3 sandwich are sums over the distinct patterns
    (a few thousand at most for the features a page shows) weighted by how many images have
    each, exactly what the per-image sums give, without a pass over an images x features
    matrix."""

    bits: np.ndarray  # float64, patterns x features: 1 where the pattern has the feature
    image_pattern: np.ndarray  # int: each image's pattern
    sizes: np.ndarray  # int: images per pattern

    def __getitem__(self, key):  # z[:, columns], as on the sparse matrix
        return _Patterns(self.bits[key], self.image_pattern, self.sizes)

    def gram(self, counts: np.ndarray) -> np.ndarray:
        m = self.bits.shape[1]
        gram = np.empty((m + 1, m + 1))
        gram[0, 0] = len(self.image_pattern)
        gram[0, 1:] = gram[1:, 0] = counts
        # Whole numbers, each sum at most the number of images: exact in float32 below 2^24
        # images, where single precision halves the product's time (27 -> 12 ms at 137k
        # patterns x 30 features).
        exact = np.float32 if len(self.image_pattern) < 2**24 else np.float64
        bits = self.bits.astype(exact)
        gram[1:, 1:] = bits.T @ (bits * self.sizes[:, None].astype(exact))
        return gram


_MAX_PATTERN_FEATURES = 63  # a pattern is one uint64 per image
# Past this many patterns x features (float64 arrays of 96 MB) the sparse path is taken; a page's
# 30 features at 1M images make ~27,000 patterns (0.8M cells).
_MAX_PATTERNS = 12_000_000
_PATTERN_BLOCK = 8192  # patterns per block of the HC3 sandwich


def _patterns(present_rows: list[np.ndarray], n: int,
              among: np.ndarray | None = None) -> _Patterns | None:
    """The images' presence patterns, or None when there are too many features, or patterns x
    features, for that to be the cheaper way (then the sparse matrix path is taken). `among`:
    as in adjusted_from_presence (one pass selecting the images of the model costs less than
    translating every present image's number)."""
    m = len(present_rows)
    if m > _MAX_PATTERN_FEATURES:
        return None
    code = np.zeros(n if among is None else len(among), dtype=np.uint64)
    for j, rows in enumerate(present_rows):
        code[rows] |= np.uint64(1) << np.uint64(j)
    if among is not None:
        code = code[among]
    import pandas as pd  # its hash-based factorize: ~4x np.unique's sort at 1M images

    image_pattern, distinct = pd.factorize(code)  # patterns in order of first image: fixed
    if len(distinct) * max(m, 1) > _MAX_PATTERNS:
        return None
    # bit j of each pattern, from its little-endian bytes (2.5x the shift-and-mask per column)
    octets = np.ascontiguousarray(distinct, dtype="<u8").view(np.uint8).reshape(-1, 8)
    bits = np.unpackbits(octets, axis=1, bitorder="little")[:, :m].astype(np.float64)
    sizes = np.bincount(image_pattern, minlength=len(distinct))
    return _Patterns(bits, image_pattern, sizes)


def _ols_hc3_patterns(z: _Patterns, y: np.ndarray, lower: np.ndarray):
    """_ols_hc3 over presence patterns: every image of pattern u has the same row x_u of X, so
    the same C_u = (X'X)^-1 x_u and leverage h_u; its residuals' squares sum to the pattern's
    within sum of squares plus size x (mean - fitted)^2 (two passes over y, no cancellation)."""
    gram_inv, _ = sla.lapack.dpotri(lower, lower=1)
    gram_inv = np.tril(gram_inv) + np.tril(gram_inv, -1).T
    sum_y = np.bincount(z.image_pattern, y, minlength=len(z.sizes))
    beta = gram_inv @ np.concatenate([[y.sum()], z.bits.T @ sum_y])
    mean = sum_y / z.sizes
    within = np.bincount(z.image_pattern, np.square(y - mean[z.image_pattern]),
                         minlength=len(z.sizes))
    fitted = beta[0] + z.bits @ beta[1:]
    squares = within + z.sizes * np.square(mean - fitted)
    scale = np.abs(gram_inv).max()
    var = np.zeros(len(beta))
    undefined = np.zeros(len(beta), dtype=bool)
    # In blocks of patterns: C's rows and their squares stay a few MB (in the CPU cache), where
    # the whole of them at 137k patterns were two 34 MB arrays mapped and faulted in on every
    # call (that part took 25-100 ms, now steadier and less).
    for start in range(0, len(squares), _PATTERN_BLOCK):
        bits = z.bits[start:start + _PATTERN_BLOCK]
        c = bits @ gram_inv[1:]
        c += gram_inv[0]
        h = c[:, 0] + np.einsum("uj,uj->u", bits, c[:, 1:])
        exact = h >= _LEVERAGE_ONE
        w = np.where(exact, 0.0, squares[start:start + _PATTERN_BLOCK]
                     / np.square(np.where(exact, 1.0, 1.0 - h)))
        if exact.any():
            undefined |= (np.abs(c[exact]) > 1e-9 * scale).any(axis=0)
        var += w @ np.square(c, out=c)
    return beta, var, undefined


def _presence_matrix(present_rows: list[np.ndarray], n: int) -> sp.csr_array:
    """0/1 images x features matrix (CSR, rows sorted) from each feature's list of images."""
    counts = np.array([len(r) for r in present_rows], dtype=np.int64)
    indptr = np.zeros(len(present_rows) + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    rows = np.concatenate(present_rows).astype(np.int32) if present_rows else np.zeros(0, np.int32)
    by_feature = sp.csc_array((np.ones(len(rows)), rows, indptr), shape=(n, len(present_rows)))
    return by_feature.tocsr()


def _gram(z: sp.csr_array, counts: np.ndarray) -> np.ndarray:
    """X'X for X = [1, Z], in float64. Z'Z is summed over blocks of images in float32, where
    every partial sum is a whole number below 2^24 and so exact."""
    n, m = z.shape

    def block_gram(start: int) -> np.ndarray:
        block = z[start:start + _BLOCK_ROWS].astype(np.float32)
        return block.T @ block.toarray()

    gram = np.empty((m + 1, m + 1))
    gram[0, 0] = n
    gram[0, 1:] = gram[1:, 0] = counts
    gram[1:, 1:] = np.sum(_map_blocks(block_gram, n), axis=0, dtype=np.float64) if m else 0.0
    return gram


def _map_blocks(fn, n: int) -> list:
    """[fn(start) for each block of images], on two threads when there is more than one block:
    scipy's sparse products and numpy release the GIL. Results come back in block order, so
    sums over them do not depend on the threads."""
    starts = range(0, n, _BLOCK_ROWS)
    if len(starts) <= 1:
        return [fn(start) for start in starts]
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(fn, starts))


def _factor_in_order(gram: np.ndarray) -> tuple[list[int], dict[int, list[int]], np.ndarray]:
    """(kept columns, dropped column -> columns it depends on, Cholesky factor of the kept
    part of X'X). LAPACK's Cholesky pivots are the columns' remaining squared norms in order,
    so when none is small no column depends on earlier ones and that factor is the answer."""
    try:
        lower = sla.cholesky(gram, lower=True, check_finite=False)
        if (np.square(np.diag(lower)) > _RANK_RTOL * np.diag(gram)).all():
            return list(range(len(gram))), {}, lower
    except np.linalg.LinAlgError:
        pass
    kept, dropped = _independent_columns(gram)
    return kept, dropped, sla.cholesky(gram[np.ix_(kept, kept)], lower=True, check_finite=False)


def _independent_columns(gram: np.ndarray) -> tuple[list[int], dict[int, list[int]]]:
    """Columns of X kept, in order, and for each dropped column the earlier kept columns it is a
    combination of. A Cholesky factorisation taken column by column in the given order (a
    Gram-Schmidt on X): a column whose remaining squared norm is below _RANK_RTOL of its own is
    dependent on the columns before it, so of two duplicates the later one is dropped."""
    k = gram.shape[0]
    lower = np.zeros((k, k))
    kept: list[int] = []
    dropped: dict[int, list[int]] = {}
    for j in range(k):
        m = len(kept)
        row = lower[j, :m]
        remaining = gram[j, j] - row @ row
        if remaining <= _RANK_RTOL * gram[j, j]:
            coef = sla.solve_triangular(lower[np.ix_(kept, range(m))], row, trans="T", lower=True)
            big = np.abs(coef) > 1e-6 * np.abs(coef).max()
            dropped[j] = [c for c, b in zip(kept, big) if b]
            continue
        pivot = np.sqrt(remaining)
        lower[j, m] = pivot
        lower[j + 1:, m] = (gram[j + 1:, j] - lower[j + 1:, :m] @ row) / pivot
        kept.append(j)
    return kept, dropped


def _ols_hc3(z: sp.csr_array, y: np.ndarray, lower: np.ndarray):
    """(beta, HC3 variance of beta, undefined flag) for y on [1, Z]; X'X = lower @ lower.T.

    HC3: V = (X'X)^-1 X' diag(e_i^2 / (1 - h_i)^2) X (X'X)^-1. With C = X (X'X)^-1 (row i is
    (X'X)^-1 x_i), h_i = x_i'C_i and V_jj = sum_i w_i C_ij^2, so one pass over row blocks of C
    gives both; the N x k matrix C is never held whole.
    """
    n = z.shape[0]
    gram_inv, _ = sla.lapack.dpotri(lower, lower=1)  # (X'X)^-1, lower triangle
    gram_inv = np.tril(gram_inv) + np.tril(gram_inv, -1).T
    beta = gram_inv @ np.concatenate([[y.sum()], z.T @ y])
    resid = y - beta[0] - z @ beta[1:]
    scale = np.abs(gram_inv).max()

    def block_sums(start: int) -> tuple[np.ndarray, np.ndarray]:
        block = z[start:start + _BLOCK_ROWS]
        c = block @ gram_inv[1:]
        c += gram_inv[0]
        entry_row = np.repeat(np.arange(block.shape[0]), np.diff(block.indptr))
        h = c[:, 0] + np.bincount(entry_row, c[entry_row, block.indices + 1],
                                  minlength=block.shape[0])
        exact = h >= _LEVERAGE_ONE
        e = resid[start:start + _BLOCK_ROWS]
        w = np.where(exact, 0.0, e * e / np.square(np.where(exact, 1.0, 1.0 - h)))
        undefined = (np.abs(c[exact]) > 1e-9 * scale).any(axis=0)
        return w @ np.square(c, out=c), undefined

    parts = _map_blocks(block_sums, n)
    var = np.sum([v for v, _ in parts], axis=0)
    undefined = np.any([u for _, u in parts], axis=0)
    return beta, var, undefined


def _name_list(names: list[str], limit: int = 3) -> str:
    shown = names[:limit]
    more = len(names) - len(shown)
    if more:
        return ", ".join(shown) + f" and {more} more"
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


def _none_if_nan(v: float) -> float | None:
    v = float(v)
    return None if v != v else v
