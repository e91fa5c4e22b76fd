"""Benchmark of the Image Model Dashboard at 659, 10k and 100k images x 480 features.

    python bench/run.py [--sizes 659,10000,100000] [--queries 25] [--rounds 3] [--browser]
                        [--markdown results.md]

For each size it generates a deterministic build (659: dense JSON, every feature of every image
written, ~30% non-zero; larger: 10% non-zero, sparse JSON) and its metrics, then:

* starts the real server (gunicorn, 1 worker, SQLite in a temp dir, LOAD_DEMO=0, port 8300+),
  PUTs the features body over HTTP (median of --ingest-repeats PUTs, each to a new image source
  so each is a real new build) and compares it with orjson.loads of the same bytes (the parse
  floor: no ingest can be faster than reading its JSON) in this process, median of 3; and,
  "cold", the first PUT into the fresh worker against a parse in a fresh Python process;
* times GET /api/v1/features over --queries random filter settings (threshold, min_pct,
  max_pct), --rounds times each: p50 / p95 as the client sees them, and the response sizes;
* runs the same statistics the usual Dash way (bench/naive.py: pandas long table, groupby,
  scipy Welch per feature) for each setting, checks it equals the API's answer to 1e-9 and
  prints the speed ratio; "pandas means only" is its filter + join + groupby part alone;
* times the dashboard's filter-change work in-process: the cache lookup, figures.view.
  render_view(dataset, filters) and Dash's JSON serialisation of what it returns (that
  payload's size too), and the same callback over HTTP (POST _dash-update-component);
* reads the server worker's peak memory (VmHWM in /proc/<pid>/status).

Then, under gunicorn with 2 workers, it PUTs a new build and polls GET /api/v1/features until
every answer carries the new build id, reporting the delay (--no-workers skips it). --browser
also times the first render of the page in headless Chromium until the scatter has drawn.
--backend postgresql runs the servers on temporary PostgreSQL databases instead of SQLite.

Timings on a shared machine are noisy: run it when `uptime` shows little load.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import orjson
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.datagen import BenchData, generate  # noqa: E402
from bench.naive import long_frames, max_difference, naive_means, naive_stats  # noqa: E402
from bench.report import machine_info, render_markdown, render_table  # noqa: E402
from tests.support.databases import new_database  # noqa: E402
from tests.support.server import LiveServer  # noqa: E402

BASE_PORT = 8300
TOKEN = "bench-token"
BUSINESS = "Bench Business"


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="659,10000,100000",
                   help="comma-separated image counts (default 659,10000,100000)")
    p.add_argument("--queries", type=int, default=25, help="random filter settings per size")
    p.add_argument("--rounds", type=int, default=3, help="times each setting is queried")
    p.add_argument("--ingest-repeats", type=int, default=3, help="PUTs of each body to time")
    p.add_argument("--seed", type=int, default=20240501)
    p.add_argument("--port", type=int, default=BASE_PORT, help="first port used (8300)")
    p.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite",
                   help="database of the server (postgresql: a temporary database on the local "
                        "server at --pg-host, dropped afterwards)")
    p.add_argument("--pg-host", default="/var/run/postgresql")
    p.add_argument("--no-workers", action="store_true", help="skip the 2-worker check")
    p.add_argument("--browser", action="store_true", help="time first render in Chromium")
    p.add_argument("--markdown", help="also write the results as Markdown to this file")
    p.add_argument("--json", help="also write the raw results as JSON to this file")
    return p.parse_args(argv)


def filter_settings(n: int, max_value: float, seed: int) -> list[tuple[float, float, float]]:
    """`n` deterministic (threshold, min_pct, max_pct): the seed's 0.2, zero, and random ones."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        t = (0.0, 0.2)[i] if i < 2 else round(float(rng.uniform(0, 0.9 * max_value)), 3)
        lo = round(float(rng.uniform(0, 5)), 2) if rng.random() < 0.5 else 0.0
        hi = round(float(rng.uniform(30, 100)), 2) if rng.random() < 0.5 else 100.0
        out.append((t, lo, hi))
    return out


def median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        gc.collect()
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
        del result
    return float(np.median(times))


def cold_parse_time(body: bytes, workdir: Path, repeats: int) -> float:
    """Median orjson.loads time of `body` in a fresh Python process (its first parse)."""
    path = workdir / "body.json"
    path.write_bytes(body)
    code = ("import sys, time, orjson; b = open(sys.argv[1], 'rb').read(); "
            "t = time.perf_counter(); orjson.loads(b); print(time.perf_counter() - t)")
    times = [float(subprocess.run([sys.executable, "-c", code, str(path)], check=True,
                                  capture_output=True, text=True).stdout)
             for _ in range(repeats)]
    path.unlink()
    return float(np.median(times))


def pct(values, q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Client:
    """The API as Jenkins and portals use it, for one image source."""

    def __init__(self, server: LiveServer, source: str):
        self.server, self.source = server, source
        self.http = requests.Session()
        self.headers = {"X-Business": BUSINESS, "X-Image-Source": source,
                        "Authorization": f"Bearer {TOKEN}"}

    def put(self, route: str, body: bytes) -> tuple[float, dict]:
        t0 = time.perf_counter()
        r = self.http.put(self.server.url(f"api/v1/{route}"), data=body,
                          headers={**self.headers, "Content-Type": "application/json"})
        elapsed = time.perf_counter() - t0
        if r.status_code not in (200, 201):
            raise RuntimeError(f"PUT {route}: {r.status_code} {r.text[:500]}")
        return elapsed, r.json()

    def features(self, threshold: float, min_pct: float, max_pct: float) -> tuple[float, bytes]:
        t0 = time.perf_counter()
        r = self.http.get(self.server.url("api/v1/features"), headers=self.headers,
                          params={"threshold": repr(threshold), "min_pct": repr(min_pct),
                                  "max_pct": repr(max_pct)})
        elapsed = time.perf_counter() - t0
        if r.status_code != 200:
            raise RuntimeError(f"GET features: {r.status_code} {r.text[:500]}")
        return elapsed, r.content


def bench_size(n_images: int, args, port: int, workdir: Path) -> dict:
    res: dict = {"images": n_images}
    t0 = time.perf_counter()
    data = generate(n_images, density=0.3 if n_images < 1000 else 0.10,
                    dense_json=n_images < 1000, seed=args.seed)
    log(f"[{n_images}] generated {len(data.features_body) / 1e6:.1f} MB in "
        f"{time.perf_counter() - t0:.1f} s")
    body = data.features_body
    res.update(features=data.n_features, values=data.nnz, body_mb=len(body) / 1e6)
    res["parse_s"] = median_time(lambda: orjson.loads(body), 3)
    res["parse_cold_s"] = cold_parse_time(body, workdir, 3)

    env = {"INGEST_TOKENS": TOKEN, "MAX_INGEST_BYTES": str(2 * 1024**3)}
    with database(args, workdir, f"bench_{n_images}") as url, \
            LiveServer(url, port=port, env=env, startup_timeout=120) as srv:
        worker = srv.worker_pids()[0]
        res["rss_idle_mb"] = peak_rss_mb(worker)
        ingest = []
        for k in range(args.ingest_repeats):
            gc.collect()
            elapsed, answer = Client(srv, f"ingest-{k}").put("features", body)
            ingest.append(elapsed)
            log(f"[{n_images}] PUT features {elapsed:.2f} s -> build {answer['build']}")
        res["ingest_s"] = float(np.median(ingest))
        res["ingest_ratio"] = res["ingest_s"] / res["parse_s"]
        res["ingest_cold_s"] = ingest[0]  # the first PUT into a fresh worker
        res["ingest_cold_ratio"] = ingest[0] / res["parse_cold_s"]
        res["rss_after_ingest_mb"] = peak_rss_mb(worker)

        client = Client(srv, f"ingest-{args.ingest_repeats - 1}")
        res["metrics_s"], _ = client.put("metrics", data.metrics_body)
        res["first_query_s"], first = client.features(0.0, 0.0, 100.0)
        max_value = float(data.values.max())
        settings = filter_settings(args.queries, max_value, args.seed)

        api_times, sizes, answers = [], [], {}
        for _ in range(args.rounds):
            for s in settings:
                elapsed, content = client.features(*s)
                api_times.append(elapsed)
                sizes.append(len(content))
                answers[s] = orjson.loads(content)
        res.update(api_p50_ms=1e3 * pct(api_times, 50), api_p95_ms=1e3 * pct(api_times, 95),
                   api_kb=float(np.median(sizes)) / 1e3, api_kb_max=max(sizes) / 1e3)
        res.update(render_view(srv, client.source, settings, args.rounds))
        res.update(callback_over_http(srv, client.source, settings, args.rounds))
        res["rss_peak_mb"] = peak_rss_mb(worker)

    if args.browser:
        res.update(browser(data, args, port + 10, workdir, n_images))

    res.update(naive(data, settings, answers))
    res["speedup_p50"] = res["naive_p50_ms"] / res["api_p50_ms"]
    res["speedup_p95"] = res["naive_p95_ms"] / res["api_p95_ms"]
    return res


def browser(data: BenchData, args, port: int, workdir: Path, n_images: int) -> dict:
    """First render on a server holding just this build (one business, one image source), as a
    first visitor sees it."""
    from bench.browser import first_render

    env = {"INGEST_TOKENS": TOKEN, "MAX_INGEST_BYTES": str(2 * 1024**3)}
    with database(args, workdir, f"browser_{n_images}") as url, \
            LiveServer(url, port=port, env=env, startup_timeout=120) as srv:
        client = Client(srv, "page")
        client.put("features", data.features_body)
        client.put("metrics", data.metrics_body)
        client.features(0.0, 0.0, 100.0)
        cold, warm = first_render(srv.base_url, BUSINESS, client.source)
    log(f"[{n_images}] first render {cold:.2f} s (new browser), {warm:.2f} s (reload)")
    return {"first_render_cold_s": cold, "first_render_s": warm}


def database(args, workdir: Path, name: str):
    """URL of a new empty database for one server: a SQLite file in `workdir`, or a temporary
    PostgreSQL database (dropped afterwards)."""
    return new_database(args.backend, workdir, name, pg_host=args.pg_host)


def naive(data: BenchData, settings, answers) -> dict:
    long, outcomes = long_frames(data)
    means_times, times, worst = [], [], 0.0
    for s in settings:
        t0 = time.perf_counter()
        naive_means(long, outcomes, *s)
        means_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        result = naive_stats(long, outcomes, *s)
        times.append(time.perf_counter() - t0)
        worst = max(worst, max_difference(answers[s]["features"], result))
    return {"naive_p50_ms": 1e3 * pct(times, 50), "naive_p95_ms": 1e3 * pct(times, 95),
            "naive_means_p50_ms": 1e3 * pct(means_times, 50), "naive_max_diff": worst}


def callback_over_http(srv: LiveServer, source: str, settings, rounds: int) -> dict:
    """The page's render callback as the browser calls it (POST _dash-update-component)."""
    from bench.callback import FilterCallback

    try:
        call = FilterCallback(srv.base_url)
    except (LookupError, requests.RequestException, ValueError) as exc:
        log(f"filter callback not found ({exc}); HTTP callback columns are n/a")
        return {}
    filters = {"business": BUSINESS, "image_source": source, "build": None, "top_k": 30,
               "sort": "impact", "pinned": [], "excluded": []}
    call({**filters, "threshold": 0.0, "min_pct": 0.0, "max_pct": 100.0})
    times, sizes = [], []
    for _ in range(rounds):
        for t, lo, hi in settings:
            elapsed, size = call({**filters, "threshold": t, "min_pct": lo, "max_pct": hi})
            times.append(elapsed)
            sizes.append(size)
    return {"http_callback_p50_ms": 1e3 * pct(times, 50),
            "http_callback_p95_ms": 1e3 * pct(times, 95),
            "http_callback_mb_max": max(sizes) / 1e6}


def render_view(srv: LiveServer, source: str, settings, rounds: int) -> dict:
    """Time figures.view.render_view + Dash's serialisation in this process, on the same data."""
    try:
        from figures.dashboard.view import render_view as render
    except ImportError as exc:
        log(f"render_view not found ({exc}); callback columns are n/a")
        return {"callback": "n/a (render_view not found)"}
    from plotly.io.json import to_json_plotly

    from data.storage.cache import DatasetCache
    from data.storage.db import make_engine
    from data.storage.store import Store

    engine = make_engine(srv.database_url)
    cache = DatasetCache(Store(engine))
    filters = {"business": BUSINESS, "image_source": source, "build": None}
    render(cache.get(BUSINESS, source), filters)  # caches fill once, as in a live worker
    times, sizes, points = [], [], []
    for _ in range(rounds):
        for t, lo, hi in settings:
            t0 = time.perf_counter()
            dataset = cache.get(BUSINESS, source)  # what the callback does: a version check
            out = render(dataset, {**filters, "threshold": t, "min_pct": lo, "max_pct": hi})
            payload = to_json_plotly(out)
            times.append(time.perf_counter() - t0)
            sizes.append(len(payload))
            points.append(out["status"].get("points_shown", 0))
    engine.dispose()
    return {"callback_p50_ms": 1e3 * pct(times, 50), "callback_p95_ms": 1e3 * pct(times, 95),
            "figure_mb": float(np.median(sizes)) / 1e6, "figure_mb_max": max(sizes) / 1e6,
            "points_max": max(points)}


def _command(argv: list[str]) -> str:
    """The command line without the output-file options (they do not change what is measured)."""
    kept, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg in ("--markdown", "--json"):
            skip = True
        elif not arg.startswith(("--markdown=", "--json=")):
            kept.append(arg)
    return " ".join(["python bench/run.py"] + kept)


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def main(argv=None) -> int:
    args = parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    started = time.strftime("%Y-%m-%d %H:%M %Z")
    results = {"machine": machine_info(), "date": started, "backend": args.backend,
               "command": _command(argv if argv is not None else sys.argv[1:]), "sizes": []}
    with tempfile.TemporaryDirectory(prefix="imgdash-bench-") as tmp:
        for i, n in enumerate(sizes):
            results["sizes"].append(bench_size(n, args, args.port + i, Path(tmp)))
            gc.collect()
        if not args.no_workers:
            from bench.workers import check_workers
            results["workers"] = check_workers(Path(tmp), args.port + 20, args.seed, log)
    print(render_table(results))
    if args.markdown:
        Path(args.markdown).write_text(render_markdown(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, default=str))
    return 0


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main())
