"""Several workers: a build PUT to one gunicorn worker must be served by every worker at once.

Each worker caches datasets, keyed by the image source's version, which every read checks in
the database; so the delay should be only the first load of the new build in each worker.
"""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from bench.datagen import generate
from tests.support.server import LiveServer

HEADERS = {"X-Business": "Bench Workers", "X-Image-Source": "two-workers",
           "Authorization": "Bearer bench-token"}


class _LoggedServer(LiveServer):
    """gunicorn with an access log naming the worker (pid) that answered each request."""

    def _command(self) -> list[str]:
        cmd = super()._command()
        return cmd[:-1] + ["--access-logfile", "-", "--access-logformat", "pid=%(p)s %(r)s %(s)s",
                           cmd[-1]]


def check_workers(workdir: Path, port: int, seed: int, log, requests_after: int = 80,
                  concurrency: int = 4) -> dict:
    """PUT build A, let both workers cache it, PUT build B, then GET from `concurrency` clients
    at once (so both sync workers must answer): every answer should already be B."""
    old = generate(659, density=0.3, seed=seed)
    new = generate(659, density=0.3, seed=seed + 1)
    env = {"INGEST_TOKENS": "bench-token"}
    with _LoggedServer(f"sqlite:///{workdir / 'workers.sqlite3'}", port=port, workers=2,
                       env=env, startup_timeout=120) as srv, \
            ThreadPoolExecutor(concurrency) as pool:
        url = srv.url("api/v1/features")
        sessions = [requests.Session() for _ in range(concurrency)]
        json_headers = {**HEADERS, "Content-Type": "application/json"}
        http = sessions[0]
        http.put(url, data=old.features_body, headers=json_headers).raise_for_status()
        http.put(srv.url("api/v1/metrics"), data=old.metrics_body,
                 headers=json_headers).raise_for_status()

        def get(i: int) -> tuple[float, int]:
            answer = sessions[i % concurrency].get(url, headers=HEADERS)
            answer.raise_for_status()
            return time.perf_counter(), answer.json()["build"]

        list(pool.map(get, range(40)))  # both workers now hold the old build
        before = _pids(srv.log_text())
        marker = len(srv.log_text())
        r = http.put(url, data=new.features_body, headers=json_headers)
        r.raise_for_status()
        put_done = time.perf_counter()
        new_id = r.json()["build"]
        seen = [(t - put_done, b) for t, b in pool.map(get, range(requests_after))]
        after = _pids(srv.log_text()[marker:])
    stale = [t for t, b in seen if b != new_id]
    fresh = [t for t, b in seen if b == new_id]
    result = {"requests": requests_after, "pids_seen": ", ".join(sorted(after)),
              "pids_before": ", ".join(sorted(before)), "stale": len(stale),
              "first_new_ms": 1e3 * min(fresh) if fresh else float("inf"),
              "last_stale_ms": 1e3 * max(stale) if stale else 0.0,
              "new_build": new_id, "span_ms": 1e3 * max(t for t, _ in seen)}
    log(f"[workers] {result}")
    return result


def _pids(log_text: str) -> set[str]:
    """Workers that answered a GET in this stretch of the access log."""
    return set(re.findall(r"pid=<?(\d+)>? GET ", log_text))
