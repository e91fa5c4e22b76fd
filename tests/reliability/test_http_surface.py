"""The HTTP surface browsers and Jenkins see: no redirects on API routes, small bodies capped,
frame-ancestors from FRAME_ANCESTORS, debug off by default."""

from __future__ import annotations

import gzip
import re

import pytest

from config import Settings
from api.openapi import openapi_document

# About the HTTP edge, not the database (nothing here depends on the backend): runs once,
# in the SQLite run.
pytestmark = pytest.mark.backend("sqlite")

METHODS = ("GET", "HEAD", "PUT", "POST", "DELETE", "PATCH", "OPTIONS")


def _api_paths(prefix: str) -> list[str]:
    root = prefix + "api/v1"
    paths = [root + p for p in openapi_document(root)["paths"]] + [root, root + "/nope/x"]
    variants = []
    for p in paths:
        variants += [p, p + "/", p + "//", p.replace("/api/v1", "/api//v1"),
                     p.replace("/api/v1", "/api/v1/"), p + "?business=B&image_source=S"]
    return variants


@pytest.mark.parametrize("prefix", ["/", "/tools/images/"])
def test_no_api_route_answers_with_a_redirect(make_app, prefix):
    client, _ = make_app(url_prefix=prefix)
    seen = {}
    for path in _api_paths(prefix):
        for method in METHODS:
            resp = client.open(path, method=method, data=b"{}",
                               headers={"Content-Type": "application/json"})
            seen[(method, path)] = resp.status_code
            assert not 300 <= resp.status_code < 400, (method, path, resp.status_code)
            if path.startswith(prefix + "api/v1/") and method not in ("HEAD", "OPTIONS"):
                assert resp.mimetype == "application/json", (method, path)
    assert len(seen) > 200


def test_small_routes_cap_their_body_at_max_body_bytes(make_app):
    client, _ = make_app(max_body_bytes=1024)
    body = b'{"url_template": "https://cdn/{name}.png?pad=' + b"x" * 2000 + b'"}'
    resp = client.put("/api/v1/image-source", data=body,
                      headers={"Business": "B", "Image-Source": "S",
                               "Content-Type": "application/json"})
    assert (resp.status_code, resp.json["error"]) == (413, "body_too_large")
    assert client.get("/api/v1/datasets").json["businesses"] == []


def test_ingest_routes_cap_their_body_at_max_ingest_bytes(make_app):
    client, _ = make_app(max_ingest_bytes=1000)
    body = b'{"a": {"f": 1}, "pad": {"' + b"x" * 2000 + b'": 1}}'
    resp = client.put("/api/v1/features", data=body,
                      headers={"Business": "B", "Image-Source": "S",
                               "Content-Type": "application/json"})
    assert resp.status_code == 413


@pytest.mark.parametrize("ancestors", ["'self'", "https://portal.example.com 'self'"])
def test_frame_ancestors_come_from_the_setting_and_no_x_frame_options(make_app, ancestors):
    client, _ = make_app(frame_ancestors=ancestors)
    for path in ("/", "/api/v1/health", "/api/v1/nope"):
        resp = client.get(path)
        directives = dict(d.strip().split(" ", 1)
                          for d in resp.headers["Content-Security-Policy"].split(";"))
        assert directives["frame-ancestors"] == ancestors
        assert "X-Frame-Options" not in resp.headers  # ALLOW-FROM is obsolete and ignored


def test_debug_is_off_by_default_and_errors_carry_no_traceback(make_app, monkeypatch):
    assert Settings.from_env({}).debug is False
    client, svc = make_app()
    assert client.application.debug is False

    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(svc.store, "datasets", broken)
    resp = client.get("/api/v1/datasets")
    assert resp.status_code == 500
    assert "secret internals" not in resp.text and "Traceback" not in resp.text


def test_settings_never_print_tokens_or_the_signing_secret():
    s = Settings.from_env({"INGEST_TOKENS": "tok-aaa,tok-bbb", "INGEST_SIGNING_SECRET": "sss-123"})
    assert s.ingest_tokens == ("tok-aaa", "tok-bbb") and s.signing_secret == "sss-123"
    assert "tok-aaa" not in repr(s) and "sss-123" not in repr(s)


@pytest.mark.parametrize("encoding, accepted", [
    ("", True), ("identity", True), (" GZIP\t", True), ("x-gzip", True), ("br", False),
    ("gzip, br", False), ("\xa0gzip", False), ("identity gzip", False)])
def test_the_documented_content_encodings_are_exactly_those_accepted(make_app, encoding,
                                                                     accepted):
    # schemathesis found an empty Content-Encoding accepted while the document listed only
    # gzip and identity: the document's pattern and the server now agree, value by value.
    client, _ = make_app()
    schema = next(p["schema"] for p in client.get("/api/v1/openapi.json").json["paths"][
        "/image-source"]["put"]["parameters"] if p["name"] == "Content-Encoding")
    body = b'{"url_template": "https://cdn/{name}.png"}'
    if "gzip" in encoding.lower() and accepted:
        body = gzip.compress(body)
    resp = client.put("/api/v1/image-source", data=body, headers={
        "Business": "B", "Image-Source": "S", "Content-Type": "application/json",
        "Content-Encoding": encoding})
    assert bool(re.search(schema["pattern"], encoding)) == accepted
    assert resp.status_code == (200 if accepted else 415), resp.json
