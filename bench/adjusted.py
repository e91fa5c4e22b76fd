"""Timing of the adjusted impact (SPEC §12) and the pooled view against the raw statistics.

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

from data.analysis import build_index, feature_stats  # noqa: E402
from data.matrix import matrix_from_table  # noqa: E402
from data.payloads import FeatureTable, validate_features  # noqa: E402
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


def median_ms(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="659,100000")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threshold", type=float, default=0.0)
    args = parser.parse_args()
    t = args.threshold
    print(f"load average before: {os.getloadavg()[0]:.2f}   threshold {t}, "
          f"median of {args.repeats}")
    header = (f"{'images':>8} {'features':>8} {'nnz':>10} {'in model':>8} | "
              f"{'feature_stats':>13} {'adjusted':>10} {'ratio':>7} | "
              f"{'pooled':>8} {'ratio':>7} {'pooled index':>12}")
    print(header)
    print("-" * len(header))
    for n_images in (int(s) for s in args.sizes.split(",")):
        matrix, y, imp, clk = load(n_images)
        index = build_index(matrix, y)
        shown = feature_stats(index, t)
        result = adjusted_impact(index, t, shown.feature_index)
        floor = median_ms(lambda: feature_stats(index, t), args.repeats)
        adjusted = median_ms(lambda: adjusted_impact(index, t, feature_stats(index, t)
                                                     .feature_index), args.repeats)
        pooled_index = build_pooled_index(index.col_ptr, index.rows, index.values, imp, clk)
        build_ms = median_ms(lambda: build_pooled_index(index.col_ptr, index.rows,
                                                        index.values, imp, clk), args.repeats)
        pooled = median_ms(lambda: pooled_impact(pooled_index, t), args.repeats)
        print(f"{matrix.n_images:>8} {matrix.n_features:>8} {len(index.rows):>10} "
              f"{result.n_columns - 1:>8} | {floor:>10.1f} ms {adjusted:>7.1f} ms "
              f"{adjusted / floor:>6.1f}x | {pooled:>5.1f} ms {pooled / floor:>6.1f}x "
              f"{build_ms:>9.1f} ms")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print("adjusted includes the feature_stats call that picks the features (as the API would).")


if __name__ == "__main__":
    main()
