"""The real app in a separate process, for tests that must go through HTTP as Jenkins does.

    from tests.support.server import LiveServer

    with LiveServer(database_url, workers=2, env={"INGEST_TOKENS": "t1"}) as srv:
        requests.get(srv.url("api/v1/health"))     # srv.base_url == "http://127.0.0.1:PORT/"
        srv.kill()                                  # SIGKILL master and workers (a crash)
        srv.restart()                               # same database, same port, waits for health

API (all that other tests should need):
- LiveServer(database_url, *, port=None, workers=1, threads=1, server="gunicorn", env=None,
  startup_timeout=60): nothing runs until start() / `with`. port=None takes a free port from the
  OS; server="gunicorn" runs `python -m gunicorn -w N [--threads T] app:server`,
  server="python" runs `python app.py` (Werkzeug, the README's run command; workers ignored).
  env adds or overrides variables (INGEST_TOKENS, MAX_INGEST_BYTES, URL_PREFIX, ...); the app's
  own variables inherited from the caller's environment are dropped first, and LOAD_DEMO
  defaults to "0".
- start() -> self: starts and waits until GET <prefix>api/v1/health answers 200; raises
  ServerFailed with the server's log when it exits or does not answer in time.
- base_url ("http://127.0.0.1:PORT" + URL_PREFIX, ending in "/"), url(path), port, pid
  (gunicorn master or python), worker_pids() (gunicorn workers; [] for server="python").
- stop(timeout=10): SIGKILL to the process group, and waits for it to go. A test that stops a
  server is done with it: a shutdown (gunicorn's, then Python's own teardown of every module:
  1-3 s, much more on a loaded machine) would only cost time. A test about shutdown sends its
  own signal with kill(signal.SIGTERM) or kill(signal.SIGINT).
- kill(sig=SIGKILL, group=True): send sig to the whole process group (master and workers), or
  only to the master with group=False, then wait for the master to exit.
- restart(): stop if running, start again on the same database and port.
- log_text(): everything the server printed so far (stdout and stderr).
The process runs in its own session (process group), so stop()/kill() reach its workers and
nothing else.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from config import Settings
from tests.support.ports import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]

# Every variable the app's settings read: a test server never inherits one from the caller's
# shell by accident.
APP_VARIABLES = frozenset(Settings.variables())


class ServerFailed(RuntimeError):
    """The server process exited or did not become healthy; the message carries its log."""


def _gunicorn_has_control_socket() -> bool:
    from gunicorn.config import KNOWN_SETTINGS
    return any(s.name == "control_socket_disable" for s in KNOWN_SETTINGS)


def _prefix(value: str | None) -> str:
    parts = [p for p in (value or "/").split("/") if p]
    return "/" + "".join(p + "/" for p in parts)


class LiveServer:
    def __init__(self, database_url: str, *, port: int | None = None, workers: int = 1,
                 threads: int = 1, server: str = "gunicorn", env: dict | None = None,
                 startup_timeout: float = 60.0):
        if server not in ("gunicorn", "python"):
            raise ValueError("server must be 'gunicorn' or 'python'")
        self.database_url = database_url
        self.workers = workers
        self.threads = threads
        self.server = server
        self.startup_timeout = startup_timeout
        self._fixed_port = port
        self.port = port or free_port()
        self._extra_env = {k: str(v) for k, v in (env or {}).items()}
        self._proc: subprocess.Popen | None = None
        fd, log_path = tempfile.mkstemp(prefix="live-server-", suffix=".log")
        os.close(fd)
        self.log_path = Path(log_path)

    # ------------------------------------------------------------------------- addresses

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{_prefix(self._extra_env.get('URL_PREFIX'))}"

    def url(self, path: str = "") -> str:
        """Absolute URL of `path` under the app's prefix, e.g. url("api/v1/features")."""
        return self.base_url + path.lstrip("/")

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def worker_pids(self) -> list[int]:
        """PIDs of the gunicorn workers (children of the master) right now."""
        if self._proc is None or self.server != "gunicorn":
            return []
        try:
            text = Path(f"/proc/{self._proc.pid}/task/{self._proc.pid}/children").read_text()
        except OSError:
            return []
        return [int(p) for p in text.split()]

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    # ------------------------------------------------------------------------- lifecycle

    def _command(self) -> list[str]:
        if self.server == "python":
            return [sys.executable, "app.py"]
        cmd = [sys.executable, "-m", "gunicorn", "-w", str(self.workers),
               "-b", f"127.0.0.1:{self.port}", "--timeout", "120", "--graceful-timeout", "5"]
        if self.threads > 1:
            cmd += ["--threads", str(self.threads)]
        if _gunicorn_has_control_socket():
            # gunicorn 24+ opens ~/.gunicorn/gunicorn.ctl, shared by every server on the machine
            cmd += ["--no-control-socket"]
        return cmd + ["app:server"]

    def _environment(self) -> dict:
        env = {k: v for k, v in os.environ.items() if k not in APP_VARIABLES}
        env.update(DATABASE_URL=self.database_url, HOST="127.0.0.1", PORT=str(self.port),
                   LOAD_DEMO="0", PYTHONUNBUFFERED="1")
        env.update(self._extra_env)
        return env

    def start(self) -> "LiveServer":
        if self.running:
            raise RuntimeError("the server is already running; stop() or restart() it")
        for attempt in range(3):
            try:
                self._spawn_and_wait()
                return self
            except ServerFailed as exc:
                # An OS-chosen port can be taken between choosing and binding: choose again.
                in_use = "in use" in str(exc).lower()
                if self._fixed_port is None and in_use and attempt < 2:
                    self.port = free_port()
                    continue
                raise
        raise AssertionError("unreachable")

    def _spawn_and_wait(self) -> None:
        with open(self.log_path, "ab") as log:
            log.write(f"\n--- starting {' '.join(self._command())} on port {self.port}\n".encode())
            log.flush()
            self._proc = subprocess.Popen(self._command(), cwd=REPO_ROOT, env=self._environment(),
                                          stdin=subprocess.DEVNULL, stdout=log,
                                          stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + self.startup_timeout
        health = self.url("api/v1/health")
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                code = self._proc.returncode
                self._proc = None
                raise ServerFailed(f"server exited with {code} before answering:\n"
                                   + self.log_text()[-4000:])
            try:
                with urllib.request.urlopen(health, timeout=2) as resp:
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            time.sleep(0.05)
        self.stop()
        raise ServerFailed(f"no 200 from {health} within {self.startup_timeout}s:\n"
                           + self.log_text()[-4000:])

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def _signal_group(self, sig: int) -> None:
        try:
            os.killpg(self._proc.pid, sig)  # our own session: the server and its workers only
        except ProcessLookupError:
            pass

    def _wait_group_gone(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.killpg(self._proc.pid, 0)
            except ProcessLookupError:
                return True
            self._proc.poll()  # reap the master
            time.sleep(0.02)
        return False

    def stop(self, timeout: float = 10.0) -> None:
        """SIGKILL to the server and its workers (see the module docstring); waits for them."""
        if self._proc is None:
            return
        self._signal_group(signal.SIGKILL)
        self._wait_group_gone(timeout)
        self._proc.wait()
        self._proc = None

    def kill(self, sig: int = signal.SIGKILL, group: bool = True) -> None:
        """Send `sig` to master and workers (group=True) or to the master alone, and wait for
        the master to exit. With group=False a gunicorn worker may outlive it briefly."""
        if self._proc is None:
            raise RuntimeError("the server is not running")
        if group:
            self._signal_group(sig)
        else:
            self._proc.send_signal(sig)
        self._proc.wait(timeout=30)
        if group:
            self._wait_group_gone(10)

    def restart(self) -> "LiveServer":
        """Stop if running (or reap after kill), then start on the same database and port."""
        if self._proc is not None:
            if self.running:
                self.stop()
            else:
                self._wait_group_gone(10)
                self._proc = None
        self._fixed_port = self.port
        return self.start()

    def __enter__(self) -> "LiveServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
        if self._proc is None and not any(exc):
            self.log_path.unlink(missing_ok=True)
