"""Timing of the label and build-quality statistics at 100,000 images x 480 features (10% dense).

    python bench/quality.py [--images 100000] [--runs 5]

Prints the median of --runs of each step and its ratio to the canonicalisation floor measured in
the same run: `matrix_from_table(validate_features(body))`, the least work any ingest of that
build does after parsing its JSON. Targets: run_checks well under 10% of an ingest (< 150 ms),
threshold_points at 100,000 labelled images well under 100 ms. Timings on a shared machine are
noisy: run it when `uptime` shows little load.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.datagen import generate  # noqa: E402
from data.analysis import build_index, feature_stats  # noqa: E402
from data.matrix import matrix_from_table  # noqa: E402
from data.payloads import validate_features  # noqa: E402
from data.stats.compare import compare_builds  # noqa: E402
from data.stats.fixes import apply_fixes  # noqa: E402
from data.stats.quality import run_checks  # noqa: E402
from data.stats.thresholds import threshold_points  # noqa: E402
from data.stats.vectors import image_fingerprints  # noqa: E402


def median_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--images", type=int, default=100_000)
    p.add_argument("--runs", type=int, default=5)
    args = p.parse_args(argv)

    # The previous build: the same distribution, another draw, 2% of its images gone and 2% new.
    data = generate(args.images)
    previous_data = generate(args.images, seed=7)
    body = orjson.loads(data.features_body)
    previous_body = orjson.loads(previous_data.features_body)
    new = matrix_from_table(validate_features(body))
    previous = matrix_from_table(validate_features(dict(list(previous_body.items())[: int(
        0.98 * args.images)] + [(f"extra/{i}", {"sky": 0.5}) for i in range(args.images // 50)])))

    rng = np.random.default_rng(1)
    values = np.round(rng.beta(1.2, 1.5, args.images), 6)
    values[rng.random(args.images) < 0.3] = 0.0
    fixed_present = rng.random(args.images) < values
    fixes = {(new.image_names[int(i)], new.feature_names[int(f)]): bool(rng.random() < 0.5)
             for i, f in zip(rng.integers(0, new.n_images, 10_000),
                             rng.integers(0, new.n_features, 10_000))}
    y = rng.uniform(0.01, 0.05, new.n_images)
    stats_new = feature_stats(build_index(new, y), 0.2)
    y_prev = rng.uniform(0.01, 0.05, previous.n_images)
    stats_prev = feature_stats(build_index(previous, y_prev), 0.2)

    r = args.runs
    floor = median_ms(lambda: matrix_from_table(validate_features(body)), r)
    rows = [
        ("run_checks (all six checks)", median_ms(lambda: run_checks(new, previous), r)),
        ("  of which image_fingerprints", median_ms(lambda: image_fingerprints(new), r)),
        (f"threshold_points ({args.images:,} labelled)",
         median_ms(lambda: threshold_points(values, fixed_present), r)),
        ("apply_fixes (10,000 fixes)", median_ms(lambda: apply_fixes(new, fixes), r)),
        ("compare_builds", median_ms(
            lambda: compare_builds(previous, new, stats_prev, stats_new), r)),
    ]
    print(f"{args.images:,} images x {new.n_features} features, {new.nnz:,} non-zero values; "
          f"median of {r}; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print(f"{'step':<40} {'ms':>9} {'/ floor':>9}")
    print(f"{'floor: matrix_from_table(validate_...)':<40} {floor:>9.1f} {1.0:>9.3f}")
    for name, ms in rows:
        print(f"{name:<40} {ms:>9.1f} {ms / floor:>9.3f}")


if __name__ == "__main__":
    main()
