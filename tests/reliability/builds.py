"""Recognisable builds and small HTTP helpers for the reliability tests.

Build k of an image source has N images, all with metrics; feature "marker" is 1 on the first k
images (sorted by name) and 0 elsewhere, so a features answer at threshold 0 says which build it
came from: marker's n_with == k. A torn or mixed build cannot give that answer for the build id
it reports.
"""

from __future__ import annotations

import socket

import orjson

from tests.support.ports import free_port


def serve(live_server_factory, **kwargs):
    """live_server_factory(port=<free port of our range>, **kwargs), choosing another port when
    something else took the chosen one first."""
    from tests.support.server import ServerFailed

    for attempt in range(5):
        try:
            return live_server_factory(port=free_port(), **kwargs)
        except ServerFailed as exc:
            if "in use" not in str(exc).lower() or attempt == 4:
                raise
    raise AssertionError("unreachable")


def image_names(n: int) -> list[str]:
    return [f"img-{i:07d}" for i in range(n)]


def build_body(k: int, n_images: int = 40, n_features: int = 3) -> bytes:
    """Features JSON of build k (see the module docstring); a few filler features too."""
    rows = []
    for i, name in enumerate(image_names(n_images)):
        fill = ",".join(f'"f{j:03d}":{((i * 7 + j * 3 + k) % 11) / 10}' for j in range(n_features))
        rows.append(f'"{name}":{{{fill},"marker":{1.0 if i < k else 0.0}}}')
    return ("{" + ",".join(rows) + "}").encode()


def metrics_body(n_images: int = 40) -> bytes:
    """Impressions and clicks for every image of build_body's images."""
    return orjson.dumps({name: {"impressions": 1000, "clicks": 10 + (i * 13) % 50}
                         for i, name in enumerate(image_names(n_images))})


def marker_count(answer: dict) -> int | None:
    """n_with of the marker feature in a GET features answer (None when it is not listed)."""
    for f in answer["features"]:
        if f["feature"] == "marker":
            return f["n_with"]
    return None


def identity(business: str = "Reliability", source: str = "pictures") -> dict:
    return {"Business": business, "Image-Source": source}


def large_build_body(n_images: int = 150_000, n_features: int = 12) -> bytes:
    """A large features JSON (about 25 MB for the defaults) whose validation and database write
    take long enough to be interrupted."""
    templates = [",".join(f'"f{j:03d}":{((r * 7 + j * 13) % 101) / 100}' for j in range(n_features))
                 for r in range(97)]
    rows = [f'"big-{i:07d}":{{{templates[i % 97]}}}' for i in range(n_images)]
    return ("{" + ",".join(rows) + "}").encode()


class RawRequest:
    """An HTTP/1.1 request on a plain socket, so a test decides how much of the body is sent
    before something happens to the server."""

    def __init__(self, port: int, method: str, path: str, headers: dict, content_length: int | None):
        self.port = port
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=120)
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close"]
        if content_length is None:
            lines.append("Transfer-Encoding: chunked")
        else:
            lines.append(f"Content-Length: {content_length}")
        lines += [f"{k}: {v}" for k, v in headers.items()]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))

    @property
    def client_port(self) -> int:
        return self.sock.getsockname()[1]

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def send_chunked(self, data: bytes, chunk: int = 64 * 1024) -> None:
        for i in range(0, len(data), chunk):
            piece = data[i:i + chunk]
            self.sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
        self.sock.sendall(b"0\r\n\r\n")

    def response(self) -> tuple[int, dict, bytes]:
        """(status, headers, body) of the answer; the connection is closed afterwards. Reads
        Content-Length bytes when given (Werkzeug drains an unread body until the client
        closes, so waiting for its close would wait forever)."""
        data = b""
        while b"\r\n\r\n" not in data and (chunk := self.sock.recv(1 << 16)):
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {k.lower(): v for k, v in
                   (line.split(": ", 1) for line in lines[1:] if ": " in line)}
        length = int(headers["content-length"]) if "content-length" in headers else None
        while (length is None or len(body) < length) and (chunk := self.sock.recv(1 << 16)):
            body += chunk
        self.sock.close()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = _dechunk(body)
        return int(lines[0].split()[1]), headers, body

    def close(self) -> None:
        self.sock.close()


def _dechunk(data: bytes) -> bytes:
    out = b""
    while data:
        size_line, _, rest = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out += rest[:size]
        data = rest[size + 2:]
    return out


def unread_bytes(server_port: int, client_port: int) -> int | None:
    """Bytes of this connection waiting in the server's receive queue plus those the client
    has not had acknowledged (from /proc/net/tcp); 0 means the server has read all sent."""
    total, found = 0, False
    with open("/proc/net/tcp") as fh:
        for line in fh.readlines()[1:]:
            parts = line.split()
            local = int(parts[1].split(":")[1], 16)
            remote = int(parts[2].split(":")[1], 16)
            tx, rx = (int(x, 16) for x in parts[4].split(":"))
            if (local, remote) == (server_port, client_port):
                total, found = total + rx, True
            elif (local, remote) == (client_port, server_port):
                total += tx
    return total if found else None
