"""Ingest time per body format over HTTP, against the JSON parse floor, on SQLite and PostgreSQL;
optionally a million-image Parquet build's time and the server's peak memory.

    python bench/ingest_formats.py [--images 100000] [--density 0.10] [--repeats 3]
                                   [--value-shape uniform6] [--backends sqlite,postgresql]
                                   [--formats json,long,wide,ndjson] [--million]
                                   [--million-images 1000000] [--million-density 0.05]
                                   [--million-shapes long,wide]

One build of --images x 480 features (bench/datagen.py; --value-shape: the bench's 6-decimal
values by default, or rounded4, float32, mostly_ones, few_distinct, full_precision, integers,
wide_range) is written
as the four bodies PUT /api/v1/features accepts (docs/ingest-formats.md): JSON, Parquet long
(image, feature, value), Parquet wide (image + a column per feature) and NDJSON. For each backend
a real server (gunicorn, one worker) gets each body --repeats times, each to a new image source,
alternated with `orjson.loads` of the JSON body in this process (the floor: no ingest can be
faster than reading its JSON); an untimed GET after each PUT lets the server's background warm-up
of the new build finish before the next one. It prints the median PUT time as a ratio to the
median floor, and checks that every format stored the same content hash.

--million adds the Parquet body (--million-shapes: long, the default, and/or wide) of a
--million-images x 480 build at --million-density (24M values at 1M x 5%) sent to a fresh
server per backend: the PUT's time and the worker's peak RSS (VmHWM) when the PUT answers, then
the build's metrics as CSV (time, peak RSS after); then, on a second fresh server over the same
database (serving alone), the first GET of the statistics, GET /api/v1/features p50/p95 over 25
filter settings, the page's render callback p50/p95, and that worker's peak RSS (serving
memory). It takes minutes and needs ~6 GB free in this process and the server.

Timings on a shared machine are noisy: the table carries the load average at start and end.
"""

from __future__ import annotations

import argparse
import gc
import io
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.datagen import VALUE_SHAPES, BenchData, generate  # noqa: E402
from tests.support.databases import new_database  # noqa: E402
from tests.support.server import LiveServer  # noqa: E402

TOKEN = "bench-token"
BUSINESS = "Bench Formats"
JSON, PARQUET, NDJSON = "application/json", "application/vnd.apache.parquet", "application/x-ndjson"
ENV = {"INGEST_TOKENS": TOKEN, "MAX_INGEST_BYTES": str(2 * 1024**3), "RATE_LIMIT_PER_MINUTE": "0"}


# --------------------------------------------------------------------------------- the bodies

def parquet_long(data: BenchData) -> bytes:
    """One row per non-zero value, names as plain strings (what pandas' to_parquet writes for
    str columns: Parquet dictionary-encodes them per row group); an image without values gets
    one row with value 0, so it is still part of the build."""
    has_values = np.zeros(data.n_images, dtype=bool)
    has_values[data.rows] = True
    empty = np.flatnonzero(~has_values)
    rows = np.concatenate([data.rows, empty]).astype(np.int32)
    cols = np.concatenate([data.cols, np.zeros(len(empty), dtype=data.cols.dtype)])
    # (An arrow DictionaryArray, e.g. a pandas categorical, would be written with its whole
    # dictionary in every row group: a million names 23 times, ~4x slower to read.)
    table = pa.table({
        "image": pa.array(data.image_names).take(pa.array(rows)),
        "feature": pa.array(data.feature_names).take(pa.array(cols.astype(np.int32))),
        "value": pa.array(np.concatenate([data.values, np.zeros(len(empty))]))})
    del rows, cols
    buf = io.BytesIO()
    pq.write_table(table, buf)
    return buf.getvalue()


def parquet_wide(data: BenchData, rows_per_write: int = 50_000) -> bytes:
    """One row per image, one float64 column per feature (zeros written as 0.0), written
    `rows_per_write` images at a time (a million images' dense grid would be 3.8 GB)."""
    schema = pa.schema([("image", pa.string())] + [(f, pa.float64()) for f in data.feature_names])
    bounds = np.searchsorted(data.rows, np.arange(0, data.n_images + rows_per_write,
                                                  rows_per_write)).tolist()
    buf = io.BytesIO()
    with pq.ParquetWriter(buf, schema) as writer:
        for k, first in enumerate(range(0, data.n_images, rows_per_write)):
            n = min(rows_per_write, data.n_images - first)
            grid = np.zeros((n, data.n_features))
            lo, hi = bounds[k], bounds[k + 1]
            grid[data.rows[lo:hi] - first, data.cols[lo:hi]] = data.values[lo:hi]
            writer.write_table(pa.Table.from_arrays(
                [pa.array(data.image_names[first:first + n])]
                + [pa.array(grid[:, j]) for j in range(data.n_features)], schema=schema))
    return buf.getvalue()


def ndjson(data: BenchData) -> bytes:
    """One {"image": ..., "features": {...}} line per image, in the JSON body's order."""
    bounds = np.searchsorted(data.rows, np.arange(data.n_images + 1)).tolist()
    names = np.array(data.feature_names, dtype=object)[data.cols].tolist()
    values = data.values.tolist()
    return b"".join(
        orjson.dumps({"image": image, "features": dict(zip(names[bounds[i]:bounds[i + 1]],
                                                           values[bounds[i]:bounds[i + 1]]))})
        + b"\n" for i, image in enumerate(data.image_names))


# ---------------------------------------------------------------------------- the measurements

def put(srv: LiveServer, source: str, body: bytes, media_type: str) -> tuple[float, dict]:
    headers = {"X-Business": BUSINESS, "X-Image-Source": source, "Content-Type": media_type,
               "Authorization": f"Bearer {TOKEN}"}
    t0 = time.perf_counter()
    r = requests.put(srv.url("api/v1/features"), data=body, headers=headers, timeout=900)
    elapsed = time.perf_counter() - t0
    if r.status_code != 201:
        raise RuntimeError(f"PUT {media_type}: {r.status_code} {r.text[:500]}")
    return elapsed, r.json()


def parse_floor(body: bytes) -> float:
    gc.collect()
    t0 = time.perf_counter()
    obj = orjson.loads(body)
    elapsed = time.perf_counter() - t0
    del obj
    return elapsed


def peak_rss_mb(pid: int, field: str = "VmHWM") -> float:
    """The process's peak resident memory (VmHWM), or its current one with field="VmRSS"."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def bench_backend(backend: str, bodies: dict, repeats: int, workdir: Path) -> dict:
    """Median PUT seconds per format and the median floor, alternated on one server."""
    floors, times = [], {name: [] for name in bodies}
    hashes = set()
    with new_database(backend, workdir, f"formats_{backend}") as url, \
            LiveServer(url, env=ENV, startup_timeout=120) as srv:
        for k in range(repeats):
            floors.append(parse_floor(bodies["JSON"][1]))  # bodies always holds the JSON
            for name, (media_type, body) in bodies.items():
                elapsed, answer = put(srv, srv_source(name, k), body, media_type)
                times[name].append(elapsed)
                settle(srv, srv_source(name, k))
                hashes.add(answer["content_hash"])
                log(f"[{backend}] {name} PUT {elapsed:.2f} s (floor {floors[-1]:.2f} s)")
    if len(hashes) != 1:
        raise RuntimeError(f"the formats stored different builds: {hashes}")
    return {"floor": float(np.median(floors)),
            "put": {name: float(np.median(t)) for name, t in times.items()}}


def settle(srv: LiveServer, source: str) -> None:
    """Wait (untimed) for the server's background warm-up of the new build's cached frame, so
    it does not run during the next PUT."""
    requests.get(srv.url("api/v1/features"), timeout=900,
                 params={"business": BUSINESS, "image_source": source})


def srv_source(name: str, k: int) -> str:
    return f"{name.lower().replace(' ', '-')}-{k}"


def metrics_csv(data: BenchData) -> bytes:
    """The build's ad metrics as the CSV PUT /api/v1/metrics takes (image,impressions,clicks;
    ~2% of images have none)."""
    has = data.impressions >= 0
    names = np.asarray(data.image_names, dtype=object)[has]
    lines = [f"{n},{i},{c}" for n, i, c in zip(names.tolist(), data.impressions[has].tolist(),
                                               data.clicks[has].tolist())]
    return ("image,impressions,clicks\n" + "\n".join(lines) + "\n").encode()


def bench_million(backend: str, body: bytes, metrics: bytes, workdir: Path, shape: str) -> dict:
    """The PUT on a fresh server (its worker's peak RSS when it answers: ingest memory); then a
    second fresh server on the same database that only reads the stored build (its worker's peak
    RSS after the first GET and the reads below: serving memory)."""
    with new_database(backend, workdir, f"million_{shape}_{backend}") as url:
        with LiveServer(url, env=ENV, startup_timeout=120) as srv:
            worker = srv.worker_pids()[0]
            idle = peak_rss_mb(worker)
            elapsed, answer = put(srv, "million", body, PARQUET)
            at_answer = peak_rss_mb(worker)
            log(f"[{backend}] 1M Parquet PUT {elapsed:.1f} s, peak RSS {at_answer:.0f} MB")
            t0 = time.perf_counter()
            r = requests.put(srv.url("api/v1/metrics"), data=metrics, timeout=1800, headers={
                "Authorization": f"Bearer {TOKEN}", "Content-Type": "text/csv"},
                params={"business": BUSINESS, "image_source": "million"})
            metrics_s = time.perf_counter() - t0
            if r.status_code not in (200, 201):
                raise RuntimeError(f"PUT metrics: {r.status_code} {r.text[:300]}")
            ingest_peak = peak_rss_mb(worker)
        log(f"[{backend}] 1M metrics PUT {metrics_s:.1f} s, peak RSS {ingest_peak:.0f} MB")
        with LiveServer(url, env=ENV, startup_timeout=120) as srv:
            worker = srv.worker_pids()[0]
            t0 = time.perf_counter()
            r = requests.get(srv.url("api/v1/features"), timeout=900, params={
                "business": BUSINESS, "image_source": "million"})
            first_get = time.perf_counter() - t0
            if r.status_code != 200:
                raise RuntimeError(f"GET features: {r.status_code} {r.text[:300]}")
            serving = serve_million(srv)
            log(f"[{backend}] 1M GET p95 {serving['get_p95_ms']:.1f} ms, render callback p95 "
                f"{serving['callback_p95_ms']:.0f} ms (max {serving['callback_max_ms']:.0f})")
            return {"put_s": elapsed, "idle_mb": idle, "ingest_peak_mb": at_answer,
                    "metrics_s": metrics_s, "metrics_peak_mb": ingest_peak,
                    "first_get_s": first_get, "serve_peak_mb": peak_rss_mb(worker),
                    "serve_rss_mb": peak_rss_mb(worker, "VmRSS"),
                    "values": answer["values"], "images": answer["images"], **serving}


def serve_million(srv: LiveServer, queries: int = 25, rounds: int = 2,
                  callbacks: int = 50) -> dict:
    """Reading the million-image build once it is cached: GET /api/v1/features p50/p95 over
    `queries` filter settings (bench/run.py's: the seed's 0.2, zero and random thresholds and
    sparsity ranges), `rounds` times each; then the page's render callback (bench/callback.py)
    at `callbacks` other settings (none of the GETs' nor the warm-up's, so each is new to the
    server's view cache), p50/p95/max over HTTP on loopback (an upper bound of its server time):
    fifty by default, so that p95 is not the slowest of a dozen."""
    from bench.callback import FilterCallback
    from bench.run import filter_settings, pct

    settings = filter_settings(queries, 1.0, seed=7)
    http = requests.Session()
    get_times = []
    for _ in range(rounds):
        for t, lo, hi in settings:
            t0 = time.perf_counter()
            r = http.get(srv.url("api/v1/features"), timeout=300, params={
                "business": BUSINESS, "image_source": "million", "threshold": t,
                "min_pct": lo, "max_pct": hi})
            get_times.append(time.perf_counter() - t0)
            r.raise_for_status()
    call = FilterCallback(srv.base_url)
    base = {"business": BUSINESS, "image_source": "million", "build": None, "top_k": 30,
            "sort": "impact", "pinned": [], "excluded": []}
    call({**base, "threshold": 0.2, "min_pct": 0.0, "max_pct": 100.0})
    callback_times, sizes = [], []
    for t, lo, hi in filter_settings(callbacks, 1.0, seed=11):
        elapsed, size = call({**base, "threshold": t, "min_pct": lo, "max_pct": hi})
        callback_times.append(elapsed)
        sizes.append(size)
    return {"get_p50_ms": 1e3 * pct(get_times, 50), "get_p95_ms": 1e3 * pct(get_times, 95),
            "callback_p50_ms": 1e3 * pct(callback_times, 50),
            "callback_p95_ms": 1e3 * pct(callback_times, 95),
            "callback_max_ms": 1e3 * max(callback_times),
            "callback_kb_max": max(sizes) / 1e3}


def callback_ms(m: dict) -> str:
    return f"{m['callback_p50_ms']:.0f}/{m['callback_p95_ms']:.0f}/{m['callback_max_ms']:.0f}"


def log(msg: str) -> None:
    print(f"  {msg}", file=sys.stderr, flush=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=100_000)
    ap.add_argument("--density", type=float, default=0.10)
    ap.add_argument("--value-shape", default="uniform6", choices=VALUE_SHAPES,
                    help="how the non-zero values are spread (bench/datagen.py)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument("--formats", default="json,long,wide,ndjson",
                    help="which bodies to send (json is always measured as the floor)")
    ap.add_argument("--million", action="store_true", help="add the 1M-image Parquet case")
    ap.add_argument("--million-images", type=int, default=1_000_000)
    ap.add_argument("--million-density", type=float, default=0.05)
    ap.add_argument("--million-shapes", default="long", help="long, wide or long,wide")
    args = ap.parse_args(argv)
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    load_start = os.getloadavg()

    data = generate(args.images, density=args.density, value_shape=args.value_shape)
    chosen = {f.strip().lower() for f in args.formats.split(",")}
    writers = {"JSON": ("json", JSON, lambda d: d.features_body),
               "Parquet long": ("long", PARQUET, parquet_long),
               "Parquet wide": ("wide", PARQUET, parquet_wide),
               "NDJSON": ("ndjson", NDJSON, ndjson)}
    bodies = {name: (media_type, write(data))
              for name, (key, media_type, write) in writers.items()
              if key in chosen or name == "JSON"}
    del data
    sizes = {name: len(body) / 1e6 for name, (_, body) in bodies.items()}
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-formats-") as tmp:
        for backend in backends:
            results[backend] = bench_backend(backend, bodies, args.repeats, Path(tmp))
        million = {}
        if args.million:
            bodies = None  # free the 100k bodies before the big ones are built
            big = generate(args.million_images, density=args.million_density, bodies=False)
            metrics = metrics_csv(big)
            writers = {"long": parquet_long, "wide": parquet_wide}
            for shape in args.million_shapes.split(","):
                body = writers[shape.strip()](big)
                gc.collect()
                for backend in backends:
                    million[shape, backend] = bench_million(backend, body, metrics, Path(tmp),
                                                            shape)
                    million[shape, backend]["body_mb"] = len(body) / 1e6
                del body
            del big

    print(f"\nIngest over HTTP (gunicorn, 1 worker), {args.images:,} images x 480 features, "
          f"{args.density:.0%} non-zero, values {args.value_shape}, median of {args.repeats}; "
          f"ratio = PUT / orjson.loads of the JSON body in the same run")
    head = f"{'format':<13} {'body MB':>8}"
    for backend in backends:
        head += f" | {backend + ' s':>14} {'ratio':>6}"
    print(head)
    print("-" * len(head))
    for name in sizes:
        line = f"{name:<13} {sizes[name]:>8.1f}"
        for backend in backends:
            r = results[backend]
            line += f" | {r['put'][name]:>14.2f} {r['put'][name] / r['floor']:>5.2f}x"
        print(line)
    line = f"{'floor (parse)':<13} {'':>8}"
    for backend in backends:
        line += f" | {results[backend]['floor']:>14.2f} {'1.00x':>6}"
    print(line)
    if args.million:
        print(f"\n{args.million_images:,} images x 480, {args.million_density:.0%} non-zero, "
              f"Parquet, fresh server per backend and shape")
        print(f"{'shape':<5} {'body MB':>7} {'backend':<11} {'PUT s':>7} {'idle MB':>8} "
              f"{'peak at answer MB':>18} {'metrics PUT s':>14} {'peak after MB':>14} "
              f"{'first GET s':>12} {'GET p50/p95 ms':>15} "
              f"{'callback p50/p95/max ms':>24} {'callback KB':>12} {'peak serving MB':>16} "
              f"{'RSS at the end MB':>18}")
        for (shape, backend), m in million.items():
            print(f"{shape:<5} {m['body_mb']:>7.0f} {backend:<11} {m['put_s']:>7.1f} "
                  f"{m['idle_mb']:>8.0f} "
                  f"{m['ingest_peak_mb']:>18.0f} {m['metrics_s']:>14.1f} "
                  f"{m['metrics_peak_mb']:>14.0f} {m['first_get_s']:>12.1f} "
                  f"{m['get_p50_ms']:>7.1f}/{m['get_p95_ms']:<7.1f} "
                  f"{callback_ms(m):>24} "
                  f"{m['callback_kb_max']:>12.0f} {m['serve_peak_mb']:>16.0f} "
                  f"{m['serve_rss_mb']:>18.0f}")
        print("(peak serving: VmHWM of a second fresh server's worker that only read the stored "
              "build: the first GET, then the GETs and callbacks timed)")
    print(f"\nload average (1 min) at start {load_start[0]:.2f}, at end {os.getloadavg()[0]:.2f}; "
          f"{os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
