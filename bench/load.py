"""Load benchmark: many people at once, a build landing while they look, behind a real proxy.

    python bench/load.py [--images 100000] [--backend postgresql] [--workers 2] [--nginx]
                         [--duration 10] [--no-python-app] [--markdown out.md] [--json out.json]

What it does (wrk from Debian, `apt-get install -y wrk`, drives the HTTP load):

1. Generates two builds of --images x 480 features (10% non-zero, values rounded to 4 decimals)
   and metrics for the first, starts gunicorn with --workers sync workers on a fresh database
   (--backend), each worker's build files in a temporary BUILD_FILES_DIR, optionally behind
   nginx with docs/deploy.md's configuration (--nginx: prefix /tools/images/, gzip), and stores
   build A and its metrics.
2. GET /api/v1/features with wrk at concurrency 1, 4 and 16 for --duration seconds each: one
   fixed query ("same": after the first, answers come from the dataset's memo of recent
   queries), and 200 thresholds in turn ("varied": more than the memo holds, so every answer is
   computed afresh). Requests a second, latency p50/p99 (wrk), and the workers' CPU time per
   request (utime + stime from /proc/<pid>/stat, all workers, divided by requests).
3. The page's render callback (POST _dash-update-component, the filters store as the browser
   sends it on a slider move, 25 thresholds in turn) likewise; its response size. A view's
   adjusted impact is remembered with its dataset, so the first pass over the 25 thresholds
   (mostly at c=1) fits each regression and later passes reuse them; the figures, the table
   and the raw statistics are computed on every call.
4. Reads during an ingest: 16 readers (4 processes x 4 threads, a new connection per request)
   GET the current build's features without pause; after 2 s build B is PUT; they stop 5 s after
   the PUT returned. Latency p50/p95/p99/max over the reads sent while the PUT ran and in the 5 s
   after, errors (non-200), torn answers (a body that is neither build A's nor build B's exact
   answer, as GET ?build=<id> gives it afterwards), and how long after the PUT returned an
   answer still named build A.
5. Memory of each worker once both builds have been read from both: RSS and PSS
   (/proc/<pid>/smaps_rollup) and peak RSS (VmHWM), and the sum of the PSS.
6. With --nginx: a second page view as a browser makes it (fingerprinted files not asked for
   again, the rest revalidated with the ETag nginx sent) and the bytes it downloads. With
   --browser: the page's first render in headless Chromium (bench/browser.py), through nginx.
7. Unless --no-python-app: `python app.py` (the default server, SQLite) with build A, GET
   features varied at concurrency 1, 4, 16.

The machine's load (`uptime`) is printed at the start and the end: the benchmark competes with
whatever else runs, so read the CPU-time and size rows first, the wall-clock rows second.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import multiprocessing as mp
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.datagen import generate  # noqa: E402
from layouts.dashboard.ids import ids  # noqa: E402
from tests.support import nginx as nginx_support  # noqa: E402
from tests.support.databases import new_database  # noqa: E402
from tests.support.server import LiveServer  # noqa: E402

BUSINESS = "Bench Load"
SOURCE = "crowd"
CONCURRENCY = (1, 4, 16)
# More thresholds than a dataset remembers answers for (64): "varied" computes every answer.
THRESHOLDS = [round(0.005 * i, 3) for i in range(200)]


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


# ----------------------------------------------------------------------------------- wrk

_LUA = """
local items = {%(items)s}
local method = "%(method)s"
local headers = {%(headers)s}
local i = math.random(#items)
request = function()
  i = i %% #items + 1
  if method == "GET" then
    return wrk.format("GET", items[i], headers)
  end
  return wrk.format("POST", "%(path)s", headers, items[i])
end
done = function(summary, latency, requests)
  io.write(string.format(
    'WRK {"requests":%%d,"duration_us":%%d,"bytes":%%d,"status_errors":%%d,' ..
    '"socket_errors":%%d,"p50_us":%%d,"p95_us":%%d,"p99_us":%%d,"max_us":%%d}\\n',
    summary.requests, summary.duration, summary.bytes, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""


def _lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def wrk(base: str, items: list[str], concurrency: int, duration: float, workdir: Path,
        method: str = "GET", path: str = "", headers: dict | None = None) -> dict:
    """Run wrk against `base` with `items` (paths for GET, bodies for POST to `path`)."""
    script = workdir / f"wrk-{method}-{concurrency}.lua"
    hdrs = ", ".join(f"[{_lua_string(k)}] = {_lua_string(v)}" for k, v in (headers or {}).items())
    script.write_text(_LUA % {"items": ", ".join(_lua_string(x) for x in items),
                              "method": method, "headers": hdrs, "path": path})
    cmd = ["wrk", "-t", str(min(concurrency, 2)), "-c", str(concurrency), "-d", f"{max(1, round(duration))}s",
           "--timeout", "30s", "-s", str(script), base]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 120).stdout
    match = re.search(r"^WRK (\{.*\})$", out, re.M)
    if match is None:
        raise RuntimeError("wrk gave no summary:\n" + out)
    r = json.loads(match.group(1))
    seconds = r["duration_us"] / 1e6
    return {"requests": r["requests"], "rps": r["requests"] / seconds,
            "p50_ms": r["p50_us"] / 1e3, "p95_ms": r["p95_us"] / 1e3,
            "p99_ms": r["p99_us"] / 1e3, "max_ms": r["max_us"] / 1e3,
            "errors": r["status_errors"] + r["socket_errors"],
            "kb_per_request": r["bytes"] / max(r["requests"], 1) / 1024}


# --------------------------------------------------------------------------- processes

def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def cpu_seconds(pids: list[int]) -> float:
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def memory(pid: int) -> dict:
    rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    status = Path(f"/proc/{pid}/status").read_text()

    def kb(text: str, key: str) -> float:
        m = re.search(rf"^{key}:\s+(\d+) kB", text, re.M)
        return int(m.group(1)) / 1024 if m else float("nan")

    return {"pid": pid, "rss_mb": kb(rollup, "Rss"), "pss_mb": kb(rollup, "Pss"),
            "hwm_mb": kb(status, "VmHWM")}


def measured(pids: list[int], run) -> dict:
    """run() -> wrk result, plus the CPU the `pids` spent per request meanwhile."""
    before = cpu_seconds(pids)
    result = run()
    result["cpu_ms_per_request"] = 1e3 * (cpu_seconds(pids) - before) / max(result["requests"], 1)
    return result


# ----------------------------------------------------------------------- the scenarios

class Target:
    """Where requests go: the server directly, or nginx in front of it."""

    def __init__(self, base: str):
        self.base = base  # ends with the prefix, e.g. http://127.0.0.1:8080/tools/images/
        parts = urlsplit(base)
        self.host, self.port, self.prefix = parts.hostname, parts.port, parts.path

    def features_path(self, threshold: float | None = 0.3, build: int | None = None) -> str:
        q = f"business={quote(BUSINESS)}&image_source={quote(SOURCE)}"
        if threshold is not None:
            q += f"&threshold={threshold}"
        if build is not None:
            q += f"&build={build}"
        return f"{self.prefix}api/v1/features?{q}"


def render_callback(base: str) -> tuple[str, list[dict], list[dict]]:
    """(output, outputs, state) of the render callback's request, as the page sends it (the
    callback envelope refuses a request without the callback's states)."""
    deps = requests.get(base + "_dash-dependencies", timeout=60).json()
    spec = next(d for d in deps if [i["id"] for i in d["inputs"]] == [ids.FILTERS]
                and ids.STATUS in d["output"])
    outputs = [dict(zip(("id", "property"), part.rsplit(".", 1)))
               for part in spec["output"].strip(".").split("...")]
    state = [{"id": s["id"], "property": s["property"]} for s in spec.get("state", [])]
    return spec["output"], outputs, state


def callback_bodies(base: str) -> list[str]:
    output, outputs, state = render_callback(base)
    bodies = []
    for t in THRESHOLDS[::8]:
        filters = {"business": BUSINESS, "image_source": SOURCE, "build": None, "threshold": t,
                   "min_pct": 0.0, "max_pct": 100.0, "top_k": 30, "sort": "impact",
                   "pinned": [], "excluded": []}
        bodies.append(json.dumps({"output": output, "outputs": outputs,
                                  "inputs": [{"id": ids.FILTERS, "property": "data",
                                              "value": filters}],
                                  "changedPropIds": [f"{ids.FILTERS}.data"], "state": state}))
    return bodies


def _reader(args) -> list[tuple]:
    """One reader process: `threads` threads GET `path` until `stop` is set."""
    host, port, path, threads, stop = args
    out: list[tuple] = []
    lock = threading.Lock()

    def loop():
        mine = []
        while not stop.is_set():
            t0 = time.time()
            try:
                conn = http.client.HTTPConnection(host, port, timeout=60)
                conn.request("GET", path)
                resp = conn.getresponse()
                body = resp.read()
                status = resp.status
                conn.close()
            except OSError as exc:
                mine.append((t0, time.time() - t0, 0, None, repr(exc)))
                continue
            build = re.search(rb'"build":(\d+)', body[:400])
            mine.append((t0, time.time() - t0, status, int(build.group(1)) if build else None,
                         hashlib.sha1(body).hexdigest()))
        with lock:
            out.extend(mine)

    pool = [threading.Thread(target=loop) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return out


def reads_during_ingest(target: Target, body: bytes, headers: dict, readers: int = 16) -> dict:
    """16 readers while build B is PUT; see the module docstring."""
    ctx = mp.get_context("fork")
    stop = ctx.Manager().Event()
    procs = 4
    path = target.features_path()
    with ctx.Pool(procs) as pool:
        pending = pool.map_async(_reader, [(target.host, target.port, path, readers // procs,
                                            stop)] * procs)
        time.sleep(2.0)
        put_start = time.time()
        r = requests.put(target.base + "api/v1/features", data=body,
                         headers={**headers, "Content-Type": "application/json"}, timeout=900)
        put_end = time.time()
        r.raise_for_status()
        time.sleep(5.0)
        stop.set()
        records = [rec for part in pending.get(timeout=120) for rec in part]
    new_build = r.json()["build"]
    return {"records": records, "put_start": put_start, "put_end": put_end,
            "new_build": new_build, "put_s": put_end - put_start}


def summarize_reads(run: dict, references: dict[int, str]) -> dict:
    window = [r for r in run["records"] if r[0] >= run["put_start"]]
    lat = sorted(r[1] * 1e3 for r in window)

    def pct(q: float) -> float:
        return lat[min(len(lat) - 1, int(q * len(lat)))] if lat else float("nan")

    errors = [r for r in window if r[2] != 200]
    torn = [r for r in window if r[2] == 200 and references.get(r[3]) != r[4]]
    old = [r for r in window if r[2] == 200 and r[3] != run["new_build"]]
    late_old = [r[0] + r[1] - run["put_end"] for r in old if r[0] > run["put_end"]]
    return {"reads": len(window), "put_s": run["put_s"], "p50_ms": pct(0.50),
            "p95_ms": pct(0.95), "p99_ms": pct(0.99), "max_ms": lat[-1] if lat else float("nan"),
            "errors": len(errors), "torn": len(torn),
            "old_after_put": len(late_old),
            "last_old_after_put_ms": 1e3 * max(late_old) if late_old else 0.0,
            "reads_all": len(run["records"])}


def second_page_view(base: str) -> dict:
    """A browser's second view: immutable files are not asked for; the rest revalidated."""
    http = requests.Session()
    http.headers["Accept-Encoding"] = "gzip, deflate"
    page = http.get(base, timeout=60).text
    files = re.findall(r'(?:src|href)="([^"]+\.(?:js|css|ico)[^"]*)"', page)
    files.append(urlsplit(base).path + "_dash-component-suites/dash/dcc/async-graph.js")
    origin = base[:base.index("/", 8)]

    def fetch(path: str, headers: dict | None = None) -> tuple[int, dict, int]:
        r = http.get(origin + path, headers=headers or {}, timeout=120, stream=True)
        return r.status_code, r.headers, len(r.raw.read())  # bytes as sent (gzipped)

    first_bytes, seen = 0, {}
    for f in files:
        _status, headers, size = fetch(f)
        first_bytes += size
        seen[f] = headers
    asked = downloaded = 0
    for f, h in seen.items():
        if "immutable" in h.get("Cache-Control", ""):
            continue  # a browser does not ask again
        asked += 1
        status, _headers, size = fetch(f, {"If-None-Match": h.get("ETag", "")})
        if status != 304:
            downloaded += size
    return {"files": len(files), "first_kb": first_bytes / 1024, "revalidated": asked,
            "second_kb": downloaded / 1024}


# ------------------------------------------------------------------------------- main

def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--images", type=int, default=100_000)
    p.add_argument("--backend", choices=("sqlite", "postgresql"), default="postgresql")
    p.add_argument("--pg-host", default="/var/run/postgresql")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--nginx", action="store_true", help="put nginx (docs/deploy.md) in front")
    p.add_argument("--duration", type=float, default=10.0, help="seconds per wrk run")
    p.add_argument("--no-python-app", action="store_true", help="skip the python app.py part")
    p.add_argument("--browser", action="store_true",
                   help="also time the page's first render in headless Chromium (through nginx "
                        "with --nginx): a new browser, then the median of 3 reloads")
    p.add_argument("--seed", type=int, default=20240501)
    p.add_argument("--markdown", help="also write the results as Markdown to this file")
    p.add_argument("--json", help="also write the raw results as JSON to this file")
    return p.parse_args(argv)


def wait_for_metrics(url: str, timeout: float = 300.0) -> float:
    """Seconds until reads answer with the metrics just delivered (until then a reader is
    served the dataset without them, while the new one is indexed: swap, never block)."""
    start = time.time()
    while time.time() - start < timeout:
        answer = requests.get(url, timeout=120).json()
        if answer["images"] > 0:
            return time.time() - start
        time.sleep(0.2)
    raise RuntimeError("the metrics never showed up in the answers")


def put(base: str, route: str, body: bytes) -> dict:
    r = requests.put(base + f"api/v1/{route}", data=body, timeout=900,
                     headers={"Business": BUSINESS, "Image-Source": SOURCE,
                              "Content-Type": "application/json"})
    if r.status_code not in (200, 201):
        raise RuntimeError(f"PUT {route}: {r.status_code} {r.text[:300]}")
    return r.json()


def main(argv=None) -> int:
    args = parse_args(argv)
    res: dict = {"command": "python bench/load.py " + " ".join(argv or sys.argv[1:]),
                 "uptime_start": uptime(), "images": args.images, "backend": args.backend,
                 "workers": args.workers, "nginx": args.nginx}
    log(res["uptime_start"])
    t0 = time.time()
    build_a = generate(args.images, seed=args.seed, value_shape="rounded4")
    build_b = generate(args.images, seed=args.seed + 1, value_shape="rounded4")
    log(f"generated two builds ({len(build_a.features_body) / 1e6:.0f} MB each) in "
        f"{time.time() - t0:.0f} s")
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        work = Path(tmp)
        run_gunicorn(args, build_a, build_b, work, res)
        if not args.no_python_app:
            run_python_app(args, build_a, work, res)
    res["uptime_end"] = uptime()
    log(res["uptime_end"])
    text = render_markdown(res)
    print(text)
    if args.markdown:
        Path(args.markdown).write_text(text)
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=2, default=str))
    return 0


def run_gunicorn(args, build_a, build_b, work: Path, res: dict) -> None:
    prefix = nginx_support.PREFIX if args.nginx else "/"
    env = {"URL_PREFIX": prefix, "BUILD_FILES_DIR": str(work / "files-gunicorn"),
           "MAX_INGEST_BYTES": str(2 * 1024**3), "LIVE_POLL_MS": "600000"}
    with new_database(args.backend, work, "load", pg_host=args.pg_host) as url, \
            LiveServer(url, workers=args.workers, env=env, startup_timeout=180) as srv:
        proxy = None
        if args.nginx:
            proxy = nginx_support.Nginx(srv.port, work / "nginx").start()
        try:
            base = proxy.url(prefix) if proxy else srv.base_url
            target = Target(base)
            workers = srv.worker_pids()
            requests.get(base + "api/v1/datasets", timeout=60)
            res["memory_idle"] = [memory(pid) for pid in workers]
            t = time.time()
            a = put(base, "features", build_a.features_body)["build"]
            res["ingest_a_s"] = time.time() - t
            t = time.time()
            put(base, "metrics", build_a.metrics_body)
            res["metrics_s"] = time.time() - t
            origin = base[:base.index("/", 8)]
            res["metrics_visible_s"] = wait_for_metrics(origin + target.features_path())
            log(f"build A = {a}: ingest {res['ingest_a_s']:.1f} s, metrics {res['metrics_s']:.1f} s"
                f", answered with them {res['metrics_visible_s']:.1f} s later")
            for _ in range(20):  # every worker loads it
                requests.get(origin + target.features_path(), timeout=120).raise_for_status()
            res["features"] = {}
            for label, paths in (("same", [target.features_path()]),
                                 ("varied", [target.features_path(t) for t in THRESHOLDS])):
                for c in CONCURRENCY:
                    r = measured(workers, lambda: wrk(origin, paths, c, args.duration, work))
                    res["features"][f"{label} c={c}"] = r
                    log(f"GET features {label} c={c}: {r}")
            bodies = callback_bodies(base)
            one = requests.post(base + "_dash-update-component", data=bodies[5],
                                headers={"Content-Type": "application/json"}, timeout=120)
            one.raise_for_status()
            res["callback_bytes"] = len(one.content)
            gz = requests.post(base + "_dash-update-component", data=bodies[5], timeout=120,
                               headers={"Content-Type": "application/json",
                                        "Accept-Encoding": "gzip"}, stream=True)
            res["callback_bytes_on_the_wire"] = len(gz.raw.read())
            res["callback"] = {}
            for c in CONCURRENCY:
                r = measured(workers, lambda: wrk(
                    origin, bodies, c, args.duration, work, method="POST",
                    path=urlsplit(base).path + "_dash-update-component",
                    headers={"Content-Type": "application/json"}))
                res["callback"][f"c={c}"] = r
                log(f"render callback c={c}: {r}")
            run = reads_during_ingest(target, build_b.features_body,
                                      {"Business": BUSINESS, "Image-Source": SOURCE})
            refs = {}
            for build in (a, run["new_build"]):
                body = requests.get(origin + target.features_path(build=build), timeout=120)
                body.raise_for_status()
                refs[build] = hashlib.sha1(body.content).hexdigest()
            res["during_ingest"] = summarize_reads(run, refs)
            log(f"reads during ingest: {res['during_ingest']}")
            # Both workers read both builds (a new connection each time: any worker).
            for _ in range(30):
                for build in (a, run["new_build"]):
                    requests.get(origin + target.features_path(build=build), timeout=120)
            for body in bodies[:4]:
                requests.post(base + "_dash-update-component", data=body, timeout=120,
                              headers={"Content-Type": "application/json"})
            res["memory"] = [memory(pid) for pid in workers]
            res["memory_pss_total_mb"] = sum(m["pss_mb"] for m in res["memory"])
            log(f"memory: {res['memory']}")
            if proxy is not None:
                res["second_view"] = second_page_view(base)
                log(f"second page view: {res['second_view']}")
            if args.browser:
                from bench.browser import first_render
                cold, warm = first_render(base, BUSINESS, SOURCE)
                res["first_render"] = {"cold_s": cold, "warm_s": warm, "load": uptime()}
                log(f"first render: {res['first_render']}")
        finally:
            if proxy is not None:
                proxy.stop()


def run_python_app(args, build_a, work: Path, res: dict) -> None:
    env = {"BUILD_FILES_DIR": str(work / "files-python"), "MAX_INGEST_BYTES": str(2 * 1024**3),
           "LIVE_POLL_MS": "600000"}
    url = f"sqlite:///{work / 'python-app.sqlite3'}"
    with LiveServer(url, server="python", env=env, startup_timeout=180) as srv:
        base = srv.base_url
        put(base, "features", build_a.features_body)
        put(base, "metrics", build_a.metrics_body)
        target = Target(base)
        origin = base[:base.index("/", 8)]
        res["python_app_metrics_visible_s"] = wait_for_metrics(origin + target.features_path())
        for _ in range(5):
            requests.get(origin + target.features_path(), timeout=120).raise_for_status()
        pids = [srv.pid] + children(srv.pid)
        res["python_app"] = {}
        for c in CONCURRENCY:
            r = measured(pids, lambda: wrk(origin, [target.features_path(t) for t in THRESHOLDS],
                                           c, args.duration, work))
            res["python_app"][f"c={c}"] = r
            log(f"python app.py GET features varied c={c}: {r}")


def render_markdown(res: dict) -> str:
    out = [f"`{res['command']}` — {res['images']:,} images x 480 features, "
           f"{res['backend']}, gunicorn -w {res['workers']}"
           + (", behind nginx (docs/deploy.md: /tools/images/, gzip)" if res["nginx"] else ""),
           "", f"Load at start: `{res['uptime_start']}`  ", f"Load at end: `{res['uptime_end']}`",
           "", f"Ingest of build A: {res.get('ingest_a_s', float('nan')):.1f} s; "
               f"its metrics: {res.get('metrics_s', float('nan')):.1f} s, in the answers "
               f"{res.get('metrics_visible_s', float('nan')):.1f} s after that PUT returned "
               f"(python app.py: {res.get('python_app_metrics_visible_s', float('nan')):.1f} s).",
           ""]

    def table(title: str, rows: dict, cpu_label: str) -> list[str]:
        lines = [f"| {title} | req/s | p50 ms | p99 ms | max ms | errors | {cpu_label} |",
                 "|---|---:|---:|---:|---:|---:|---:|"]
        for name, r in rows.items():
            lines.append(f"| {name} | {r['rps']:.0f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | "
                         f"{r['max_ms']:.0f} | {r['errors']} | {r['cpu_ms_per_request']:.2f} |")
        return lines + [""]

    out += table("GET /api/v1/features", res["features"], "worker CPU ms/request")
    out += table("render callback (slider move)", res["callback"], "worker CPU ms/callback")
    out += [f"Render callback response: {res['callback_bytes'] / 1024:.0f} KB "
            f"({res['callback_bytes_on_the_wire'] / 1024:.0f} KB gzipped when asked).", ""]
    d = res["during_ingest"]
    out += ["| reads while build B lands (16 readers) | value |", "|---|---:|",
            f"| PUT of build B (s) | {d['put_s']:.1f} |",
            f"| reads sent from the PUT's start to 5 s after it | {d['reads']:,} |",
            f"| p50 / p95 / p99 (ms) | {d['p50_ms']:.0f} / {d['p95_ms']:.0f} / {d['p99_ms']:.0f} |",
            f"| max (ms) | {d['max_ms']:.0f} |",
            f"| errors | {d['errors']} |", f"| torn answers | {d['torn']} |",
            f"| answers naming build A after the PUT returned | {d['old_after_put']} "
            f"(last {d['last_old_after_put_ms']:.0f} ms after) |", ""]
    out += ["| worker | RSS MB | PSS MB | peak RSS MB |", "|---|---:|---:|---:|"]
    out += [f"| {m['pid']} | {m['rss_mb']:.0f} | {m['pss_mb']:.0f} | {m['hwm_mb']:.0f} |"
            for m in res["memory"]]
    out += [f"| **both workers (PSS)** | | **{res['memory_pss_total_mb']:.0f}** | |", ""]
    idle = res.get("memory_idle") or []
    if idle:
        out += ["Before any build: " + ", ".join(f"{m['rss_mb']:.0f} MB RSS / {m['pss_mb']:.0f} "
                                                  f"MB PSS" for m in idle) + " per worker.", ""]
    if "second_view" in res:
        s = res["second_view"]
        out += [f"Second page view through nginx: {s['files']} files on the page "
                f"({s['first_kb']:.0f} KB the first time, gzipped); the second view asks for "
                f"{s['revalidated']} of them again and downloads {s['second_kb']:.0f} KB.", ""]
    if "first_render" in res:
        f = res["first_render"]
        out += [f"First render (page asked for until the scatter is drawn, headless Chromium"
                f"{', through nginx' if res['nginx'] else ''}): {f['cold_s']:.1f} s in a new "
                f"browser, {f['warm_s']:.1f} s reloaded (median of 3); `{f['load']}`.", ""]
    if "python_app" in res:
        out += table("python app.py (SQLite), GET features varied", res["python_app"],
                     "CPU ms/request")
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
