"""nginx in front of a test server, with the configuration docs/deploy.md gives (taken from that
file, so the documented configuration is the tested one).

    with Nginx(upstream_port=srv.port, workdir=tmp_path) as proxy:
        requests.get(proxy.url("tools/images/api/v1/health"))

Only the addresses change: the upstream (gunicorn's port), the port nginx listens on, and the
files nginx writes (pid, logs, temporary bodies) go to `workdir`. `available()` is False when
nginx is not installed (scripts/test installs it).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.support.ports import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
DEPLOY_DOC = REPO_ROOT / "docs" / "deploy.md"
PREFIX = "/tools/images/"  # the documented location; servers behind it use URL_PREFIX=PREFIX


def available() -> bool:
    return shutil.which("nginx") is not None or Path("/usr/sbin/nginx").exists()


def documented_config() -> str:
    """The ```nginx block of docs/deploy.md."""
    match = re.search(r"```nginx\n(.*?)```", DEPLOY_DOC.read_text(), re.S)
    if match is None:
        raise AssertionError("docs/deploy.md has no ```nginx block")
    return match.group(1)


class Nginx:
    def __init__(self, upstream_port: int, workdir: Path, port: int | None = None):
        self.upstream_port = upstream_port
        self.workdir = Path(workdir)
        self.port = port or free_port()
        self._proc: subprocess.Popen | None = None

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}"

    def _config(self) -> str:
        site = documented_config()
        site = site.replace("server 127.0.0.1:8050;", f"server 127.0.0.1:{self.upstream_port};")
        site = site.replace("listen 80;", f"listen 127.0.0.1:{self.port};")
        w = self.workdir
        user = "user root root;\n" if os.geteuid() == 0 else ""
        mime = next((p for p in ("/etc/nginx/mime.types", "/usr/local/nginx/conf/mime.types")
                     if Path(p).exists()), None)
        return (f"{user}worker_processes 1;\ndaemon off;\npid {w}/nginx.pid;\n"
                f"error_log {w}/error.log warn;\nevents {{ worker_connections 1024; }}\n"
                "http {\n"
                + (f"    include {mime};\n" if mime else "")
                + f"    access_log {w}/access.log;\n"
                f"    client_body_temp_path {w}/body;\n    proxy_temp_path {w}/proxy;\n"
                f"    fastcgi_temp_path {w}/fastcgi;\n    uwsgi_temp_path {w}/uwsgi;\n"
                f"    scgi_temp_path {w}/scgi;\n"
                + site + "}\n")

    def start(self) -> "Nginx":
        self.workdir.mkdir(parents=True, exist_ok=True)
        conf = self.workdir / "nginx.conf"
        conf.write_text(self._config())
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        log = open(self.workdir / "stderr.log", "ab")
        self._proc = subprocess.Popen([binary, "-c", str(conf), "-p", str(self.workdir)],
                                      stdout=log, stderr=subprocess.STDOUT,
                                      stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError("nginx exited: " + self.log_text())
            try:
                urllib.request.urlopen(self.url("nginx-probe"), timeout=2)
            except urllib.error.HTTPError:
                return self  # nginx answers (404 outside the location): it is up
            except OSError:
                time.sleep(0.05)
                continue
            return self
        self.stop()
        raise RuntimeError("nginx did not answer: " + self.log_text())

    def log_text(self) -> str:
        parts = []
        for name in ("stderr.log", "error.log"):
            path = self.workdir / name
            if path.exists():
                parts.append(path.read_text(errors="replace")[-3000:])
        return "\n".join(parts)

    def stop(self) -> None:
        if self._proc is None:
            return
        try:
            os.killpg(self._proc.pid, 15)  # our own session: this nginx and its worker only
        except ProcessLookupError:
            pass
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self._proc.pid, 9)
            self._proc.wait()
        self._proc = None

    def __enter__(self) -> "Nginx":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
