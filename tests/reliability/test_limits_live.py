"""Body limits through the real servers (gunicorn and Werkzeug): a gzip bomb stops at the cap
with 413 without inflating in memory, chunked bodies (no Content-Length) are read, and the
server's log never holds a token."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import orjson
import pytest
import requests

from data.people.tokens import create_token
from data.storage.db import make_engine
from tests.reliability.builds import RawRequest, build_body, identity, serve

# About the HTTP edge, not the database (nothing here depends on the backend): runs once,
# in the SQLite run.
pytestmark = pytest.mark.backend("sqlite")

JSON = {"Content-Type": "application/json"}
CAP = 64 * 1024 * 1024


@pytest.fixture(scope="module")
def gzip_bomb() -> bytes:
    """1 GB of zeros, gzipped (about 1 MB)."""
    out = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(1 << 20)
    parts = [out.compress(zeros) for _ in range(1000)] + [out.flush()]
    return b"".join(parts)


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


@pytest.mark.parametrize("server", ["gunicorn", "python"])
def test_a_gzip_bomb_is_413_at_the_cap_without_inflating(live_server_factory, gzip_bomb, server):
    srv = serve(live_server_factory, server=server, env={"MAX_INGEST_BYTES": CAP})
    assert len(gzip_bomb) < 2 * 1024 * 1024
    resp = requests.put(srv.url("api/v1/features"), data=gzip_bomb,
                        headers={**identity(), **JSON, "Content-Encoding": "gzip"}, timeout=120)
    assert (resp.status_code, resp.json()["error"]) == (413, "body_too_large")
    assert "decompressed" in resp.json()["message"]
    pid = srv.worker_pids()[0] if server == "gunicorn" else srv.pid
    peak = _peak_rss_mb(pid)
    assert peak < 600, f"the worker peaked at {peak:.0f} MB for a 64 MB cap"
    # A real gzip body under the cap goes through.
    ok = requests.put(srv.url("api/v1/features"), data=gzip.compress(build_body(1)),
                      headers={**identity(), **JSON, "Content-Encoding": "gzip"}, timeout=60)
    assert ok.status_code == 201
    print(f"\ngzip bomb [{server}]: 1 GB of zeros in {len(gzip_bomb) / 1e6:.1f} MB -> "
          f"{resp.status_code}; worker peak RSS {peak:.0f} MB")


@pytest.mark.parametrize("server", ["gunicorn", "python"])
def test_chunked_bodies_without_content_length_are_read_and_capped(live_server_factory, server):
    srv = serve(live_server_factory, server=server,
                              env={"MAX_INGEST_BYTES": 200_000, "MAX_BODY_BYTES": 1024})
    body = build_body(7, n_images=1500)
    assert 64 * 1024 < len(body) < 200_000

    req = RawRequest(srv.port, "PUT", "/api/v1/features", {**identity(), **JSON}, None)
    req.send_chunked(body, chunk=4096)
    status, _, answer = req.response()
    assert status == 201, answer
    build = orjson.loads(answer)
    assert build["images"] == 1500

    big = build_body(7, n_images=4000)
    assert len(big) > 200_000
    req = RawRequest(srv.port, "PUT", "/api/v1/features", {**identity(), **JSON}, None)
    req.send_chunked(big)
    status, _, answer = req.response()
    assert (status, orjson.loads(answer)["error"]) == (413, "body_too_large")

    small = b'{"url_template": "https://cdn/{name}.png?' + b"x" * 2000 + b'"}'
    req = RawRequest(srv.port, "PUT", "/api/v1/image-source", {**identity(), **JSON}, None)
    req.send_chunked(small, chunk=512)
    status, _, answer = req.response()
    assert status == 413

    current = requests.get(srv.url("api/v1/features"), headers=identity(), timeout=30).json()
    assert current["build"] == build["build"]  # the refused bodies changed nothing


@pytest.mark.parametrize("server", ["gunicorn", "python"])
def test_tokens_never_reach_the_server_log(live_server_factory, database_url, server):
    env_token = "env-token-7f3a9c"
    engine = make_engine(database_url)
    from data.storage.db import migrate
    migrate(engine)
    scoped = create_token(engine, "jenkins-music", "Apple Music")
    engine.dispose()
    srv = serve(live_server_factory, server=server, env={
        "INGEST_TOKENS": env_token, "GUNICORN_CMD_ARGS": "--access-logfile -"})
    music = {"Business": "Apple Music", "Image-Source": "covers", **JSON}
    for token, business, expected in ((env_token, "Apple Music", 201), (scoped, "Apple Music", 200),
                                      (scoped, "Apple TV", 403), (scoped + "x", "Apple Music", 401)):
        resp = requests.put(srv.url("api/v1/features"), data=build_body(1),
                            headers={**music, "Business": business,
                                     "Authorization": f"Bearer {token}"}, timeout=30)
        assert resp.status_code == expected
        assert token not in resp.text
    requests.get(srv.url("api/v1/audit"), headers={"Authorization": f"Bearer {scoped}"}, timeout=30)
    srv.stop()
    log = srv.log_text()
    assert "PUT /api/v1/features" in log  # the requests were logged...
    for secret in (env_token, scoped, scoped[4:20]):
        assert secret not in log  # ...without their tokens
