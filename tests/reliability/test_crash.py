"""kill -9 of the server in the middle of a large ingest loses nothing: after a restart on the
same database the previous build is served, the database is whole, and the next ingest works.

Three moments, each found by watching the server from outside rather than by sleeping:
- upload: half of the body is sent, the rest never comes;
- validation: the server has read the whole body (its receive queue is empty) and no write
  transaction is open yet;
- database write: the server's write transaction is open (SQLite's write lock is held, or the
  PostgreSQL backend has a transaction id).
"""

from __future__ import annotations

import threading
import time
from contextlib import ExitStack

import pytest
import requests

from tests.reliability.builds import (RawRequest, build_body, identity, serve,
                                      large_build_body, marker_count, metrics_body, unread_bytes)
from tests.reliability.database_probe import Probe

JSON = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def big_body() -> bytes:
    return large_build_body(n_images=100_000)  # about 17 MB


def _put(srv, body: bytes, **headers) -> requests.Response:
    return requests.put(srv.url("api/v1/features"), data=body,
                        headers={**identity(), **JSON, **headers}, timeout=120)


def _served(srv) -> dict:
    resp = requests.get(srv.url("api/v1/features"), params={"business": "Reliability",
                                                            "image_source": "pictures"}, timeout=60)
    assert resp.status_code == 200, resp.text
    return resp.json()


def _wait_for(condition, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.001)


SQLITE_RUN_ONLY = pytest.mark.backend("sqlite")  # before any write: the backend plays no part


@pytest.mark.parametrize("moment, server", [
    pytest.param("upload", "gunicorn", marks=SQLITE_RUN_ONLY),
    pytest.param("validation", "gunicorn", marks=SQLITE_RUN_ONLY),
    ("database write", "gunicorn"),
    ("database write", "python")])  # python app.py: the README's run command (Werkzeug)
def test_kill_9_during_a_large_ingest_loses_nothing(live_server_factory, database_url, big_body,
                                                     moment, server):
    srv = serve(live_server_factory, server=server)
    probe = Probe(database_url)
    try:
        assert _put(srv, build_body(2)).status_code == 201
        previous = _put(srv, build_body(3)).json()["build"]
        requests.put(srv.url("api/v1/metrics"), data=metrics_body(),
                     headers={**identity(), **JSON}, timeout=30).raise_for_status()
        builds_before = probe.builds()

        req = RawRequest(srv.port, "PUT", "/api/v1/features", {**identity(), **JSON},
                         len(big_body))
        with ExitStack() as held:
            if moment == "upload":
                req.send(big_body[:len(big_body) // 2])
                _wait_for(lambda: unread_bytes(srv.port, req.client_port) == 0,
                          "the half body read")
                assert not probe.writer_active()
            else:
                if moment == "database write":  # on PostgreSQL held inside it until the kill
                    held.enter_context(probe.parts_held())
                sender = threading.Thread(target=_send_quietly, args=(req, big_body),
                                          daemon=True)
                sender.start()
                if moment == "validation":
                    sender.join(60)
                    _wait_for(lambda: unread_bytes(srv.port, req.client_port) == 0,
                              "the whole body read")
                    assert not probe.writer_active()
                else:
                    _wait_for(probe.writer_waiting, "the write transaction")
            srv.kill()  # SIGKILL to the whole process group
        req.close()

        integrity = probe.integrity()
        assert integrity == "ok"
        assert probe.builds() == builds_before  # nothing half-written, nothing committed
        srv.restart()
        served = _served(srv)
        assert (served["build"], marker_count(served)) == (previous, 3)

        after = _put(srv, build_body(4))
        assert after.status_code == 201
        assert marker_count(_served(srv)) == 4
        print(f"\nkill -9 [{server}, {moment}]: served build {served['build']} (previous), "
              f"integrity {integrity}, next ingest {after.status_code}")
    finally:
        probe.close()


def _send_quietly(req: RawRequest, body: bytes) -> None:
    try:
        req.send(body)
    except OSError:  # the server died while we were sending: that is the test
        pass
