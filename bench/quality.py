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
from data.stats.features import build_index, feature_stats  # noqa: E402
from data.domain.matrix import matrix_from_table  # noqa: E402
from data.payloads.features import validate_features  # noqa: E402
from data.stats.compare import compare_builds  # noqa: E402
from data.stats.fixes import apply_fixes  # noqa: E402
from data.stats.quality import run_checks  # noqa: E402
from data.stats.thresholds import threshold_points  # noqa: E402
from data.stats.vectors import image_fingerprints  # noqa: E402


def median_ms(steps: list[tuple[str, object]], runs: int) -> dict[str, float]:
    """Median wall time of each step in ms. Steps are run round-robin, so that the load of a
    shared machine falls on all of them alike and the ratios stay meaningful."""
    times: dict[str, list[float]] = {name: [] for name, _ in steps}
    for _ in range(runs):
        for name, fn in steps:
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: 1000 * statistics.median(t) for name, t in times.items()}


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
    del previous_body, previous_data  # keep only what an ingest holds: this build's parsed body

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

    floor_name = "floor: matrix_from_table(validate_...)"
    steps = [
        (floor_name, lambda: matrix_from_table(validate_features(body))),
        ("run_checks (all six checks)", lambda: run_checks(new, previous)),
        ("  of which image_fingerprints", lambda: image_fingerprints(new)),
        (f"threshold_points ({args.images:,} labelled)",
         lambda: threshold_points(values, fixed_present)),
        ("apply_fixes (10,000 fixes)", lambda: apply_fixes(new, fixes)),
        ("compare_builds", lambda: compare_builds(previous, new, stats_prev, stats_new)),
    ]
    ms = median_ms(steps, args.runs)
    print(f"{args.images:,} images x {new.n_features} features, {new.nnz:,} non-zero values; "
          f"median of {args.runs}, round-robin; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print(f"{'step':<40} {'ms':>9} {'/ floor':>9}")
    for name, _ in steps:
        print(f"{name:<40} {ms[name]:>9.1f} {ms[name] / ms[floor_name]:>9.3f}")


if __name__ == "__main__":
    main()
