"""Timing of the adjusted impact (docs/statistics.md, adjusted impact) and the pooled view against the raw statistics.

    python bench/adjusted.py [--sizes 659,100000] [--repeats 5] [--threshold 0.0]

Sizes: 659 is the generated demo (data/demo.py); larger sizes use bench/datagen.py (480
features, 10% non-zero on average, long-tailed prevalence, planted effects). For each size
the index is built once, then each computation runs --repeats times and the median is shown
with its ratio to feature_stats (data/analysis.py) on the same data: the floor every query
already pays. The machine is shared: the load average is printed before and after.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from data.stats.features import build_index, feature_stats  # noqa: E402
from data.domain.matrix import matrix_from_table  # noqa: E402
from data.domain.matrix import FeatureTable  # noqa: E402
from data.payloads.features import validate_features  # noqa: E402
from data.stats.adjusted import adjusted_impact  # noqa: E402
from data.stats.weighted import build_pooled_index, pooled_impact  # noqa: E402


def load(n_images: int):
    """(matrix, y, impressions, clicks) for a demo-sized or generated build."""
    if n_images == 659:
        from data.demo import generate_demo
        features, metrics = generate_demo(n_images)
        matrix = matrix_from_table(validate_features(features))
        imp = np.array([metrics.get(n, {}).get("impressions", math.nan)
                        for n in matrix.image_names], dtype=float)
        clk = np.array([metrics.get(n, {}).get("clicks", math.nan)
                        for n in matrix.image_names], dtype=float)
    else:
        from bench.datagen import generate
        data = generate(n_images)
        matrix = matrix_from_table(FeatureTable(data.image_names, data.feature_names,
                                                data.rows, data.cols, data.values))
        order = {name: i for i, name in enumerate(data.image_names)}
        at = np.array([order[n] for n in matrix.image_names])
        imp = np.where(data.impressions[at] >= 0, data.impressions[at], np.nan).astype(float)
        clk = np.where(data.clicks[at] >= 0, data.clicks[at], np.nan).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        y = np.where(imp > 0, clk / imp, np.nan)
    return matrix, y, imp, clk


def median_ms(fn, repeats: int) -> tuple[float, float]:
    """(median wall ms, median CPU ms of this process, all threads) over `repeats` runs."""
    wall, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="659,100000")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threshold", type=float, default=0.0)
    args = parser.parse_args()
    t = args.threshold
    print(f"load average before: {os.getloadavg()[0]:.2f}   threshold {t}, "
          f"median of {args.repeats}")
    header = (f"{'images':>7} {'feats':>5} {'nnz':>9} {'model':>5} | {'feature_stats':>13} | "
              f"{'adjusted wall':>13} {'(cpu)':>9} {'ratio':>8} | {'pooled':>8} {'ratio':>6} | "
              f"{'pooled index':>12}")
    print(header)
    print("-" * len(header))
    for n_images in (int(s) for s in args.sizes.split(",")):
        matrix, y, imp, clk = load(n_images)
        index = build_index(matrix, y)
        model = adjusted_impact(index, t, feature_stats(index, t).feature_index).n_columns - 1
        floor, _ = median_ms(lambda: feature_stats(index, t), args.repeats)
        adjusted, adjusted_cpu = median_ms(
            lambda: adjusted_impact(index, t, feature_stats(index, t).feature_index), args.repeats)
        pooled_index = build_pooled_index(index.col_ptr, index.rows, index.values, imp, clk)
        build_ms, _ = median_ms(lambda: build_pooled_index(index.col_ptr, index.rows,
                                                           index.values, imp, clk), args.repeats)
        pooled, _ = median_ms(lambda: pooled_impact(pooled_index, t), args.repeats)
        print(f"{matrix.n_images:>7} {matrix.n_features:>5} {len(index.rows):>9} {model:>5} | "
              f"{floor:>10.1f} ms | {adjusted:>10.1f} ms {adjusted_cpu:>6.0f} ms "
              f"{adjusted / floor:>7.0f}x | {pooled:>5.1f} ms {pooled / floor:>5.1f}x | "
              f"{build_ms:>9.1f} ms")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print("adjusted includes the feature_stats call that picks the features (as the API would);\n"
          "cpu is the process CPU time over all threads; ratios are to feature_stats.")


if __name__ == "__main__":
    main()
