"""Several workers: a build PUT to one gunicorn worker must be served by every worker at once.

Each worker caches datasets, keyed by the image source's version, which every read checks in
the database; so the delay should be only the first load of the new build in each worker.
"""

from __future__ import annotations

import re
import time
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


def check_workers(workdir: Path, port: int, seed: int, log, requests_after: int = 60) -> dict:
    old = generate(659, density=0.3, seed=seed)
    new = generate(659, density=0.3, seed=seed + 1)
    http = requests.Session()
    env = {"INGEST_TOKENS": "bench-token"}
    with _LoggedServer(f"sqlite:///{workdir / 'workers.sqlite3'}", port=port, workers=2,
                       env=env, startup_timeout=120) as srv:
        url = srv.url("api/v1/features")
        json_headers = {**HEADERS, "Content-Type": "application/json"}
        http.put(url, data=old.features_body, headers=json_headers).raise_for_status()
        http.put(srv.url("api/v1/metrics"), data=old.metrics_body,
                 headers=json_headers).raise_for_status()
        for _ in range(20):  # both workers now hold the old build
            http.get(url, headers=HEADERS).raise_for_status()
        marker = len(srv.log_text())
        r = http.put(url, data=new.features_body, headers=json_headers)
        r.raise_for_status()
        put_done = time.perf_counter()
        new_id = r.json()["build"]
        seen = []
        for _ in range(requests_after):
            answer = http.get(url, headers=HEADERS)
            answer.raise_for_status()
            seen.append((time.perf_counter() - put_done, answer.json()["build"]))
        pids = sorted(set(re.findall(r"pid=<?(\d+)>? GET ", srv.log_text()[marker:])))
    stale = [t for t, b in seen if b != new_id]
    fresh = [t for t, b in seen if b == new_id]
    result = {"requests": requests_after, "pids_seen": ", ".join(pids), "stale": len(stale),
              "first_new_ms": 1e3 * fresh[0] if fresh else float("inf"),
              "last_stale_ms": 1e3 * max(stale) if stale else 0.0,
              "new_build": new_id, "span_ms": 1e3 * seen[-1][0]}
    log(f"[workers] {result}")
    return result
