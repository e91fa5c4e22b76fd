"""Recognisable builds and small HTTP helpers for the reliability tests.

Build k of an image source has N images, all with metrics; feature "marker" is 1 on the first k
images (sorted by name) and 0 elsewhere, so a features answer at threshold 0 says which build it
came from: marker's n_with == k. A torn or mixed build cannot give that answer for the build id
it reports.
"""

from __future__ import annotations

import socket

import orjson

PORTS = range(8250, 8300)  # this helper's port range


def free_port() -> int:
    """A port of our range that nothing listens on now."""
    for port in PORTS:
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 8250-8299")


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
