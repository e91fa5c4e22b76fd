"""Compressed responses for clients that ask (Accept-Encoding), with flask-compress.

The page's first load was ~9.1 MB of scripts, layout and callback answers, ~2.6 MB compressed;
with the page's own plotly.js (only the traces it draws, vendor/js) it is ~5.6 MB, ~1.6 MB
compressed. Levels were chosen by measuring CPU per response against bytes on the real responses
(docs/benchmarks.md, "Compression levels"). Every filter change compresses the render
callback's answer again, so its CPU counts most: brotli 2 makes it ~30 KB from 124 KB in ~2 ms,
brotli 4 saves 1 KB more for twice the CPU, brotli 11 (Dash's warning) takes 0.3 s there and
18 s on plotly.min.js. Brotli 2 goes to clients that accept it (Chromium does, also over plain
HTTP to localhost); gzip 4 to the rest (gzip 6 saves 3% for 1.5x the CPU).

Fingerprinted files (Dash's component suites, whose URLs name their version, and assets with
their ?m= stamp) are compressed once per worker and kept; every other response is compressed
as it leaves. Left alone: responses under MIN_SIZE, errors and redirects, 304s, streamed
responses (passed through as they are produced; the assets, small files, are read whole
first), anything already encoded, and clients that do not ask (curl without --compressed,
Jenkins, Flask's test client). A strong ETag gets the
encoding appended (":gzip"), so a cache never confuses the two bodies; If-None-Match is still
answered with 304 (flask-compress evaluates it on the encoded response).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from flask import Flask, Request, g, request
from flask_compress import Compress

ALGORITHMS = ["br", "gzip"]  # the client's preference wins among these (its q-values)
GZIP_LEVEL = 4
BROTLI_LEVEL = 2
MIN_SIZE = 1024  # bytes: below this the headers weigh as much as what compression saves
CACHED_FILES_MAX_BYTES = 32 * 1024 * 1024  # compressed files kept per worker
# Image tables (api/images.py) are named by this prefix; the most recently used few are kept
# per worker, apart from the files: each build (and metrics delivery) makes a new one.
TABLE_PREFIX = "image-table\n"
CACHED_TABLES = 8


def install(server: Flask, prefix: str) -> None:
    """Compress `server`'s responses (call before other after_request hooks are registered, so
    that compression runs after them and sees their final headers and status)."""
    server.config.update(
        COMPRESS_ALGORITHM=ALGORITHMS,
        COMPRESS_LEVEL=GZIP_LEVEL,
        COMPRESS_BR_LEVEL=BROTLI_LEVEL,
        COMPRESS_MIN_SIZE=MIN_SIZE,
        COMPRESS_STREAMS=False,
        COMPRESS_EVALUATE_CONDITIONAL_REQUEST=True,
        COMPRESS_CACHE_BACKEND=lambda: FingerprintedFiles(CACHED_FILES_MAX_BYTES),
        COMPRESS_CACHE_KEY=lambda request: fingerprint_key(request, prefix),
    )
    Compress(server)

    assets = prefix + "assets/"

    @server.after_request  # registered after Compress, so it runs before it
    def _buffer_assets(response):
        # Assets are small files sent as streams (send_file), which compression passes by;
        # read into memory they are compressed (once: they are fingerprinted) like the rest.
        if response.is_streamed and response.status_code == 200 and \
                request.path.startswith(assets):
            response.direct_passthrough = False
            response.make_sequence()
        return response


def fingerprint_key(request: Request, prefix: str) -> str:
    """The cache key of a response whose URL fixes its content, or that its view named as
    always the same (`g.compressed_as`: an image table), "" for any other."""
    if request.method not in ("GET", "HEAD"):
        return ""
    named = g.get("compressed_as")
    if named:
        return named
    path = request.path
    if path.startswith(prefix + "_dash-component-suites/"):
        return request.full_path  # the file name carries the package version and mtime
    if path.startswith(prefix + "assets/") and request.args.get("m"):
        return request.full_path  # Dash stamps assets with their modification time
    return ""


class FingerprintedFiles:
    """flask-compress's cache: compressed bodies of fingerprinted files, up to `max_bytes`
    in all. Keys are "<algorithm>;<fingerprint_key>"; an empty fingerprint is never kept, so
    every other response is compressed afresh."""

    def __init__(self, max_bytes: int, max_tables: int = CACHED_TABLES):
        self.max_bytes = max_bytes
        self.max_tables = max_tables
        self._bodies: dict[str, bytes] = {}
        self._tables: OrderedDict[str, bytes] = OrderedDict()  # least recently used first
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        if TABLE_PREFIX in key:
            with self._lock:
                body = self._tables.get(key)
                if body is not None:
                    self._tables.move_to_end(key)
                return body
        return self._bodies.get(key)

    def set(self, key: str, value: bytes) -> None:
        if key.endswith(";"):
            return
        if TABLE_PREFIX in key:
            with self._lock:
                self._tables[key] = value
                self._tables.move_to_end(key)
                while len(self._tables) > self.max_tables:
                    self._tables.popitem(last=False)
            return
        if key in self._bodies:
            return
        with self._lock:
            if self._size + len(value) > self.max_bytes:
                return  # full: the rest is compressed per request, as without a cache
            self._bodies[key] = value
            self._size += len(value)
