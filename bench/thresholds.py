"""Timing of the threshold advisor and of applied fixes at 100,000 labelled images
(docs/statistics.md, "Label fixes and thresholds").

    python bench/thresholds.py [--images 100000] [--runs 5] [--database-url URL]

One image source on a fresh database (SQLite in a temporary directory unless --database-url):
a build of --images images with a raw-score feature `label` on every image (values like the EOL
model's, mostly in 0..4, ~40,000 distinct) and 40 other features at 10%; metrics; and one fix of
`label` per image (100,000 fixes, two people). Prints the median of --runs of each step, cold
(every cache emptied first) and warm (what a second reader of the same fixes version pays).
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
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app  # noqa: E402
from config import Settings  # noqa: E402
from data.domain.matrix import FeatureTable, matrix_from_table  # noqa: E402
from data.payloads.fixes import FixRow  # noqa: E402
from data.stats.advisor import advice, at_threshold, labelled_feature  # noqa: E402
from data.stats.fix_history import fix_tables  # noqa: E402
from data.stats.thresholds import threshold_points  # noqa: E402
from data.storage.label_cache import LabelCache  # noqa: E402
from figures.thresholds import curve_figure, histogram_figure, value_axis_range  # noqa: E402

BUSINESS, SOURCE = "Bench", "advisor"
IDENT = {"Business": BUSINESS, "Image-Source": SOURCE}


def build(n_images: int, seed: int = 3):
    """The build's matrix, the metrics rows and the fixes (one of `label` per image)."""
    rng = np.random.default_rng(seed)
    names = [f"img_{k:07d}.jpg" for k in range(n_images)]
    label = np.round(rng.gamma(2.0, 0.8, n_images), 3)  # raw scores, threshold ~1.5
    rows, cols, values = [np.arange(n_images)], [np.zeros(n_images, dtype=np.int64)], [label]
    for f in range(1, 41):
        present = np.flatnonzero(rng.random(n_images) < 0.1)
        rows.append(present)
        cols.append(np.full(len(present), f))
        values.append(np.round(rng.uniform(0.5, 1.0, len(present)), 4))
    table = FeatureTable(names, ["label"] + [f"feature_{f:02d}" for f in range(1, 41)],
                         np.concatenate(rows), np.concatenate(cols), np.concatenate(values))
    truth = rng.random(n_images) < 1 / (1 + np.exp(-3 * (label - 1.5)))
    fixes = [FixRow(name, "label", bool(t), person="Ana" if k % 2 else "Ben")
             for k, (name, t) in enumerate(zip(names, truth.tolist()))]
    ctr = rng.beta(2, 120, n_images)
    metrics = orjson.dumps({name: {"ctr": float(c)} for name, c in zip(names, ctr)})
    return matrix_from_table(table), metrics, fixes


def timed(fn, runs: int, before=None) -> float:
    """Median wall time of `fn()` in ms over `runs`, `before()` (untimed) ahead of each."""
    times = []
    for _ in range(runs):
        if before is not None:
            before()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--images", type=int, default=100_000)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--database-url", default=None)
    args = p.parse_args(argv)
    tmp = tempfile.mkdtemp(prefix="bench-thresholds-")
    url = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"

    matrix, metrics, fixes = build(args.images)
    app = create_app(Settings(database_url=url, load_demo=False, rate_limit_per_minute=0))
    svc = app.server.extensions["image_dashboard"]
    client = app.server.test_client()
    store = svc.store
    store.put_build(BUSINESS, SOURCE, matrix)
    client.put("/api/v1/metrics", data=metrics, headers={**IDENT,
                                                        "Content-Type": "application/json"})
    ds = svc.cache.get(BUSINESS, SOURCE)
    start = time.perf_counter()
    svc.labels.put_fixes(ds.source, ds.build.id, ds.matrix, fixes, by="bench")
    put_ms = 1000 * (time.perf_counter() - start)

    def cold():
        svc.fixed = LabelCache(svc.labels)

    def get(route: str) -> None:
        resp = client.get(f"/api/v1/{route}", headers=IDENT)
        assert resp.status_code == 200, resp.get_data(as_text=True)[:300]

    columns = svc.labels.fixes(ds.source.id)
    tables = fix_tables(columns)
    labelled = labelled_feature(ds.matrix, tables.latest, "label")
    points = threshold_points(labelled.values, labelled.fixed_present)
    body = orjson.dumps(advice(labelled), option=orjson.OPT_SERIALIZE_NUMPY)
    x_range = value_axis_range(labelled.values)
    steps = [
        ("read 100k fixes from the database (LabelStore.fixes)",
         lambda: svc.labels.fixes(ds.source.id), None),
        ("ground truth and conflicts (fix_tables)", lambda: fix_tables(columns), None),
        ("model values of the fixed images (labelled_feature)",
         lambda: labelled_feature(ds.matrix, tables.latest, "label"), None),
        ("threshold_points", lambda: threshold_points(labelled.values, labelled.fixed_present),
         None),
        ("advice() with every point as a record", lambda: advice(labelled), None),
        ("counts at one threshold (at_threshold: the page's slider)",
         lambda: at_threshold(labelled, 1.5), None),
        ("the page's curve and histogram figures",
         lambda: (curve_figure(points, x_range, 1.5, 1.6, "label"),
                  histogram_figure(labelled.values, labelled.fixed_present, x_range, 1.5, 1.6)),
         None),
        ("GET /api/v1/thresholds?feature=label, cold (caches emptied)",
         lambda: get("thresholds?feature=label"), cold),
        ("GET /api/v1/thresholds?feature=label, warm", lambda: get("thresholds?feature=label"),
         None),
        ("GET /api/v1/features?apply_fixes=1, cold (fixes applied to the build)",
         lambda: get("features?apply_fixes=1&threshold=1.5"), cold),
        ("GET /api/v1/features?apply_fixes=1, warm", lambda: get("features?apply_fixes=1"
                                                                 "&threshold=1.5"), None),
        ("GET /api/v1/features (no fixes), for comparison",
         lambda: get("features?threshold=1.5"), None),
    ]
    get("thresholds?feature=label")  # warm every cache once
    get("features?apply_fixes=1&threshold=1.5")
    print(f"{args.images:,} images, {len(fixes):,} fixes of one feature, "
          f"{len(points.threshold):,} threshold points ({len(body) / 1e6:.1f} MB of JSON); "
          f"{store.engine.dialect.name}; load average {os.getloadavg()[0]:.1f}; "
          f"median of {args.runs}")
    print(f"  {'PUT the 100k fixes (one transaction, LabelStore.put_fixes)':<66} "
          f"{put_ms:9.0f} ms (once)")
    for name, fn, before in steps:
        print(f"  {name:<66} {timed(fn, args.runs, before):9.1f} ms")


if __name__ == "__main__":
    main()
