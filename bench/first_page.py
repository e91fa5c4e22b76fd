"""The first page as a first visitor gets it, and a slider release, in headless Chromium.

    python bench/first_page.py [--runs 5] [--no-compare] [--verbose] [--images 100000]

Starts the real server twice on the demo data (gunicorn, 1 worker, 4 threads, SQLite in a temp
dir, LOAD_DEMO=1), or with --images N on a generated N x 480 build (--density, 10%) with its metrics
(bench/datagen.py, sent as Parquet and CSV before the runs): one with COMPRESS=0 and one with
COMPRESS=1 (the default). --runs times, in
turn on each server (so both see the same drift of the machine's load), a fresh Chromium
process (no cache, no cookies) opens the page and the bench reads Chromium's
performance log (the DevTools network events) until the scatter has drawn. Per server it prints
the median over the runs of:

* charts: seconds from asking for the page until the scatter is drawn (bench/browser.py's test:
  Plotly has computed a trace with points);
* boot: seconds until the browser asks for _dash-layout, i.e. every script is fetched and Dash's
  renderer runs (the floor: no page of this app can draw before it), and charts / boot;
* waves: serial rounds of callback requests before the charts show (a request starts a new wave
  when it is sent after a callback response of the current wave arrived, so it may have waited
  for it; the live poll's timer ticks are left out), the callback requests in them, and which
  callbacks they were (first output id);
* bytes: what crossed the wire before the charts show (encoded, headers excluded), and the
  largest responses;
* then, in one of those browsers, a slider release (the confidence value set as the slider
  sets it on mouse-up, dash_clientside.set_props) until every figure has redrawn
  (plotly_afterplot on all four graphs), median of --runs, against the floor of the render
  callback alone over HTTP for the same filters (bench/callback.py).

Timings on a shared machine are noisy: the load average is printed with the table.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from layouts.dashboard.ids import ids  # noqa: E402
from tests.support.server import LiveServer  # noqa: E402

BASE_PORT = 8420
GRAPHS = (ids.SCATTER, ids.BAR_WITH, ids.BAR_IMPACT, ids.BAR_WITHOUT)

_DRAWN_AT = """
const gd = document.querySelector('#%s .js-plotly-plot');
const drawn = gd && gd.calcdata && gd.calcdata.length && gd._fullLayout &&
  gd.data.some(t => t.x && t.x.length > 0);
return drawn ? performance.timeOrigin + performance.now() : null;
""" % ids.SCATTER

# Before a slider release: remember each graph's data and listen for its next redraw.
_ARM = """
var gds = %s.map(function (id) { return document.querySelector('#' + id + ' .js-plotly-plot'); });
if (gds.some(function (gd) { return !gd || !gd.data; })) { return false; }  // not all drawn yet
window.__bench = {graphs: gds.map(function (gd) {
  var entry = {gd: gd, data: gd.data, drawnAt: null};
  gd.on('plotly_afterplot', function () {
    if (gd.data !== entry.data) { entry.drawnAt = performance.timeOrigin + performance.now(); }
  });
  return entry;
})};
return true;
""" % json.dumps(list(GRAPHS))

_RELEASE = """
window.__bench.start = performance.timeOrigin + performance.now();
window.dash_clientside.set_props(%s, {value: arguments[0]});
""" % json.dumps(ids.CONFIDENCE)

_UPDATED_AT = """
var b = window.__bench;
if (!b.graphs.every(function (g) { return g.drawnAt !== null; })) { return null; }
return Math.max.apply(null, b.graphs.map(function (g) { return g.drawnAt; })) - b.start;
"""


def new_browser(driver_path: str = "/usr/bin/chromedriver"):
    """A fresh headless Chromium with its DevTools network events logged."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                "--window-size=1400,1000"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    return webdriver.Chrome(service=Service(driver_path), options=options)


def load_page(driver, url: str, timeout_s: float = 60.0) -> dict:
    """Open `url` and wait for the scatter; what the network did until then."""
    from selenium.common.exceptions import WebDriverException

    driver.get_log("performance")  # drop what the blank start page logged
    start = time.time()
    driver.get(url)
    drawn_at = None
    while time.time() - start < timeout_s:
        try:
            drawn_at = driver.execute_script(_DRAWN_AT)
        except WebDriverException:  # between documents
            drawn_at = None
        if drawn_at is not None:
            break
        time.sleep(0.01)
    if drawn_at is None:
        return {"charts_s": float("inf")}
    drawn = drawn_at / 1000
    requests = network(driver.get_log("performance"))
    before = [r for r in requests if r["sent"] <= drawn]
    layout = [r for r in before if r["path"].endswith("_dash-layout")]
    # The live poll's ticks are a timer (every LIVE_POLL_MS), not a round the charts wait for.
    callbacks = [r for r in before if r["path"].endswith("_dash-update-component")
                 and r.get("callback") != ids.LIVE_VERSION]
    waves = callback_waves(callbacks)
    return {
        "charts_s": drawn - start,
        "boot_s": (layout[0]["sent"] - start) if layout else float("nan"),
        "waves": len(waves),
        "callbacks": len(callbacks),
        "wave_sizes": [len(w) for w in waves],
        "wave_callbacks": [[r.get("callback") for r in w] for w in waves],
        "bytes": sum(r["bytes"] for r in before),
        "largest": sorted(((r["bytes"], r["path"].rsplit("/", 1)[-1], r.get("encoding"))
                           for r in before), reverse=True)[:6],
        "timeline": [(round(r["sent"] - start, 3), round(r["done"] - start, 3), r["bytes"],
                      r["path"].rsplit("/", 1)[-1]) for r in before],
    }


def network(entries: list[dict]) -> list[dict]:
    """Requests from Chromium's performance log: path, sent and finished (epoch seconds),
    encoded bytes received, Content-Encoding."""
    reqs: dict[str, dict] = {}
    offset = None  # wall clock minus Chromium's monotonic clock
    for entry in entries:
        msg = json.loads(entry["message"])["message"]
        method, p = msg.get("method"), msg.get("params", {})
        if method == "Network.requestWillBeSent":
            if offset is None and "wallTime" in p:
                offset = p["wallTime"] - p["timestamp"]
            reqs.setdefault(p["requestId"], {}).update(
                path=urlsplit(p["request"]["url"]).path, sent_mono=p["timestamp"],
                callback=callback_name(p["request"].get("postData")))
        elif method == "Network.responseReceived":
            headers = {k.lower(): v for k, v in p["response"].get("headers", {}).items()}
            reqs.setdefault(p["requestId"], {})["encoding"] = headers.get("content-encoding")
        elif method == "Network.loadingFinished":
            reqs.setdefault(p["requestId"], {}).update(done_mono=p["timestamp"],
                                                       bytes=int(p.get("encodedDataLength", 0)))
    out = []
    for r in reqs.values():
        if "path" not in r or "done_mono" not in r or offset is None:
            continue
        out.append({**r, "sent": r["sent_mono"] + offset, "done": r["done_mono"] + offset})
    return sorted(out, key=lambda r: r["sent"])


def callback_name(body: str | None) -> str | None:
    """The first output id of a callback request's body (which callback it is), or None."""
    try:
        output = json.loads(body)["output"]
    except (TypeError, ValueError, KeyError):
        return None
    return output.strip(".").split(".")[0]


def callback_waves(callbacks: list[dict]) -> list[list[dict]]:
    """Callback requests grouped into serial rounds: a request sent after a response of the
    current round came back starts the next round (it may have been waiting for it)."""
    waves: list[list[dict]] = []
    for r in callbacks:
        if waves and r["sent"] < min(x["done"] for x in waves[-1]):
            waves[-1].append(r)
        else:
            waves.append([r])
    return waves


def slider_releases(driver, base_url: str, runs: int, timeout_s: float = 30.0) -> list[float]:
    """Seconds from a confidence release to every figure redrawn, for `runs` thresholds."""
    out = []
    for i in range(runs):
        armed = time.time()
        while not driver.execute_script(_ARM):  # every graph drawn once before the release
            if time.time() - armed > timeout_s:
                raise RuntimeError("the four graphs were never all drawn")
            time.sleep(0.01)
        driver.execute_script(_RELEASE, round(0.05 + 0.1 * (i % 6), 2))
        start, took = time.time(), None
        while time.time() - start < timeout_s:
            took = driver.execute_script(_UPDATED_AT)
            if took is not None:
                break
            time.sleep(0.005)
        out.append(took / 1000 if took is not None else float("inf"))
    return out


def callback_floor(base_url: str, business: str, image_source: str, runs: int) -> float:
    """Median seconds of the render callback alone over HTTP (what a release cannot beat)."""
    from bench.callback import FilterCallback
    from data.domain.filters import normalize_filters

    call = FilterCallback(base_url)
    times = []
    for i in range(runs + 1):
        f = normalize_filters({"business": business, "image_source": image_source,
                               "threshold": round(0.05 + 0.1 * (i % 6), 2)})
        try:
            times.append(call(f)[0])
        except Exception as exc:  # noqa: BLE001 - a floor that cannot be measured is left out
            print(f"render callback floor not measured: {exc}", file=sys.stderr)
            return float("nan")
    return statistics.median(times[1:])


def measure(servers: dict[str, LiveServer], runs: int) -> dict[str, dict]:
    """Page loads on every server, interleaved run by run (the machine's load drifts; each
    server sees the same drift), then slider releases and the render callback floor."""
    pages = {name: page_url(srv) for name, srv in servers.items()}
    loads: dict[str, list] = {name: [] for name in servers}
    releases: dict[str, list] = {name: [] for name in servers}
    for i in range(runs):
        for name, srv in servers.items():
            driver = new_browser()
            try:
                loads[name].append(load_page(driver, pages[name][0]))
                if i == runs - 1:
                    releases[name] = slider_releases(driver, srv.base_url, runs)
            finally:
                driver.quit()
    return {name: summarize(loads[name], releases[name],
                            callback_floor(srv.base_url, *pages[name][1:], runs))
            for name, srv in servers.items()}


TOKEN = "bench-first-page-token-0123456789abcdef"


def generated_bodies(n_images: int, density: float) -> tuple[bytes, bytes]:
    """(long Parquet features, metrics CSV) of a generated n_images x 480 build."""
    from bench.datagen import generate
    from bench.ingest_formats import metrics_csv, parquet_long

    data = generate(n_images, density=density, bodies=False)
    return parquet_long(data), metrics_csv(data)


def send_build(srv: LiveServer, features: bytes, metrics: bytes) -> None:
    """PUT the generated build and its metrics, and wait until the server has indexed them."""
    import requests

    auth = {"Authorization": f"Bearer {TOKEN}"}
    where = {"business": "Bench", "image_source": "generated"}
    for route, body, media_type in (("features", features, "application/vnd.apache.parquet"),
                                    ("metrics", metrics, "text/csv")):
        r = requests.put(srv.url(f"api/v1/{route}"), params=where, data=body, timeout=600,
                         headers={**auth, "Content-Type": media_type})
        if r.status_code not in (200, 201):
            raise RuntimeError(f"PUT {route}: {r.status_code} {r.text[:300]}")
    requests.get(srv.url("api/v1/features"), params=where, timeout=600).raise_for_status()


def page_url(srv: LiveServer) -> tuple[str, str, str]:
    """(the page's URL for the first image source, its business, its image source)."""
    from urllib.parse import urlencode

    datasets = srv_json(srv.url("api/v1/datasets"))
    first = datasets["businesses"][0]
    business, image_source = first["business"], first["image_sources"][0]["image_source"]
    query = urlencode({"business": business, "image_source": image_source})
    return srv.base_url + "?" + query, business, image_source


def srv_json(url: str):
    import requests
    r = requests.get(url, timeout=30)
    r.raise_for_status()
    return r.json()


def summarize(loads: list[dict], releases: list[float], floor: float) -> dict:
    med = lambda key: statistics.median(x[key] for x in loads)  # noqa: E731
    charts, boot = med("charts_s"), med("boot_s")
    typical = sorted(loads, key=lambda x: x["charts_s"])[len(loads) // 2]
    release = statistics.median(releases) if releases else float("nan")
    return {"charts_s": charts, "boot_s": boot, "charts_per_boot": charts / boot,
            "waves": med("waves"), "callbacks": med("callbacks"), "bytes": med("bytes"),
            "all_charts_s": [round(x["charts_s"], 2) for x in loads],
            "all_waves": [x["wave_sizes"] for x in loads],
            "wave_callbacks": typical["wave_callbacks"],
            "largest": typical["largest"], "timeline": typical["timeline"],
            "release_s": release, "release_floor_s": floor, "release_per_floor": release / floor,
            "all_release_s": [round(x, 3) for x in releases]}


def table(results: dict[str, dict]) -> str:
    rows = ["| server | charts s | boot s (floor) | charts/boot | waves (callbacks) | sent MB "
            "| slider release s | render callback s (floor) | release/floor |",
            "|---|---|---|---|---|---|---|---|---|"]
    for name, r in results.items():
        rows.append(f"| {name} | {r['charts_s']:.2f} | {r['boot_s']:.2f} | "
                    f"{r['charts_per_boot']:.2f} | {r['waves']:g} ({r['callbacks']:g}) | "
                    f"{r['bytes'] / 1e6:.2f} | {r['release_s']:.3f} | "
                    f"{r['release_floor_s']:.3f} | {r['release_per_floor']:.1f} |")
    return "\n".join(rows)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--no-compare", action="store_true",
                   help="measure the compressed server only")
    p.add_argument("--verbose", action="store_true", help="timelines of the median run")
    p.add_argument("--images", type=int, default=0,
                   help="a generated build of this many images instead of the demo")
    p.add_argument("--density", type=float, default=0.10, help="of the generated build")
    args = p.parse_args(argv)
    bodies = generated_bodies(args.images, args.density) if args.images else None
    kinds = [("compressed", True)] if args.no_compare else [("uncompressed", False),
                                                             ("compressed", True)]
    with tempfile.TemporaryDirectory(prefix="bench-first-page-") as tmp, ExitStack() as stack:
        servers = {}
        for port, (name, compress) in enumerate(kinds, start=BASE_PORT):
            env = {"LOAD_DEMO": "0" if bodies else "1", "COMPRESS": "1" if compress else "0",
                   "INGEST_TOKENS": TOKEN, "RATE_LIMIT_PER_MINUTE": "0"}
            db = f"sqlite:///{Path(tmp) / (name + '.db')}"
            servers[name] = stack.enter_context(
                LiveServer(db, port=port, threads=4, env=env, startup_timeout=120))
            if bodies:
                send_build(servers[name], *bodies)
        results = measure(servers, args.runs)
    for name, r in results.items():
        print(f"[{name}] charts {r['all_charts_s']} waves {r['all_waves']} "
              f"release {r['all_release_s']}", file=sys.stderr, flush=True)
    data = f"{args.images:,} images x 480 ({args.density:.0%})" if args.images else "demo data"
    print(f"load average (1/5/15 min): {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
          f"{os.cpu_count()} CPUs; median of {args.runs} fresh Chromium runs; {data}")
    print(table(results))
    for name, r in results.items():
        print(f"\n{name}: largest responses before the charts (bytes, file, encoding): "
              f"{r['largest']}")
        print(f"{name}: callbacks (by first output) in each wave of the median run: "
              f"{r['wave_callbacks']}")
        if args.verbose:
            print(f"{name}: timeline of the median run (sent s, done s, bytes, path):")
            for row in r["timeline"]:
                print("   ", row)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
