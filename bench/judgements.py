"""Timing of the judgement statistics at the sizes docs/statistics.md ("Human judgements")'s endpoints must serve.

    python bench/judgements.py [--images 10000] [--votes 200000] [--ratings 50000]
                               [--similar-images 100000] [--rounds 5]

GET /api/v1/scores: latest scores, per-image mean and t-interval, Krippendorff's alpha, and
Bradley–Terry with intervals, on generated ratings and votes (half pairs, half best-of-4).
GET /api/v1/similar: one cosine query at 100,000 images x 480 features, 10% non-zero.
Each line is the median of --rounds runs, wall clock and CPU time (the machine is shared: CPU
time is the steadier of the two). Floors: one gradient pass over the pairs (expit and four
bincounts) for Bradley–Terry; one scan of all entries (`rows == query`) for a cosine query.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np
from scipy.special import expit

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from data.stats.judgements import (  # noqa: E402
    bradley_terry,
    krippendorff_alpha_interval,
    latest_scores,
    score_summary,
    votes_to_pairs,
)
from data.stats.similar import cosine_neighbours, image_norms  # noqa: E402


def timed(fn, rounds: int):
    """(median wall seconds, median CPU seconds, last result)."""
    walls, cpus = [], []
    for _ in range(rounds):
        w, c = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return statistics.median(walls), statistics.median(cpus), result


def generate_votes(rng, n_images: int, n_votes: int):
    """Votes by Luce's choice rule from known strengths, as (winner, others lists)."""
    truth = rng.normal(0, 1, n_images)
    size = np.where(rng.random(n_votes) < 0.5, 4, 2)
    shown = rng.integers(n_images, size=(n_votes, 4))
    while True:  # redraw sets with a repeated image
        s = np.sort(shown, axis=1)
        clash = np.any(s[:, 1:] == s[:, :-1], axis=1) & (size == 4) | (shown[:, 0] == shown[:, 1])
        if not clash.any():
            break
        shown[clash] = rng.integers(n_images, size=(clash.sum(), 4))
    utility = truth[shown] + rng.gumbel(size=shown.shape)  # Gumbel-max = Luce's rule
    utility[size == 2, 2:] = -np.inf
    pick = np.argmax(utility, axis=1)
    winner = shown[np.arange(n_votes), pick]
    others = [[int(j) for k, j in enumerate(row[:n]) if k != p]
              for row, n, p in zip(shown.tolist(), size.tolist(), pick.tolist())]
    return truth, winner, others


def generate_ratings(rng, n_images: int, n_ratings: int, n_raters: int = 200):
    image = rng.integers(n_images, size=n_ratings)
    rater = rng.integers(n_raters, size=n_ratings)
    quality = rng.normal(5.5, 1.5, n_images)
    score = np.clip(np.rint(quality[image] + rng.normal(0, 1.2, n_ratings)), 1, 10)
    return image, rater, score, rng.integers(0, 10**9, size=n_ratings)


def generate_build(rng, n_images: int, n_features: int, density: float):
    """Column-major sparse build: per feature, the entries sorted by value."""
    counts = rng.binomial(n_images, density, size=n_features)
    col_ptr = np.concatenate([[0], np.cumsum(counts)])
    rows, values = [], []
    for k in counts.tolist():
        r = rng.choice(n_images, size=k, replace=False)
        v = rng.uniform(0.01, 1, size=k)
        order = np.argsort(v, kind="stable")
        rows.append(r[order])
        values.append(v[order])
    return col_ptr, np.concatenate(rows).astype(np.int32), np.concatenate(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--votes", type=int, default=200_000)
    parser.add_argument("--ratings", type=int, default=50_000)
    parser.add_argument("--similar-images", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(2024)
    n, rounds = args.images, args.rounds
    truth, winner, others = generate_votes(rng, n, args.votes)
    ratings = generate_ratings(rng, n, args.ratings)
    rows = []

    def line(label, fn, floor=None):
        wall, cpu, result = timed(fn, rounds)
        ratio = "" if floor is None else f"{wall / floor:.0f}x"
        rows.append((label, wall, cpu, ratio))
        return result

    latest = line("latest_scores", lambda: latest_scores(*ratings))
    line("score_summary", lambda: score_summary(n, *latest))
    line("krippendorff_alpha_interval", lambda: krippendorff_alpha_interval(*latest))
    winners, losers, vote = line("votes_to_pairs", lambda: votes_to_pairs(winner, others))

    def gradient_pass(theta=np.zeros(n)):
        q = expit(theta[losers] - theta[winners])
        return (np.bincount(winners, q, n) - np.bincount(losers, q, n)
                + np.bincount(winners, q * q, n) + np.bincount(losers, q * q, n))

    floor, floor_cpu, _ = timed(gradient_pass, rounds)
    rows.append(("  floor: one gradient pass over the pairs", floor, floor_cpu, "1x"))
    line("bradley_terry, no intervals", lambda: bradley_terry(n, winners, losers, ci="none"),
         floor)
    result = line("bradley_terry with intervals", lambda: bradley_terry(n, winners, losers, vote),
                  floor)
    scores_total = sum(r[1] for r in rows if not r[0].startswith(" ") and "no interv" not in r[0])
    rows.append(("GET /scores work (sum of the lines above)", scores_total, float("nan"), ""))

    centred = truth - truth.mean()
    cover = np.mean((result.strength_ci_low <= centred) & (centred <= result.strength_ci_high))

    m = args.similar_images
    col_ptr, entry_rows, values = generate_build(rng, m, 480, 0.10)
    norms = line("image_norms (once per build)", lambda: image_norms(col_ptr, entry_rows, values,
                                                                     m))
    queries = iter(rng.integers(m, size=rounds * 3).tolist())
    scan, scan_cpu, _ = timed(lambda: np.flatnonzero(entry_rows == next(queries)), rounds)
    rows.append(("  floor: one scan of all entries", scan, scan_cpu, "1x"))
    line("cosine_neighbours, k=12", lambda: cosine_neighbours(
        col_ptr, entry_rows, values, m, next(queries), 12, norms), scan)

    print(f"{n:,} images, {args.votes:,} votes ({winners.size:,} pairs), {args.ratings:,} ratings;"
          f" similar: {m:,} x 480 at 10% ({values.size:,} entries); median of {rounds}")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"{'step':<44}{'wall ms':>10}{'CPU ms':>10}{'ratio':>8}")
    for label, wall, cpu, ratio in rows:
        cpu_text = "" if np.isnan(cpu) else f"{cpu * 1e3:10.1f}"
        print(f"{label:<44}{wall * 1e3:10.1f}{cpu_text:>10}{ratio:>8}")
    print(f"95% strength intervals covering the generating truth: {cover:.1%}")


if __name__ == "__main__":
    main()
