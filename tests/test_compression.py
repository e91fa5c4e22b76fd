"""Compressed responses (api/compression.py): gzip or brotli when the client asks, the same
bytes when it does not; 304s, HEAD, streams, errors and small bodies keep working."""

from __future__ import annotations

import base64
import gzip
import re

import brotli
import numpy as np
import orjson
import pytest
from flask import Response

from app import create_app
from config import Settings
from data.demo import DEMO_BUSINESS, DEMO_IMAGE_SOURCE

GZIP = {"Accept-Encoding": "gzip"}


@pytest.fixture(scope="module")
def demo_app(module_database_url):
    app = create_app(Settings(database_url=module_database_url, load_demo=True))

    @app.server.route("/test-stream")
    def _stream():  # a streamed response, as a long CSV export would be
        return Response((f"row {i}\n" * 200 for i in range(5)), mimetype="text/plain")

    return app


@pytest.fixture
def client(demo_app):
    return demo_app.server.test_client()


def _page_files(client) -> tuple[str, str]:
    """(a Dash component suite script, a stamped asset stylesheet) of the page."""
    html = client.get("/").get_data(as_text=True)
    script = next(s for s in re.findall(r'src="([^"]+)"', html) if "dash_renderer" in s)
    sheet = next(s for s in re.findall(r'href="([^"]+\.css\?m=[^"]+)"', html)
                 if "bootstrap" in s)
    return script, sheet


def _features_query() -> dict:
    return {"business": DEMO_BUSINESS, "image_source": DEMO_IMAGE_SOURCE, "threshold": 0.2}


def test_the_page_its_layout_scripts_and_api_answers_are_gzipped_when_asked(client):
    script, sheet = _page_files(client)
    requests_ = [("/", {}), ("/_dash-layout", {"Referer": "http://localhost/?threshold=0.2"}),
                 (script, {}), (sheet, {}), ("/api/v1/features", None)]
    for path, headers in requests_:
        query = _features_query() if headers is None else None
        plain = client.get(path, headers=headers or {}, query_string=query)
        packed = client.get(path, headers={**(headers or {}), **GZIP}, query_string=query)
        assert plain.status_code == packed.status_code == 200, path
        assert "Content-Encoding" not in plain.headers, path
        assert packed.headers["Content-Encoding"] == "gzip", path
        assert "Accept-Encoding" in packed.headers["Vary"], path
        assert int(packed.headers["Content-Length"]) == len(packed.data) < len(plain.data) / 2
        if path == "/":  # the index carries a per-request value: same page, not same bytes
            assert gzip.decompress(packed.data).startswith(b"<!DOCTYPE html>")
        else:
            assert gzip.decompress(packed.data) == plain.data, path


def test_brotli_goes_to_a_client_that_prefers_it(client):
    script, _ = _page_files(client)
    plain = client.get(script)
    packed = client.get(script, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert packed.headers["Content-Encoding"] == "br"
    assert brotli.decompress(packed.data) == plain.data


def test_an_etag_still_answers_304_compressed_or_not_and_weakened_by_a_proxy(client):
    _, sheet = _page_files(client)
    for headers in ({}, GZIP, {"Accept-Encoding": "br"}):
        first = client.get(sheet, headers=headers)
        etag = first.headers["ETag"]
        assert first.status_code == 200 and etag
        for asked in (etag, "W/" + etag):
            again = client.get(sheet, headers={**headers, "If-None-Match": asked})
            assert again.status_code == 304, (headers, asked)
            assert again.data == b""
    # The two representations never share a strong ETag (a cache must not swap them).
    assert client.get(sheet, headers=GZIP).headers["ETag"] != client.get(sheet).headers["ETag"]


def test_head_gets_the_compressed_length_and_no_body(client):
    _, sheet = _page_files(client)
    got = client.get(sheet, headers=GZIP)
    head = client.head(sheet, headers=GZIP)
    assert head.status_code == 200 and head.data == b""
    assert head.headers["Content-Encoding"] == "gzip"
    assert head.headers["Content-Length"] == got.headers["Content-Length"]


def test_errors_small_answers_and_streams_are_sent_as_they_are(client):
    missing = client.get("/api/v1/features", headers=GZIP,
                         query_string={"business": "nobody", "image_source": "none"})
    assert missing.status_code >= 400 and "Content-Encoding" not in missing.headers
    assert missing.get_json()["error"]
    health = client.get("/api/v1/health", headers=GZIP)
    assert len(health.data) < 1024 and "Content-Encoding" not in health.headers
    stream = client.get("/test-stream", headers=GZIP)
    assert "Content-Encoding" not in stream.headers
    assert stream.data == b"".join((f"row {i}\n" * 200).encode() for i in range(5))


def test_an_image_table_is_compressed_once_per_table_and_a_new_delivery_makes_a_new_one(
        client, monkeypatch):
    import flask_compress.flask_compress as fc

    compressed = []
    real = fc._compress_data

    def counting(app, data, algorithm):
        compressed.append(len(data))
        return real(app, data, algorithm)

    monkeypatch.setattr(fc, "_compress_data", counting)
    query = {"business": DEMO_BUSINESS, "image_source": DEMO_IMAGE_SOURCE, "ctr": "f4"}
    br = {"Accept-Encoding": "br"}
    plain = client.get("/api/v1/images", query_string=query)
    first = client.get("/api/v1/images", query_string=query, headers=br)
    again = client.get("/api/v1/images", query_string=query, headers=br)
    assert first.headers["Content-Encoding"] == again.headers["Content-Encoding"] == "br"
    assert brotli.decompress(first.data) == brotli.decompress(again.data) == plain.data
    assert compressed == [len(plain.data)]  # the second answer was the kept body
    gzipped = client.get("/api/v1/images", query_string=query, headers=GZIP)
    assert gzip.decompress(gzipped.data) == plain.data and len(compressed) == 2

    # New metrics: another table (another key), compressed afresh; the old one is not served.
    name = plain.get_json()["images"][0]
    put = client.put("/api/v1/metrics", query_string={"business": DEMO_BUSINESS,
                                                      "image_source": DEMO_IMAGE_SOURCE},
                     json={name: {"impressions": 1000, "clicks": 999}})
    assert put.status_code in (200, 201)
    fresh = client.get("/api/v1/images", query_string=query, headers=br)
    table = orjson.loads(brotli.decompress(fresh.data))
    assert table["key"] != plain.get_json()["key"] and len(compressed) == 3
    assert np.frombuffer(base64.b64decode(table["ctr"]["bdata"]), "<f4")[0] == np.float32(0.999)


def test_the_kept_image_tables_are_the_most_recently_used_few_apart_from_the_files():
    from api.compression import TABLE_PREFIX, FingerprintedFiles

    kept = FingerprintedFiles(max_bytes=10, max_tables=2)
    kept.set("br;/assets/page.css?m=1", b"12345")
    for k in ("a", "b"):
        kept.set(f"br;{TABLE_PREFIX}{k}", k.encode() * 100)  # tables do not count to max_bytes
    assert kept.get(f"br;{TABLE_PREFIX}a") == b"a" * 100  # used: now the most recent
    kept.set(f"br;{TABLE_PREFIX}c", b"c")
    assert kept.get(f"br;{TABLE_PREFIX}b") is None
    assert kept.get(f"br;{TABLE_PREFIX}a") and kept.get(f"br;{TABLE_PREFIX}c") == b"c"
    assert kept.get("br;/assets/page.css?m=1") == b"12345"


def test_compress_0_turns_it_off(database_url):
    app = create_app(Settings(database_url=database_url, load_demo=False, compress=False))
    page = app.server.test_client().get("/", headers=GZIP)
    assert page.status_code == 200 and "Content-Encoding" not in page.headers
