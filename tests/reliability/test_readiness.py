"""Operations faults of the real server: a database that stops accepting writes is reported by
GET /api/v1/ready (503, with the reason) while /health stays liveness, and writes answer 503 (a
retryable status), never 500; a read-only file system at start is one line and a non-zero
exit, not a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, make_url, text

from tests.support.ports import free_port
from tests.support.server import REPO_ROOT, _gunicorn_has_control_socket

HEADERS = {"Business": "Ops", "Image-Source": "covers"}
BUILD = {"a.png": {"dog": 0.9}, "b.png": {"dog": 0.2, "cat": 0.7}}


def _put_build(srv, body=BUILD) -> requests.Response:
    return requests.put(srv.url("api/v1/features"), json=body, headers=HEADERS, timeout=30)


def test_ready_is_200_and_writable_while_writes_work(live_server, database_backend):
    resp = requests.get(live_server.url("api/v1/ready"), timeout=30)
    assert resp.status_code == 200
    assert resp.json() == {"status": "ready", "database": database_backend, "writable": True}
    assert _put_build(live_server).status_code == 201


def _read_only(database_url: str, backend: str) -> str:
    """A URL of the same, migrated database on which every write fails as on a read-only
    disk: SQLite opened with mode=ro; PostgreSQL with default_transaction_read_only=on
    (what a standby or a read-only maintenance switch gives)."""
    if backend == "sqlite":
        path = make_url(database_url).database
        return f"sqlite:///file:{path}?mode=ro&uri=true"
    url = make_url(database_url)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{url.database}" SET default_transaction_read_only = on'))
    admin.dispose()
    return database_url


def test_a_read_only_database_is_not_ready_and_writes_answer_503(live_server_factory,
                                                                  database_url,
                                                                  database_backend):
    writable = live_server_factory()
    assert _put_build(writable).status_code == 201
    writable.stop()

    srv = live_server_factory(database_url=_read_only(database_url, database_backend))
    health = requests.get(srv.url("api/v1/health"), timeout=30)
    assert health.status_code == 200  # liveness: the process serves and reads work

    ready = requests.get(srv.url("api/v1/ready"), timeout=30)
    assert ready.status_code == 503, ready.text
    body = ready.json()
    assert body["error"] == "database_not_writable" and "read-only" in body["message"]
    assert body["details"][0]["writable"] is False

    write = _put_build(srv, {"c.png": {"dog": 0.5}})
    assert write.status_code == 503, write.text
    assert write.json()["error"] == "database_not_writable"
    assert "Nothing was written" in write.json()["message"]
    read = requests.get(srv.url("api/v1/features"), params={"business": "Ops",
                                                            "image_source": "covers"}, timeout=30)
    assert read.status_code == 200 and read.json()["images"] == 0  # no metrics: read works


# --------------------------------------------------------------------- read-only file system

def _read_only_mount(directory: Path) -> list[str] | None:
    """A command prefix that runs a command with `directory` mounted read-only in a private
    mount namespace (nothing outside the command sees it), or None where this machine cannot
    (no unshare / CAP_SYS_ADMIN)."""
    prefix = ["unshare", "--mount", "--propagation", "private", "sh", "-c",
              'mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" && exec "$@"',
              str(directory)]
    try:
        probe = subprocess.run(prefix + ["touch", str(directory / "probe")], capture_output=True,
                               text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    read_only = probe.returncode != 0 and "read-only" in probe.stderr.lower()
    return prefix if read_only else None


@pytest.fixture
def read_only_directory(tmp_path):
    """(directory, command prefix): the directory the database file lives in, read-only for
    commands run with the prefix. As root (the tests' usual user) chmod does not stop writes,
    so a read-only bind mount in a private namespace is used; otherwise chmod 555."""
    directory = tmp_path / "data"
    directory.mkdir()
    if os.geteuid() != 0:
        directory.chmod(0o555)
        yield directory, []
        directory.chmod(0o755)
        return
    prefix = _read_only_mount(directory)
    if prefix is None:
        pytest.skip("root without CAP_SYS_ADMIN: cannot make a read-only mount")
    yield directory, prefix


def _gunicorn(port: int) -> list[str]:
    cmd = [sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}"]
    return cmd + (["--no-control-socket"] if _gunicorn_has_control_socket() else []) + [
        "app:server"]


# `python app.py` goes through the same start-up as gunicorn's app:server (app.py __getattr__).
@pytest.mark.parametrize("command", ["gunicorn", "cli.py list"])
@pytest.mark.backend("sqlite")  # a SQLite file's directory
def test_a_read_only_file_system_at_start_is_one_line_and_a_non_zero_exit(read_only_directory,
                                                                          command):
    directory, prefix = read_only_directory
    database = directory / "dashboard.sqlite3"
    argv = {"gunicorn": _gunicorn(free_port()),
            "cli.py list": [sys.executable, "cli.py", "list"]}[command]
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LOAD_DEMO": "0",
           "PORT": str(free_port()), "DATABASE_URL": f"sqlite:///{database}"}
    run = subprocess.run(prefix + argv, cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                         timeout=120)
    output = run.stdout + run.stderr
    assert run.returncode != 0, output
    assert "Traceback" not in output, output
    errors = [line for line in output.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, output
    reason = "read-only file system" if prefix else "permission denied"
    assert errors[0].startswith(f"error: cannot write next to the database file {database} "
                                f"({reason})"), errors[0]
