"""Ingest time per value shape, against the JSON parse floor.

    python bench/ingest_shapes.py [--images 100000] [--density 0.10] [--repeats 3] [--cpu]
                                  [--one-process]
                                  [--shapes uniform6,rounded4,float32,mostly_ones,few_distinct,
                                            full_precision,integers,wide_range]

For each value shape of bench/datagen.py (few ties, values rounded to 4 decimals, float32
values, 90% ones, 5 distinct values, unrounded float64, JSON integers 1-20, log-normal values
from ~1e-3 to ~1e3) it generates one sparse build of --images x 480 features
and prints the median of --repeats runs (parse and whole alternated) of:

* parse: `orjson.loads(body)`, the floor (no ingest can be faster than reading its JSON);
* whole: features_from_json (parse and checks; a body of 16 MB or more is read by two processes
  at once, data/payloads/json_halves.py) -> matrix_from_table -> to_bytes, what a PUT does
  before it writes (the stages' medians are shown too); --one-process reads every body in this
  process alone, as a server with PARALLEL_PARSE_BYTES=0 does;
* ratio = whole / parse. The target is <= 3x on every shape.

The ingest runs in the server's memory policy for reading a build (data/storage/heap.py).

Timings on a shared machine are noisy: run it when `uptime` shows little load. --cpu times
with this process's CPU clock instead of the wall clock: steadier under load, but it adds up
both threads of the canonical sort, so it overstates that stage's wall time on idle cores, and
it leaves out the child process that reads the first half of a large body.
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
from data.domain.matrix import matrix_from_table  # noqa: E402
from data.payloads.features import PARALLEL_PARSE_BYTES, features_from_json  # noqa: E402
from data.storage.heap import ingest_memory, release_free_memory  # noqa: E402


def parse_time(body: bytes, clock) -> float:
    gc.collect()
    t0 = clock()
    obj = orjson.loads(body)
    elapsed = clock() - t0
    del obj
    return elapsed


def ingest_times(body: bytes, clock, parallel_from: int) -> dict[str, float]:
    """Seconds of each stage of one ingest; the checked table is freed after the clock stops."""
    gc.collect()
    with ingest_memory():  # as PUT /api/v1/features reads a build
        t0 = clock()
        table = features_from_json(body, parallel_from)
        t1 = clock()
        matrix = matrix_from_table(table)
        t2 = clock()
        blob = matrix.to_bytes()
        t3 = clock()
        del table, matrix, blob
    release_free_memory()  # as the server does after the answer
    return {"read": t1 - t0, "canonicalise": t2 - t1, "to_bytes": t3 - t2, "whole": t3 - t0}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=100_000)
    ap.add_argument("--density", type=float, default=0.10)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--shapes", default=",".join(VALUE_SHAPES))
    ap.add_argument("--cpu", action="store_true", help="CPU clock instead of wall clock")
    ap.add_argument("--one-process", action="store_true",
                    help="read every body in this process alone (PARALLEL_PARSE_BYTES=0)")
    args = ap.parse_args()
    clock = time.process_time if args.cpu else time.perf_counter
    parallel_from = 0 if args.one_process else PARALLEL_PARSE_BYTES

    print(f"{args.images} images x 480 features, {args.density:.0%} non-zero, "
          f"median of {args.repeats}, {'CPU' if args.cpu else 'wall'} seconds, "
          f"{'one process' if args.one_process else 'large bodies read in two processes'}; "
          f"load average {os.getloadavg()[0]:.2f}")
    header = (f"{'shape':<14} {'nnz':>9} {'distinct':>9} {'body MB':>8} {'parse s':>8} "
              f"{'whole s':>8} {'ratio':>6} | {'read':>6} {'canon':>6} {'to_bytes':>8}")
    print(header)
    print("-" * len(header))
    for shape in args.shapes.split(","):
        data = generate(args.images, density=args.density, value_shape=shape)
        body = data.features_body
        floors, runs = [], []
        for _ in range(args.repeats):  # alternated, so both see the same load
            floors.append(parse_time(body, clock))
            runs.append(ingest_times(body, clock, parallel_from))
        floor = float(np.median(floors))
        med = {k: float(np.median([r[k] for r in runs])) for k in runs[0]}
        print(f"{shape:<14} {data.nnz:>9} {len(np.unique(data.values)):>9} "
              f"{len(body) / 1e6:>8.1f} {floor:>8.2f} {med['whole']:>8.2f} "
              f"{med['whole'] / floor:>5.1f}x | {med['read']:>6.2f} "
              f"{med['canonicalise']:>6.2f} {med['to_bytes']:>8.2f}", flush=True)
        del data, body
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
