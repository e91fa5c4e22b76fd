"""The benchmark's table (plain text and Markdown), the targets it is judged by, and the machine."""

from __future__ import annotations

import math
import os
import platform
import sys
from pathlib import Path

# (key, label, format, target at 100k: (comparison, value) or None)
ROWS = (
    ("body_mb", "features body (MB)", "{:.1f}", None),
    ("values", "non-zero values", "{:,}", None),
    ("parse_s", "orjson.loads of the body (s, median of 3)", "{:.2f}", None),
    ("ingest_s", "PUT /features over HTTP (s, median)", "{:.2f}", None),
    ("ingest_ratio", "ingest / parse floor", "{:.2f}x", ("<=", 4.0)),
    ("parse_cold_s", "cold: orjson.loads in a fresh process (s)", "{:.2f}", None),
    ("ingest_cold_s", "cold: first PUT into a fresh worker (s)", "{:.2f}", None),
    ("ingest_cold_ratio", "cold: ingest / parse", "{:.2f}x", ("<=", 4.0)),
    ("metrics_s", "PUT /metrics (s)", "{:.2f}", None),
    ("first_query_s", "first GET /features after metrics (s)", "{:.2f}", None),
    ("api_p50_ms", "GET /features p50 (ms)", "{:.1f}", None),
    ("api_p95_ms", "GET /features p95 (ms)", "{:.1f}", ("<=", 50.0)),
    ("api_kb", "GET /features response (KB, median)", "{:.0f}", None),
    ("naive_means_p50_ms", "naive: pandas means only p50 (ms)", "{:.0f}", None),
    ("naive_p50_ms", "naive: pandas + scipy Welch p50 (ms)", "{:.0f}", None),
    ("naive_p95_ms", "naive: pandas + scipy Welch p95 (ms)", "{:.0f}", None),
    ("speedup_p50", "API speed-up over naive (p50/p50)", "{:.0f}x", (">=", 10.0)),
    ("naive_max_diff", "largest difference API vs naive, any field", "{:.1e}", ("<=", 1e-9)),
    ("callback_p50_ms", "filter change: render_view + JSON p50 (ms)", "{:.1f}", None),
    ("callback_p95_ms", "filter change: render_view + JSON p95 (ms)", "{:.1f}", ("<=", 150.0)),
    ("figure_mb_max", "figure payload (MB, largest)", "{:.2f}", ("<=", 3.0)),
    ("points_max", "scatter points drawn (largest)", "{:,}", None),
    ("http_callback_p50_ms", "filter change: POST callback p50 (ms)", "{:.1f}", None),
    ("http_callback_p95_ms", "filter change: POST callback p95 (ms)", "{:.1f}", ("<=", 150.0)),
    ("http_callback_mb_max", "callback response (MB, largest)", "{:.2f}", None),
    ("rss_peak_mb", "server worker peak RSS (MB)", "{:.0f}", ("<=", 2048.0)),
    ("first_render_cold_s", "first render, new Chromium (s)", "{:.2f}", ("<=", 3.0)),
    ("first_render_s", "first render, reload (s, median)", "{:.2f}", ("<=", 3.0)),
)
SMALL_TARGETS = {"callback_p95_ms": ("<=", 20.0),  # at the 659-image size
                 "http_callback_p95_ms": ("<=", 20.0)}


def machine_info() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    import numpy
    import orjson
    import pandas
    import scipy
    return {"nproc": os.cpu_count(), "cpu": cpu, "ram_gb": round(mem_gb, 1),
            "python": sys.version.split()[0], "numpy": numpy.__version__,
            "pandas": pandas.__version__, "scipy": scipy.__version__,
            "orjson": orjson.__version__, "platform": platform.platform(),
            "load": " ".join(f"{x:.2f}" for x in os.getloadavg())}


def _cell(res: dict, key: str, fmt: str) -> str:
    if key.startswith("callback_") or key in ("figure_mb_max", "points_max"):
        if isinstance(res.get("callback"), str):
            return res["callback"]
    v = res.get(key)
    if v is None:
        return "-"
    if isinstance(v, float) and math.isinf(v):
        return "MISMATCH" if key == "naive_max_diff" else "timeout"
    return fmt.format(v)


def _verdict(res: dict, key: str, target) -> str:
    if target is None or not isinstance(res.get(key), (int, float)):
        return ""
    op, bound = target
    ok = res[key] <= bound if op == "<=" else res[key] >= bound
    return "ok" if ok else "MISS"


def _rows(results: dict) -> tuple[list[str], list[list[str]]]:
    sizes = results["sizes"]
    header = ["measure"] + [f"{r['images']:,} x {r['features']}" for r in sizes] + \
             ["target", "met?"]
    largest = max(sizes, key=lambda r: r["images"]) if sizes else {}
    smallest = min(sizes, key=lambda r: r["images"]) if sizes else {}
    body = []
    for key, label, fmt, target in ROWS:
        row = [label] + [_cell(r, key, fmt) for r in sizes]
        tgt, verdict = "", ""
        if target is not None:
            tgt = f"{target[0]} {fmt.format(target[1])} @ largest"
            verdict = _verdict(largest, key, target)
        if key in SMALL_TARGETS and smallest is not largest:
            op, bound = SMALL_TARGETS[key]
            tgt += f"; {op} {bound:g} @ smallest"
            verdict += "/" + (_verdict(smallest, key, SMALL_TARGETS[key]) or "-")
        body.append(row + [tgt, verdict])
    return header, body


def render_table(results: dict) -> str:
    header, body = _rows(results)
    widths = [max(len(r[i]) for r in [header] + body) for i in range(len(header))]
    line = lambda r: "  ".join(c.ljust(w) if i == 0 else c.rjust(w)  # noqa: E731
                               for i, (c, w) in enumerate(zip(r, widths)))
    out = [line(header), "  ".join("-" * w for w in widths)] + [line(r) for r in body]
    out += _extras(results)
    return "\n".join(out)


def render_markdown(results: dict) -> str:
    header, body = _rows(results)
    m = results["machine"]
    out = [f"Run {results['date']} — `{results['command']}` — database: "
           f"{results.get('backend', 'sqlite')}", "",
           f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['ram_gb']} GB RAM, "
           f"Python {m['python']}, numpy {m['numpy']}, pandas {m['pandas']}, "
           f"scipy {m.get('scipy', '?')}, orjson {m.get('orjson', '?')}, {m['platform']}; "
           f"load average at start {m['load']}.", "",
           "| " + " | ".join(header) + " |",
           "|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in body]
    extras = _extras(results)
    if extras:
        out += ["", "```"] + [e for e in extras if e] + ["```"]
    return "\n".join(out) + "\n"


def _extras(results: dict) -> list[str]:
    out = []
    w = results.get("workers")
    if w:
        out += ["", f"2 gunicorn workers (both caching the old build: pids {w['pids_before']}): "
                    f"after the PUT of a new build, {w['requests']} GETs from 4 concurrent "
                    f"clients were answered by workers {w['pids_seen']}; {w['stale']} stale "
                    f"answers (last at {w['last_stale_ms']:.0f} ms); first answer with the new "
                    f"build {w['first_new_ms']:.0f} ms after the PUT returned; all "
                    f"{w['requests']} within {w['span_ms']:.0f} ms."]
    return out
