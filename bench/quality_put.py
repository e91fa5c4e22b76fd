"""What the quality checks add to a 100,000-image PUT /api/v1/features (docs/statistics.md, build quality).

    python bench/quality_put.py [--images 100000] [--runs 5] [--backend sqlite|postgresql]

Runs the real app in-process (Flask test client, the route's whole path: body, parse, checks,
write) on a fresh database. Each timed PUT sends a new build of the same image source (two
draws, alternating, so every PUT is a new build checked against the other). The checks' share
is timed inside the PUT: the route's QualityCheck is wrapped with a timer, so the number is the
checks as they run there (fetching the previous build's matrix, then run_checks), against the
whole PUT around them. "warm": the previous build is in the worker's cache (the PUT before
warmed it, as in a live worker); "cold": the cache is emptied first (another worker took the
previous PUT), so the previous build is read and decoded from the database inside the check.
Target: checks under 10% of the ingest.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import api.builds  # noqa: E402
from app import create_app  # noqa: E402
from bench.datagen import generate  # noqa: E402
from config import Settings  # noqa: E402
from tests.support.databases import new_database  # noqa: E402

HEADERS = {"Business": "Bench", "Image-Source": "quality", "Content-Type": "application/json"}


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--images", type=int, default=100_000)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    args = p.parse_args(argv)

    bodies = [generate(args.images, seed=seed).features_body for seed in (1, 2)]
    check_seconds: list[float] = []
    original = api.builds.quality_check

    def timed_quality_check(gate, matrix, cache):
        check = original(gate, matrix, cache)

        def timed(previous_build_id, previous_hash):
            start = time.perf_counter()
            try:
                return check(previous_build_id, previous_hash)
            finally:
                check_seconds.append(time.perf_counter() - start)
        return timed

    api.builds.quality_check = timed_quality_check
    with tempfile.TemporaryDirectory() as tmp, new_database(args.backend, Path(tmp)) as url:
        app = create_app(Settings(database_url=url, load_demo=False))
        client = app.server.test_client()
        cache = app.server.extensions["image_dashboard"].cache
        assert client.put("/api/v1/features", data=bodies[1], headers=HEADERS).status_code == 201
        results = {"warm": [], "cold": []}
        for run in range(args.runs):
            for mode in ("warm", "cold"):
                body = bodies[(2 * run + (mode == "cold")) % 2]
                current = app.server.extensions["image_dashboard"].store.locate(
                    "Bench", "quality").current_build_id
                if mode == "warm":
                    cache.matrix(current)  # what the last PUT's background warm-up did
                else:
                    cache._matrices.clear()
                    cache._datasets.clear()
                start = time.perf_counter()
                r = client.put("/api/v1/features", data=body, headers=HEADERS)
                total = time.perf_counter() - start
                assert r.status_code == 201, r.json
                results[mode].append((total, check_seconds[-1]))
        api.builds.quality_check = original

    print(f"PUT /api/v1/features, {args.images:,} images x 480 features (10% non-zero), "
          f"{len(bodies[0]) / 1e6:.0f} MB body, {args.backend}; median of {args.runs}; "
          f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print(f"{'previous build':<16} {'PUT ms':>9} {'checks ms':>10} {'checks / PUT':>13}")
    for mode, rows in results.items():
        total = statistics.median(t for t, _ in rows)
        checks = statistics.median(c for _, c in rows)
        share = statistics.median(c / t for t, c in rows)
        print(f"{mode:<16} {1000 * total:>9.0f} {1000 * checks:>10.0f} {100 * share:>12.1f}%")


if __name__ == "__main__":
    main()
