"""Human judgements as an outcome (docs/statistics.md, "Human judgements"): mean scores, Bradley–Terry strengths, agreement
between raters, and which image to show a rater next.

Pure numpy/scipy over integer codes (image index, rater index); definitions, defaults and the
reasons for them are in docs/statistics.md, "Human judgements".
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np
from scipy import sparse, special
from scipy.sparse import csgraph, linalg as sparse_linalg
from scipy.special import expit

# Prior on each log-strength: N(0, PRIOR_SD²). Weak (a gap of 2 sd = 6 means a 99.75% win
# chance) but it keeps an image that always wins finite, and pins down disconnected groups.
PRIOR_SD = 3.0
# Connected groups of compared images up to this size get the exact inverse of the Hessian;
# larger ones Gaussian belief propagation (within ~1% of exact there, see the doc).
EXACT_MAX_ITEMS = 200
# /compare: the partners of the least-compared image are drawn from this many times `size`
# least-compared others, then the closest in strength are taken.
POOL_PER_SLOT = 8

_NEWTON_TOL = 1e-6  # largest change in any log-strength in the last Newton step
_BP_RTOL = 1e-10  # relative change of every precision at convergence of belief propagation


# ----------------------------------------------------------------------------- scores


@dataclass(frozen=True)
class ScoreSummary:
    """Per image, aligned arrays; NaN where the API says null."""

    ratings: np.ndarray  # int: raters whose latest score counts
    mean_score: np.ndarray  # NaN without ratings
    score_ci_low: np.ndarray  # NaN below 2 ratings
    score_ci_high: np.ndarray


def latest_scores(image, rater, score, at) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(image, rater, score) of the latest score per (image, rater), sorted by image then rater.

    `at` is any sortable array (numbers, datetime64, ISO-8601 strings of one format); on equal
    `at` the row given later wins.
    """
    image, rater, score, at = (np.asarray(a) for a in (image, rater, score, at))
    order = np.lexsort((np.arange(image.size), at, rater, image))
    img, rat = image[order], rater[order]
    is_last = np.ones(image.size, dtype=bool)
    is_last[:-1] = (img[1:] != img[:-1]) | (rat[1:] != rat[:-1])
    keep = order[is_last]
    return image[keep], rater[keep], score[keep]


def score_summary(n_images: int, image, rater, score, level: float = 0.95) -> ScoreSummary:
    """Count, mean and t-interval of the mean per image, from one score per (image, rater).

    The interval is mean ± t(level, n-1)·s/√n: NaN below 2 ratings, equal to the mean when
    every rater gave the same score.
    """
    image, score = np.asarray(image, dtype=np.int64), np.asarray(score, dtype=float)
    _require_one_per_pair(image, rater)
    count = np.bincount(image, minlength=n_images)
    # Shifting by one of the image's own scores makes identical scores give exactly zero spread.
    shift = np.zeros(n_images)
    shift[image] = score
    dev = score - shift[image]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_dev = np.bincount(image, dev, n_images) / count
        ss = np.bincount(image, (dev - mean_dev[image]) ** 2, n_images)
        half = special.stdtrit(count - 1, 0.5 + level / 2) * np.sqrt(ss / (count - 1) / count)
    half[count < 2] = np.nan
    mean = shift + mean_dev
    return ScoreSummary(count, mean, mean - half, mean + half)


def krippendorff_alpha_interval(image, rater, score) -> float | None:
    """Krippendorff's alpha, interval metric, images as units, one score per (image, rater).

    Only images scored by at least 2 raters count; None when fewer than 2 such scores exist or
    they are all equal (no disagreement to expect, alpha undefined).
    """
    image, score = np.asarray(image, dtype=np.int64), np.asarray(score, dtype=float)
    _require_one_per_pair(image, rater)
    per_unit = np.bincount(image)
    pairable = per_unit[image] >= 2
    unit, value = image[pairable], score[pairable]
    n = value.size
    if n < 2:
        return None
    m = np.bincount(unit)
    with np.errstate(invalid="ignore", divide="ignore"):
        unit_mean = np.bincount(unit, value) / m
    within = np.bincount(unit, (value - unit_mean[unit]) ** 2)
    total = np.sum((value - value.mean()) ** 2)
    if total == 0:
        return None
    used = m >= 2
    observed = np.sum(m[used] * within[used] / (m[used] - 1))
    return float(1.0 - (n - 1) * observed / (n * total))


def _require_one_per_pair(image, rater) -> None:
    image, rater = np.asarray(image, dtype=np.int64), np.asarray(rater, dtype=np.int64)
    if image.size == 0:
        return
    key = np.sort((image - image.min()) * (int(rater.max() - rater.min()) + 1)
                  + (rater - rater.min()))
    if np.any(key[1:] == key[:-1]):
        raise ValueError("expected one score per (image, rater): use latest_scores first")


# ----------------------------------------------------------------------------- votes


def votes_to_pairs(winner, others: Sequence[Sequence[int]]) -> tuple[np.ndarray, ...]:
    """(winners, losers, vote) arrays: vote k's winner beats each of others[k]; `vote` = k."""
    sizes = np.fromiter((len(o) for o in others), dtype=np.int64, count=len(others))
    losers = np.fromiter(chain.from_iterable(others), dtype=np.int64, count=int(sizes.sum()))
    winners = np.repeat(np.asarray(winner, dtype=np.int64), sizes)
    if np.any(winners == losers):
        raise ValueError("a vote's winner cannot also be among its others")
    return winners, losers, np.repeat(np.arange(len(others)), sizes)


def vote_counts(n_items: int, winner, others: Sequence[Sequence[int]]) -> tuple[np.ndarray, ...]:
    """(comparisons, wins) per item, counted in votes: votes it was shown in, votes it won."""
    _, losers, _ = votes_to_pairs(winner, others)
    wins = np.bincount(np.asarray(winner, dtype=np.int64), minlength=n_items)
    return wins + np.bincount(losers, minlength=n_items), wins


@dataclass(frozen=True)
class Strengths:
    """Per item, aligned arrays; NaN for items that were never compared."""

    strength: np.ndarray  # log-strength, mean 0 over compared items
    strength_ci_low: np.ndarray  # NaN too when intervals were not asked for
    strength_ci_high: np.ndarray


def bradley_terry(n_items: int, winners, losers, vote=None, prior_sd: float = PRIOR_SD,
                  ci: str = "information", level: float = 0.95) -> Strengths:
    """Bradley–Terry log-strengths (MAP under an N(0, prior_sd²) prior), centred to mean 0.

    P(i beats j) = 1/(1 + exp(θj − θi)). `vote` (same length as the pairs, from votes_to_pairs)
    groups the pairs of one best-of-k vote, whose dependence widens the intervals; None treats
    every pair as its own vote. ci="information" gives Wald intervals from the observed
    information; ci="none" skips them.
    """
    if ci not in ("information", "none"):
        raise ValueError(f"ci must be 'information' or 'none', got {ci!r}")
    winners, losers = np.asarray(winners, dtype=np.int64), np.asarray(losers, dtype=np.int64)
    if np.any(winners == losers):
        raise ValueError("an item cannot beat itself")
    out = [np.full(n_items, np.nan) for _ in range(3)]
    shown = np.bincount(winners, minlength=n_items) + np.bincount(losers, minlength=n_items)
    used = np.flatnonzero(shown)
    if used.size == 0:
        return Strengths(*out)
    code = np.full(n_items, -1)
    code[used] = np.arange(used.size)
    w, l = code[winners], code[losers]
    prior_var = prior_sd**2
    fit = _fit(used.size, w, l, prior_var)
    theta = fit.theta - fit.theta.mean()
    out[0][used] = theta
    if ci == "information":
        var = _centred_variance(fit, prior_var)
        if vote is not None:
            var *= _dispersion(used.size, w, l, np.asarray(vote), theta)
        half = special.ndtri(0.5 + level / 2) * np.sqrt(var)
        out[1][used], out[2][used] = theta - half, theta + half
    return Strengths(*out)


@dataclass(frozen=True)
class _Fit:
    theta: np.ndarray  # MAP log-strengths, not yet centred
    a: np.ndarray  # unordered pairs a < b that met at least once
    b: np.ndarray
    weight: np.ndarray  # −H[a, b]: times met × p × (1 − p)
    hessian: sparse.csr_matrix  # of the negative penalised log-likelihood at theta


def _fit(m: int, w: np.ndarray, l: np.ndarray, prior_var: float) -> _Fit:
    """Newton's method on the penalised log-likelihood, with a sparse Hessian and CG."""
    # Aggregate to unordered pairs a < b: how often a won, how often they met.
    key, inverse = np.unique(np.minimum(w, l) * m + np.maximum(w, l), return_inverse=True)
    a, b = key // m, key % m
    a_wins = np.bincount(inverse, weights=(w < l), minlength=key.size)
    met = np.bincount(inverse, minlength=key.size).astype(float)
    # The Hessian is diag − U − Uᵀ with U the strictly upper part: (a, b) are already in CSR
    # order, so U's data is the pair weights as they are.
    indptr = np.concatenate([[0], np.cumsum(np.bincount(a, minlength=m))])
    upper = sparse.csr_matrix((np.zeros(a.size), b, indptr), shape=(m, m))

    def times_hessian(v):
        return diag * v - upper @ v - upper.T @ v

    def loss(theta, x):  # negative penalised log-likelihood; x = theta[a] − theta[b]
        softplus = np.log1p(np.exp(-np.abs(x))) + np.maximum(-x, 0)  # = −log σ(x)
        return np.sum(met * softplus + (met - a_wins) * x) + theta @ theta / (2 * prior_var)

    theta = np.zeros(m)
    x = np.zeros(a.size)
    value = loss(theta, x)
    for _ in range(100):
        p = expit(x)
        weight = met * p * (1 - p)
        diag = np.bincount(a, weight, m) + np.bincount(b, weight, m) + 1 / prior_var
        upper.data = weight
        resid = a_wins - met * p
        grad = np.bincount(a, resid, m) - np.bincount(b, resid, m) - theta / prior_var
        hessian = sparse_linalg.LinearOperator((m, m), matvec=times_hessian, dtype=float)
        step, _ = sparse_linalg.cg(hessian, grad, rtol=1e-8, maxiter=10 * m,
                                   M=sparse.diags(1 / diag))
        # Newton rarely overshoots on this smooth, strongly convex loss; halve when it does.
        for _ in range(40):
            x_new = x + (step[a] - step[b])
            new_value = loss(theta + step, x_new)
            if new_value <= value + 1e-12 * abs(value):
                break
            step /= 2
        theta, x, value = theta + step, x_new, new_value
        # Convergence is quadratic: after a step this small the error is ~1e-12, and the
        # Hessian of the previous iterate is the one at the optimum to the same precision.
        if np.max(np.abs(step)) < _NEWTON_TOL:
            break
    H = (sparse.diags(diag) - upper - upper.T).tocsr()
    return _Fit(theta, a, b, weight, H)


def _centred_variance(fit: _Fit, prior_var: float) -> np.ndarray:
    """Diagonal of Cov(θ − mean θ) under the Laplace approximation Cov(θ) = H⁻¹.

    The all-ones vector of each connected group is an eigenvector of H with eigenvalue
    1/prior_var, so centring subtracts exactly prior_var/m; a group of size s carries its own
    prior_var/s of location uncertainty on top of its inner spread.
    """
    H = fit.hessian
    m = H.shape[0]
    n_groups, group = csgraph.connected_components(H, directed=False)
    size = np.bincount(group)
    var = np.empty(m)
    large = size[group] > EXACT_MAX_ITEMS
    if large.any():
        bp = _bp_variance(fit.a, fit.b, fit.weight, H.diagonal())
        var[large] = bp[large] + prior_var / size[group[large]]
    # Small groups: exact inverse, batched by group size.
    by_group = np.argsort(group, kind="stable")
    position = np.empty(m, dtype=np.int64)
    position[by_group] = np.arange(m) - np.concatenate([[0], np.cumsum(size)])[group[by_group]]
    coo = H.tocoo()
    for s in np.unique(size[size <= EXACT_MAX_ITEMS]):
        slot = np.full(n_groups, -1)
        slot[size == s] = np.arange(np.count_nonzero(size == s))
        entry = slot[group[coo.row]] >= 0
        blocks = np.zeros((np.count_nonzero(size == s), s, s))
        r, c = coo.row[entry], coo.col[entry]
        blocks[slot[group[r]], position[r], position[c]] = coo.data[entry]
        inverse_diag = np.linalg.inv(blocks).diagonal(axis1=1, axis2=2)
        items = np.flatnonzero(slot[group] >= 0)
        var[items] = inverse_diag[slot[group[items]], position[items]]
    return var - prior_var / m


def _bp_variance(a, b, weight, diag) -> np.ndarray:
    """Gaussian belief propagation estimate of diag(H⁻¹) minus each group's location part,
    for H = diag on the diagonal and −weight at (a, b) and (b, a).

    Exact on trees; on larger comparison graphs the loops are long and it stays within ~1%.
    H is diagonally dominant (a graph Laplacian plus the prior), so the messages converge.
    """
    m, k = diag.size, a.size
    src, dst = np.concatenate([a, b]), np.concatenate([b, a])
    reverse = np.concatenate([np.arange(k, 2 * k), np.arange(k)])
    weight_sq = np.concatenate([weight, weight]) ** 2
    message = np.zeros(2 * k)  # precision that src sends to dst
    precision = diag.copy()
    for _ in range(500):
        message = -weight_sq / (precision[src] - message[reverse])
        new_precision = diag + np.bincount(dst, message, m)
        done = np.max(np.abs(new_precision - precision) / new_precision) < _BP_RTOL
        precision = new_precision
        if done:
            break
    return 1 / precision


def _dispersion(m: int, w: np.ndarray, l: np.ndarray, vote: np.ndarray, theta: np.ndarray):
    """Per item, how much wider than the pair model its variance is, from best-of-k dependence.

    For each vote size k > 2: phi_k = sum of squared vote scores / information of its pairs
    (1 for independent pairs; at least 1 is kept). An item's factor is the information-weighted
    mean of phi over the votes it took part in.
    """
    q = expit(theta[l] - theta[w])  # score of each pair for its winner: 1 − P(win)
    info = q * (1 - q)
    n_votes = int(vote.max()) + 1
    pairs_in_vote = np.bincount(vote, minlength=n_votes)
    vote_score_sq = np.bincount(vote, q, n_votes) ** 2 + np.bincount(vote, q**2, n_votes)
    k = pairs_in_vote[vote]
    phi = np.ones(k.size)
    for size in np.unique(k[k > 1]):
        in_size = pairs_in_vote == size
        ratio = vote_score_sq[in_size].sum() / (2 * info[k == size].sum())
        phi[k == size] = max(1.0, ratio)
    item_info = np.bincount(w, info, m) + np.bincount(l, info, m)
    with np.errstate(invalid="ignore", divide="ignore"):
        factor = (np.bincount(w, phi * info, m) + np.bincount(l, phi * info, m)) / item_info
    return np.where(item_info > 0, factor, 1.0)


# ----------------------------------------------------------------------------- what next


def next_comparison(n_items: int, comparisons_per_item, strength, last_set_for_rater,
                    size: int = 2, rng: np.random.Generator | None = None,
                    exclude: Collection[int] = ()) -> np.ndarray | None:
    """Item indices for the next /compare round, in random display order; None when fewer
    than `size` items remain after `exclude` (pictures that failed to load).

    The least-compared item (ties at random) meets the `size`−1 closest in strength among the
    POOL_PER_SLOT·size least-compared others; NaN strength counts as 0. The set is never the
    rater's last set unless only `size` items exist.
    """
    rng = rng if rng is not None else np.random.default_rng()
    if size < 2:
        raise ValueError(f"size must be at least 2, got {size}")
    available = np.setdiff1d(np.arange(n_items), np.fromiter(exclude, dtype=np.int64))
    if available.size < size:
        return None
    counts = np.asarray(comparisons_per_item)[available]
    ranked = available[np.lexsort((rng.random(available.size), counts))]
    if ranked.size == size:
        return rng.permutation(ranked)
    anchor, pool = ranked[0], ranked[1:1 + POOL_PER_SLOT * size]
    level = np.nan_to_num(np.asarray(strength, dtype=float), nan=0.0)
    # Stable sort keeps the least-compared first among equally close partners.
    pool = pool[np.argsort(np.abs(level[pool] - level[anchor]), kind="stable")]
    chosen = np.concatenate([[anchor], pool[:size - 1]])
    if last_set_for_rater is not None and set(chosen.tolist()) == set(last_set_for_rater):
        chosen[-1] = pool[size - 1]
    return rng.permutation(chosen)


def next_to_rate(ratings_per_image, rated_by_me: Collection[int],
                 skipped: Collection[int] = ()) -> int | None:
    """Next image index for /rate: not rated by this rater nor skipped, fewest ratings first
    (ties: lowest index). None when nothing is left."""
    count = np.asarray(ratings_per_image, dtype=float).copy()
    for done in (rated_by_me, skipped):
        count[np.fromiter(done, dtype=np.int64)] = np.inf
    best = int(np.argmin(count)) if count.size else 0
    return None if count.size == 0 or np.isinf(count[best]) else best
