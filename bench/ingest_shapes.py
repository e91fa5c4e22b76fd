"""Ingest time per value shape, against the JSON parse floor.

    python bench/ingest_shapes.py [--images 100000] [--density 0.10] [--repeats 3]
                                  [--shapes uniform6,rounded4,float32,mostly_ones,few_distinct]

For each value shape of bench/datagen.py (few ties, values rounded to 4 decimals, float32
values, 90% ones, 5 distinct values) it generates one sparse build of --images x 480 features
and prints the median of --repeats runs of:

* parse: `orjson.loads(body)`, the floor (no ingest can be faster than reading its JSON);
* whole: parse_json -> validate_features -> matrix_from_table -> to_bytes, what a PUT does
  before it writes (the stages' medians are shown too);
* ratio = whole / parse. The target is <= 3x on every shape.

Timings on a shared machine are noisy: run it when `uptime` shows little load.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from pathlib import Path

import numpy as np
import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.datagen import VALUE_SHAPES, generate  # noqa: E402
from data.matrix import matrix_from_table  # noqa: E402
from data.payloads import parse_json, validate_features  # noqa: E402


def parse_time(body: bytes) -> float:
    gc.collect()
    t0 = time.perf_counter()
    obj = orjson.loads(body)
    elapsed = time.perf_counter() - t0
    del obj
    return elapsed


def ingest_times(body: bytes) -> dict[str, float]:
    """Seconds of each stage of one ingest; the parsed body is freed after the clock stops."""
    gc.collect()
    t0 = time.perf_counter()
    obj = parse_json(body)
    t1 = time.perf_counter()
    table = validate_features(obj)
    t2 = time.perf_counter()
    matrix = matrix_from_table(table)
    t3 = time.perf_counter()
    blob = matrix.to_bytes()
    t4 = time.perf_counter()
    del obj, table, matrix, blob
    return {"parse": t1 - t0, "validate": t2 - t1, "canonicalise": t3 - t2, "to_bytes": t4 - t3,
            "whole": t4 - t0}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=100_000)
    ap.add_argument("--density", type=float, default=0.10)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--shapes", default=",".join(VALUE_SHAPES))
    args = ap.parse_args()

    print(f"{args.images} images x 480 features, {args.density:.0%} non-zero, "
          f"median of {args.repeats}; load average {os.getloadavg()[0]:.2f}")
    header = (f"{'shape':<13} {'nnz':>9} {'distinct':>9} {'body MB':>8} {'parse s':>8} "
              f"{'whole s':>8} {'ratio':>6} | {'validate':>8} {'canon':>6} {'to_bytes':>8}")
    print(header)
    print("-" * len(header))
    for shape in args.shapes.split(","):
        data = generate(args.images, density=args.density, value_shape=shape)
        body = data.features_body
        floor = float(np.median([parse_time(body) for _ in range(args.repeats)]))
        runs = [ingest_times(body) for _ in range(args.repeats)]
        med = {k: float(np.median([r[k] for r in runs])) for k in runs[0]}
        print(f"{shape:<13} {data.nnz:>9} {len(np.unique(data.values)):>9} "
              f"{len(body) / 1e6:>8.1f} {floor:>8.2f} {med['whole']:>8.2f} "
              f"{med['whole'] / floor:>5.1f}x | {med['validate']:>8.2f} "
              f"{med['canonicalise']:>6.2f} {med['to_bytes']:>8.2f}", flush=True)
        del data, body


if __name__ == "__main__":
    main()
