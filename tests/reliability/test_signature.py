"""X-Signature-256: t=<unix>,v1=<HMAC of time, method, path, business, image source, Build-Id and
body>. A signature that is sent must verify; REQUIRE_SIGNATURE makes it mandatory; the old
body-only form only with SIGNATURE_LEGACY. (Replays over real HTTP: test_intake_live.py.)"""

from __future__ import annotations

import gzip
import time

import pytest

from data.people.signatures import SignedRequest, canonical_string, legacy_signature, sign, verify
from data.domain.errors import NotAuthenticated
from tests.reliability.builds import build_body

# About the HTTP edge, not the database (nothing here depends on the backend): runs once,
# in the SQLite run.
pytestmark = pytest.mark.backend("sqlite")

HEADERS = {"Business": "B", "Image-Source": "S", "Content-Type": "application/json"}
SECRET = "shared-signing-secret"
FEATURES = SignedRequest("PUT", "/api/v1/features", "B", "S")


def signed(body: bytes, request: SignedRequest = FEATURES, at: int | None = None,
           secret: str = SECRET) -> dict:
    return {**HEADERS, "X-Signature-256": sign(secret, at or int(time.time()), request, body)}


def test_the_canonical_string_is_six_lines_then_the_body():
    req = SignedRequest("put", "/api/v1/features", "Apple Music", "album covers", "42")
    assert canonical_string(1700000000, req, b"{}") == \
        b"1700000000\nPUT\n/api/v1/features\nApple Music\nalbum covers\n42\n{}"


def test_a_signature_over_the_request_is_accepted_and_a_wrong_one_is_401(make_app):
    client, _ = make_app(signing_secret=SECRET)
    body = build_body(1)
    assert client.put("/api/v1/features", data=body, headers=signed(body)).status_code == 201
    now = int(time.time())
    for bad in (sign("other-secret", now, FEATURES, body), sign(SECRET, now, FEATURES, body + b" "),
                f"t={now},v1=", "t=abc,v1=00", "v1=00", "md5=abc"):
        resp = client.put("/api/v1/features", data=build_body(2),
                          headers={**HEADERS, "X-Signature-256": bad})
        assert (resp.status_code, resp.json["error"]) == (401, "bad_signature"), bad


@pytest.mark.parametrize("skew", [-360, 360, -10**6])  # a minute of margin for a slow machine
def test_a_signature_more_than_five_minutes_off_either_way_is_401(make_app, skew):
    client, _ = make_app(signing_secret=SECRET)
    body = build_body(1)
    resp = client.put("/api/v1/features", data=body,
                      headers=signed(body, at=int(time.time()) + skew))
    assert (resp.status_code, resp.json["error"]) == (401, "stale_signature")
    assert client.put("/api/v1/features", data=body,
                      headers=signed(body, at=int(time.time()) + 200)).status_code == 201


@pytest.mark.parametrize("skew, accepted", [(-300, True), (300, True), (-301, False), (301, False)])
def test_the_tolerance_is_300_seconds_either_way(skew, accepted):
    now, body = 1_800_000_000, b"{}"
    header = sign(SECRET, now + skew, FEATURES, body)
    check = lambda: verify(SECRET, header, FEATURES, body, required=True,  # noqa: E731
                           legacy_allowed=False, now=now)
    if accepted:
        check()
    else:
        with pytest.raises(NotAuthenticated, match="300 s"):
            check()


def test_gzip_bodies_are_signed_as_sent(make_app):
    client, _ = make_app(signing_secret=SECRET)
    packed = gzip.compress(build_body(1))
    resp = client.put("/api/v1/features", data=packed,
                      headers={**signed(packed), "Content-Encoding": "gzip"})
    assert resp.status_code == 201


@pytest.mark.parametrize("required, status", [(False, 201), (True, 401)])
def test_unsigned_bodies_pass_unless_signatures_are_required(make_app, required, status):
    client, _ = make_app(signing_secret=SECRET, require_signature=required)
    resp = client.put("/api/v1/features", data=build_body(1), headers=HEADERS)
    assert resp.status_code == status
    if required:
        assert resp.json["error"] == "missing_signature"


@pytest.mark.parametrize("legacy, status", [(False, 401), (True, 201)])
def test_the_body_only_form_is_accepted_only_with_signature_legacy(make_app, legacy, status):
    client, _ = make_app(signing_secret=SECRET, require_signature=True, signature_legacy=legacy)
    body = build_body(1)
    resp = client.put("/api/v1/features", data=body,
                      headers={**HEADERS, "X-Signature-256": legacy_signature(SECRET, body)})
    assert resp.status_code == status
    if not legacy:
        assert resp.json["error"] == "legacy_signature" and "t=" in resp.json["message"]
        wrong = client.put("/api/v1/features", data=body, headers={
            **HEADERS, "X-Signature-256": legacy_signature("other", body)})
        assert wrong.json["error"] == "legacy_signature"


def test_a_signature_the_server_cannot_check_is_refused(make_app):
    client, _ = make_app()  # no INGEST_SIGNING_SECRET
    body = build_body(1)
    resp = client.put("/api/v1/features", data=body, headers=signed(body))
    assert (resp.status_code, resp.json["error"]) == (401, "signature_not_configured")


def test_names_with_line_breaks_cannot_be_signed_ambiguously():
    now = time.time()
    for req in (SignedRequest("PUT", "/p", "a\nb", "c"), SignedRequest("PUT", "/p", "a", "b", "1\r2")):
        with pytest.raises(NotAuthenticated) as info:
            verify(SECRET, sign(SECRET, int(now), req, b""), req, b"", required=True,
                   legacy_allowed=False, now=now)
        assert info.value.code == "unsignable_request"
