"""X-Signature-256: a signature that is sent must verify; REQUIRE_SIGNATURE makes it mandatory."""

from __future__ import annotations

import gzip

import pytest

from data.people.tokens import signature
from tests.reliability.builds import build_body

HEADERS = {"Business": "B", "Image-Source": "S", "Content-Type": "application/json"}
SECRET = "shared-signing-secret"


def test_signature_over_the_body_is_accepted_and_a_wrong_one_is_401(make_app):
    client, _ = make_app(signing_secret=SECRET)
    body = build_body(1)
    ok = client.put("/api/v1/features", data=body,
                    headers={**HEADERS, "X-Signature-256": signature(SECRET, body)})
    assert ok.status_code == 201
    for bad in (signature("other-secret", body), signature(SECRET, body + b" "), "sha256=",
                "md5=abc"):
        resp = client.put("/api/v1/features", data=build_body(2),
                          headers={**HEADERS, "X-Signature-256": bad})
        assert (resp.status_code, resp.json["error"]) == (401, "bad_signature")


def test_gzip_bodies_are_signed_as_sent(make_app):
    client, _ = make_app(signing_secret=SECRET)
    packed = gzip.compress(build_body(1))
    resp = client.put("/api/v1/features", data=packed,
                      headers={**HEADERS, "Content-Encoding": "gzip",
                               "X-Signature-256": signature(SECRET, packed)})
    assert resp.status_code == 201


@pytest.mark.parametrize("required, status", [(False, 201), (True, 401)])
def test_unsigned_bodies_pass_unless_signatures_are_required(make_app, required, status):
    client, _ = make_app(signing_secret=SECRET, require_signature=required)
    resp = client.put("/api/v1/features", data=build_body(1), headers=HEADERS)
    assert resp.status_code == status
    if required:
        assert resp.json["error"] == "missing_signature"


def test_a_signature_the_server_cannot_check_is_refused(make_app):
    client, _ = make_app()  # no INGEST_SIGNING_SECRET
    body = build_body(1)
    resp = client.put("/api/v1/features", data=body,
                      headers={**HEADERS, "X-Signature-256": signature(SECRET, body)})
    assert (resp.status_code, resp.json["error"]) == (401, "signature_not_configured")
