"""Whole-route timing of the judgement reads at the sizes docs/statistics.md ("Human judgements") must serve, over HTTP against
the real server (gunicorn, one worker):

    python bench/scores_route.py [--images 10000] [--votes 200000] [--ratings 50000]
                                 [--rounds 5] [--backend sqlite|postgresql]

Loads a build of --images images (8 features each), then --ratings ratings and --votes votes
(half pairs, half best of four, from known strengths; bench/judgements.py generates them)
through PUT /api/v1/ratings and /preferences. Then, per line, the median over --rounds:

- GET /scores after a new vote (the scoreboard is recomputed: database read + statistics +
  JSON), and again with nothing new (served from the per-worker cache);
- GET /features?outcome=strength after a new vote and cached;
- GET /similar (k=12) on a cached build.
Each line gives wall time (what a client waits) and the server worker's CPU time for the same
request (from /proc: steadier than wall time on a shared machine).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import requests

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.judgements import generate_ratings, generate_votes  # noqa: E402
from tests.support.databases import new_database  # noqa: E402
from tests.support.server import LiveServer  # noqa: E402

IDENT = {"Business": "Bench", "Image-Source": "judged"}
QUERY = {"business": "Bench", "image_source": "judged"}


def load(srv: LiveServer, n_images: int, n_ratings: int, n_votes: int, rng) -> list[str]:
    names = [f"img{i:06d}.jpg" for i in range(n_images)]
    features = {name: {f"f{(i * 7 + j) % 60:02d}": float(rng.uniform(0.05, 1)) for j in range(8)}
                for i, name in enumerate(names)}
    put(srv, "features", features)
    image, rater, score, _ = generate_ratings(rng, n_images, n_ratings)
    rows = [{"image": names[i], "score": int(s), "rater": f"rater{r:03d}",
             "at": f"2024-05-{1 + k % 28:02d}T{k % 24:02d}:{k % 60:02d}:00Z"}
            for k, (i, r, s) in enumerate(zip(image.tolist(), rater.tolist(), score.tolist()))]
    for i in range(0, len(rows), 50_000):
        put(srv, "ratings", rows[i:i + 50_000])
    _, winner, others = generate_votes(rng, n_images, n_votes)
    votes = [{"winner": names[w], "others": [names[o] for o in os_], "rater": f"rater{k % 200:03d}",
              "at": f"2024-06-01T00:00:00.{k:06d}Z"}
             for k, (w, os_) in enumerate(zip(winner.tolist(), others))]
    for i in range(0, len(votes), 50_000):
        put(srv, "preferences", votes[i:i + 50_000])
    return names


def put(srv: LiveServer, route: str, body) -> dict:
    r = requests.put(srv.url("api/v1/" + route), json=body, headers=IDENT, timeout=900)
    r.raise_for_status()
    return r.json()


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of the processes so far (Linux /proc)."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)
    return total / os.sysconf("SC_CLK_TCK")


def get(srv: LiveServer, route: str, **params) -> tuple[float, float, int]:
    """(wall seconds, worker CPU seconds, bytes) of one GET."""
    pids = srv.worker_pids()
    cpu, t = cpu_seconds(pids), time.perf_counter()
    r = requests.get(srv.url("api/v1/" + route), params={**QUERY, **params}, timeout=900)
    r.raise_for_status()
    return time.perf_counter() - t, cpu_seconds(pids) - cpu, len(r.content)


def new_vote(srv: LiveServer, names: list[str], k: int) -> None:
    """A vote nobody sent before (a repeat would not be stored, and nothing would change)."""
    put(srv, "preferences", [{"winner": names[k % len(names)],
                              "others": [names[(k * 7 + 1) % len(names)]],
                              "rater": f"bench{k}"}])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--votes", type=int, default=200_000)
    parser.add_argument("--ratings", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--backend", default="sqlite", choices=("sqlite", "postgresql"))
    args = parser.parse_args()
    rng = np.random.default_rng(2024)
    with tempfile.TemporaryDirectory() as tmp, \
            new_database(args.backend, Path(tmp), "bench_scores") as url, \
            LiveServer(url, env={"MAX_INGEST_BYTES": str(2 << 30)}, startup_timeout=120) as srv:
        t = time.perf_counter()
        names = load(srv, args.images, args.ratings, args.votes, rng)
        print(f"loaded {args.images:,} images, {args.ratings:,} ratings, {args.votes:,} votes "
              f"through the API in {time.perf_counter() - t:.1f} s ({args.backend})")
        lines = []

        def line(label: str, fn) -> None:
            walls, cpus, size = [], [], 0
            for k in range(args.rounds):
                wall, cpu, size = fn(k)
                walls.append(wall)
                cpus.append(cpu)
            lines.append((label, statistics.median(walls), max(walls), statistics.median(cpus),
                          size))

        def after_vote(route, offset, **params):
            def run(k):
                new_vote(srv, names, offset + k)
                return get(srv, route, **params)
            return run

        line("GET /scores after a new vote (recomputed)", after_vote("scores", 0))
        line("GET /scores, nothing new (cached)", lambda k: get(srv, "scores"))
        line("GET /features?outcome=strength after a new vote",
             after_vote("features", 1000, outcome="strength"))
        line("GET /features?outcome=strength (cached)",
             lambda k: get(srv, "features", outcome="strength"))
        line("GET /similar k=12", lambda k: get(srv, "similar", image=names[k * 37]))
    print(f"{'route':<52}{'wall s':>8}{'max s':>8}{'CPU s':>8}{'bytes':>12}")
    for label, median, worst, cpu, size in lines:
        print(f"{label:<52}{median:8.3f}{worst:8.3f}{cpu:8.2f}{size:12,}")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
