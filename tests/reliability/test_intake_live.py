"""Issue 10, round two, over real HTTP (gunicorn in its own process, on SQLite or PostgreSQL):
what is accepted is exactly what was sent, what is refused wrote nothing, nothing is a 5xx.

One test (or a few) per class of hole an outside probe found: damaged bodies stored as if whole,
silently resolved duplicates, misleading errors, formulas through the CSV export, global
idempotency keys, replayable signatures, free token guessing, NUL in headers.
"""

from __future__ import annotations

import csv
import gzip
import http.client
import io
import json
import secrets
import shutil
import socket
import subprocess
import time

import pytest
import requests
from sqlalchemy import text

from app import create_app
from config import Settings
from data.people.signatures import sign, SignedRequest
from data.storage.cache import DatasetCache
from data.storage.db import make_engine
from data.storage.store import Store
from figures.dashboard.table import csv_text
from figures.dashboard.view import render_view
from tests.reliability.builds import RawRequest
from tests.support.server import REPO_ROOT, LiveServer

SECRET = "round-two-secret"
TOKEN = "good-token-round-two"
ROWS = 2000
METRICS_CSV = b"image,impressions,clicks\n" + b"".join(
    b"img-%04d,100000,%d\n" % (i, 14344 + i) for i in range(ROWS))
NUL_PROBLEM = "contains a NUL character (U+0000), which cannot be stored; remove it"


@pytest.fixture(scope="module")
def engine(module_database_url):
    eng = make_engine(module_database_url)
    yield eng
    eng.dispose()


@pytest.fixture(scope="module")
def server(module_live_server) -> LiveServer:
    """No tokens: loopback writes, like a laptop."""
    return module_live_server


def put(srv: LiveServer, route: str, business: str, body: bytes, content_type="application/json",
        source: str = "pictures", **headers) -> requests.Response:
    return requests.put(srv.url(f"api/v1/{route}"), data=body, timeout=60, headers={
        "Business": business, "Image-Source": source, "Content-Type": content_type, **headers})


def stored(engine, business: str) -> tuple:
    """Everything the business has in the database: builds, metrics, audit records."""
    with engine.connect() as conn:
        builds = conn.execute(text(
            "SELECT b.id, b.build_label, b.n_images, b.n_values FROM build b "
            "JOIN image_source s ON s.id = b.image_source_id JOIN business z ON z.id = s.business_id "
            "WHERE z.name = :b ORDER BY b.id"), {"b": business}).all()
        metrics = conn.execute(text(
            "SELECT m.image_name, m.impressions, m.clicks, m.ctr FROM image_metric m "
            "JOIN image_source s ON s.id = m.image_source_id JOIN business z ON z.id = s.business_id "
            "WHERE z.name = :b ORDER BY m.image_name"), {"b": business}).all()
        audit = conn.execute(text("SELECT count(*) FROM audit_record WHERE business = :b"),
                             {"b": business}).scalar()
    return builds, metrics, audit


def assert_refused(resp, status: int, code: str, engine, business: str, before=None):
    assert (resp.status_code, resp.json()["error"]) == (status, code), resp.text[:400]
    assert stored(engine, business) == (before or ([], [], 0))


# ------------------------------------------------------------------ 1. damaged bodies


def test_a_truncated_gzip_body_is_400_and_stores_nothing(server, engine):
    packed = gzip.compress(METRICS_CSV)
    for name, body in (("cut", packed[:-10]), ("garbage", packed + b"trailing junk"),
                       ("crc", packed[:-8] + bytes(8))):
        resp = put(server, "metrics", f"Gzip {name}", body, "text/csv", **{"Content-Encoding": "gzip"})
        assert_refused(resp, 400, "bad_gzip", engine, f"Gzip {name}")


def test_a_multi_member_gzip_body_stores_every_row_exactly(server, engine):
    half = METRICS_CSV.index(b"\n", len(METRICS_CSV) // 2) + 1
    body = gzip.compress(METRICS_CSV[:half]) + gzip.compress(METRICS_CSV[half:])
    assert subprocess.run(["gzip", "-dc"], input=body, capture_output=True).stdout == METRICS_CSV
    resp = put(server, "metrics", "Gzip members", body, "text/csv", **{"Content-Encoding": "gzip"})
    assert resp.status_code == 200, resp.text
    _, metrics, _ = stored(engine, "Gzip members")
    assert [(m[0], m[1], m[2]) for m in metrics] == [
        (f"img-{i:04d}", 100000, 14344 + i) for i in range(ROWS)]


def test_an_upload_cut_off_before_its_content_length_is_400_and_stores_nothing(server, engine):
    cut = METRICS_CSV.index(b"\n", len(METRICS_CSV) // 2) + 1  # a clean row boundary
    req = RawRequest(server.port, "PUT", "/api/v1/metrics", {
        "Business": "Cut upload", "Image-Source": "pictures", "Content-Type": "text/csv"},
        len(METRICS_CSV))
    req.send(METRICS_CSV[:cut])
    req.sock.shutdown(socket.SHUT_WR)  # the sender stops (Jenkins restarting) but still listens
    status, _, body = req.response()
    assert (status, json.loads(body)["error"]) == (400, "incomplete_body")
    assert stored(engine, "Cut upload") == ([], [], 0)


def test_a_chunked_upload_that_stops_is_400_and_stores_nothing(server, engine):
    req = RawRequest(server.port, "PUT", "/api/v1/metrics", {
        "Business": "Cut chunks", "Image-Source": "pictures", "Content-Type": "text/csv"}, None)
    cut = METRICS_CSV.index(b"\n", 5000) + 1
    req.send(b"%x\r\n%s\r\n" % (cut, METRICS_CSV[:cut]))  # no last chunk
    req.sock.shutdown(socket.SHUT_WR)
    status, _, body = req.response()
    assert (status, json.loads(body)["error"]) == (400, "incomplete_body")
    assert stored(engine, "Cut chunks") == ([], [], 0)


# ------------------------------------------------------------------ 2. silent duplicates


@pytest.mark.parametrize("route, body, detail", [
    ("features", b'{"a": {"f": 1}, "b": {"f": 2}, "a": {"f": 3}}', {"image": "a", "times": 2}),
    ("features", b'{"a": {"f": 1, "g": 2, "f": 3}}', {"image": "a", "feature": "f", "times": 2}),
    ("metrics", b'{"a": {"ctr": 0.1}, "a": {"ctr": 0.2}}', {"image": "a", "times": 2}),
])
def test_json_naming_an_image_or_feature_twice_is_422_like_csv(server, engine, route, body, detail):
    business = f"Twice {route} {len(body)}"
    resp = put(server, route, business, body)
    assert_refused(resp, 422, "duplicate_keys", engine, business)
    assert resp.json()["details"] == [detail]


def test_an_image_source_setting_given_twice_is_422(server, engine):
    resp = put(server, "image-source", "Twice template",
               b'{"url_template": "https://a/{name}", "url_template": "https://b/{name}"}')
    assert_refused(resp, 422, "duplicate_keys", engine, "Twice template")
    assert resp.json()["details"] == [{"field": "url_template", "times": 2}]


def test_metrics_with_impressions_clicks_and_ctr_are_422_not_a_silently_ignored_ctr(server, engine):
    resp = put(server, "metrics", "All three", b'{"a": {"impressions": 10, "clicks": 1, "ctr": 0.9}}')
    assert_refused(resp, 422, "bad_metrics", engine, "All three")
    assert "not all three" in resp.json()["details"][0]["problem"]


def test_names_with_control_characters_go_through_features_and_metrics_alike(server, engine):
    names = ["tab\there", "bell\x07", "esc\x1b[1m", "cr\rlf\n", "del\x7f", "unit\x1f"]
    features = json.dumps({n: {"f": 1} for n in names}).encode()
    assert put(server, "features", "Control", features).status_code == 201
    metrics = json.dumps({n: {"impressions": 10, "clicks": i} for i, n in enumerate(names)})
    resp = put(server, "metrics", "Control", metrics.encode())
    assert (resp.status_code, resp.json()["matched"], resp.json()["unmatched"]) == (200, 6, 0)
    quoted = "image,ctr\n" + "".join(f'"{n}",0.5\n' for n in names)
    resp = put(server, "metrics", "Control", quoted.encode(), "text/csv")
    assert (resp.status_code, resp.json()["matched"]) == (200, 6)
    _, metrics_rows, _ = stored(engine, "Control")
    assert sorted(m[0] for m in metrics_rows) == sorted(names)


def test_nul_in_an_image_name_is_refused_by_features_and_metrics_with_one_message(server, engine):
    for route, body, ctype in (("features", b'{"a\\u0000": {"f": 1}}', "application/json"),
                               ("metrics", b'{"a\\u0000": {"ctr": 0.1}}', "application/json"),
                               ("metrics", b"image,ctr\na\x00,0.1\n", "text/csv")):
        resp = put(server, route, "Nul names", body, ctype)
        assert resp.status_code == 422 and stored(engine, "Nul names") == ([], [], 0)
        assert resp.json()["details"][0]["problem"] == f"the image name {NUL_PROBLEM}"


def test_a_name_too_long_for_a_postgresql_index_is_422_in_features_and_metrics(server, engine):
    name = secrets.token_hex(1500)  # 3,000 characters that do not compress: one 500 on PostgreSQL
    for route, body in (("features", {name: {"f": 1}}), ("metrics", {name: {"ctr": 0.1}})):
        resp = put(server, route, "Long names", json.dumps(body).encode())
        assert_refused(resp, 422, resp.json()["error"], engine, "Long names")
        assert "the limit is 500" in resp.json()["details"][0]["problem"]


# ------------------------------------------------------------------ 3. errors that say what is wrong


@pytest.mark.parametrize("body, code, words", [
    ('{"a": {"f": 1}}'.encode("utf-16"), "bad_encoding", "UTF-16"),
    ('{"café": {"f": 1}}'.encode("latin-1"), "bad_encoding", "invalid UTF-8 at byte 5"),
    (b'{"a\\ud800": {"f": 1}}', "lone_surrogate", "lone surrogate \\ud800"),
])
def test_a_json_body_that_is_not_utf8_text_is_named_as_such(server, engine, body, code, words):
    resp = put(server, "features", "Encoding", body)
    assert_refused(resp, 400, code, engine, "Encoding")
    assert words in resp.json()["message"] and "non-finite" not in resp.json()["message"]


@pytest.mark.parametrize("charset, encode", [
    ("iso-8859-1", lambda t: t.encode("latin-1")),
    ("windows-1252", lambda t: t.encode("cp1252")),
    ("utf-16", lambda t: t.encode("utf-16")),
])
def test_a_csv_body_is_read_in_the_charset_it_declares(server, engine, charset, encode):
    business = f"Charset {charset}"
    body = encode("image,ctr\ncafé.png,0.25\nniño €.png,0.5\n" if charset == "windows-1252"
                  else "image,ctr\ncafé.png,0.25\nniño.png,0.5\n")
    resp = put(server, "metrics", business, body, f"text/csv; charset={charset}")
    assert resp.status_code == 200, resp.text
    names = [m[0] for m in stored(engine, business)[1]]
    assert names == sorted(["café.png", "niño €.png" if charset == "windows-1252" else "niño.png"])


def test_a_json_body_in_a_declared_charset_is_stored_in_the_right_characters(server, engine):
    body = '{"café.png": {"f": 1}, "niño.png": {"f": 0.5}}'.encode("latin-1")
    resp = put(server, "features", "Latin JSON", body, "application/json; charset=ISO-8859-1")
    assert resp.status_code == 201, resp.text
    read = requests.get(server.url("api/v1/datasets"), timeout=30).json()
    assert any(b["business"] == "Latin JSON" for b in read["businesses"])


def test_an_unsupported_charset_is_415_naming_the_supported_ones(server, engine):
    resp = put(server, "metrics", "Charset other", b"image,ctr\na,0.1\n", "text/csv; charset=ebcdic-cp-us")
    assert_refused(resp, 415, "unsupported_charset", engine, "Charset other")
    assert "iso-8859-1" in resp.json()["message"] and "windows-1252" in resp.json()["message"]


# ------------------------------------------------------------------ 4. formulas through the CSV


def test_the_api_csv_is_the_pages_download_and_no_line_starts_a_formula(server, engine):
    names = ["plain\r=1+1", "two\n@SUM(A1)", "=HYPERLINK(\"http://x\")", "-2+3", "quiet"]
    features = {f"img-{i}": {n: (i % 3) / 2 for n in names} for i in range(12)}
    assert put(server, "features", "Export", json.dumps(features).encode()).status_code == 201
    metrics = {f"img-{i}": {"impressions": 1000, "clicks": 10 + 3 * i} for i in range(12)}
    assert put(server, "metrics", "Export", json.dumps(metrics).encode()).status_code == 200
    params = {"business": "Export", "image_source": "pictures", "threshold": "0.1"}
    rows = requests.get(server.url("api/v1/features"), params=params, timeout=30).json()["features"]
    resp = requests.get(server.url("api/v1/features"), params={**params, "format": "csv"}, timeout=30)
    assert resp.status_code == 200 and resp.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "features_Export_pictures_current_t0.1.csv" in resp.headers["Content-Disposition"]
    assert resp.content == csv_text(rows).encode()
    # The page shows the same rows for the same filters, so its download is the same bytes.
    page = render_view(DatasetCache(Store(engine)).get("Export", "pictures"),
                       {"business": "Export", "image_source": "pictures", "threshold": 0.1,
                        "top_k": None})
    assert csv_text(page["rows"]).encode() == resp.content
    records = list(csv.reader(io.StringIO(resp.text, newline="")))
    assert len(records) == 1 + len(rows) and {r[0] for r in records[1:]} == {
        "plain\r'=1+1", "two\n'@SUM(A1)", "'=HYPERLINK(\"http://x\")", "'-2+3", "quiet"}
    for line in resp.text.replace("\r", "\n").split("\n"):
        assert not line.startswith(("=", "+", "-", "@", "\t")), line


# ------------------------------------------------------------------ 5. idempotency keys per dataset


def test_another_business_using_the_same_idempotency_key_changes_nothing_for_us(server, engine):
    key = {"Idempotency-Key": "music-job-43-features"}
    theirs = put(server, "features", "Business B", b'{"x": {"f": 1}}', **key)
    assert theirs.status_code == 201
    ours = put(server, "features", "Business A", b'{"a": {"f": 1}, "b": {"g": 2}}', **key)
    assert ours.status_code == 201 and ours.json()["business"] == "Business A"
    again = put(server, "features", "Business A", b'{"a": {"f": 1}, "b": {"g": 2}}', **key)
    assert (again.status_code, again.json()["build"]) == (200, ours.json()["build"])
    other_source = put(server, "features", "Business A", b'{"c": {"f": 1}}', source="covers", **key)
    assert other_source.status_code == 201
    reused = put(server, "features", "Business A", b'{"z": {"f": 9}}', **key)
    assert (reused.status_code, reused.json()["error"]) == (422, "idempotency_key_reused")
    assert "Business B" not in reused.text  # nothing about the other business's use


# ------------------------------------------------------------------ 6. signatures cannot be replayed


@pytest.fixture(scope="module")
def signed_server(module_database_url):
    with LiveServer(module_database_url, env={"INGEST_SIGNING_SECRET": SECRET,
                                              "REQUIRE_SIGNATURE": "1"}) as srv:
        yield srv


def test_a_signed_request_replayed_with_another_build_id_or_image_source_is_401(signed_server, engine):
    body = b'{"a": {"f": 1}, "b": {"f": 0.5}}'
    now = int(time.time())
    signature = sign(SECRET, now, SignedRequest("PUT", "/api/v1/features", "Signed", "pictures",
                                                "100"), body)
    for replay in ({"Build-Id": "102"}, {"Build-Id": "100", "Image-Source": "other"},
                   {"Build-Id": "100", "Business": "Signed too"}):
        resp = put(signed_server, "features", "Signed", body, **{"X-Signature-256": signature,
                                                                   **replay})
        assert (resp.status_code, resp.json()["error"]) == (401, "bad_signature"), replay
    assert stored(engine, "Signed") == ([], [], 0)
    ok = put(signed_server, "features", "Signed", body, **{"X-Signature-256": signature,
                                                           "Build-Id": "100"})
    assert ok.status_code == 201 and ok.json()["build_label"] == "100"
    legacy = put(signed_server, "metrics", "Signed", b'{"a": {"ctr": 0.1}}',
                 **{"X-Signature-256": "sha256=" + "0" * 64})
    assert (legacy.status_code, legacy.json()["error"]) == (401, "legacy_signature")


def _readme_signing_lines() -> str:
    """The bash block of the README's "Signed requests" section."""
    readme = (REPO_ROOT / "README.md").read_text()
    section = readme[readme.index("#### Signed requests"):]
    return section[section.index("```bash\n") + 8:section.index("```", section.index("```bash") + 7)]


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_the_readmes_openssl_lines_sign_a_request_the_server_accepts(signed_server, tmp_path):
    (tmp_path / "out").mkdir()
    body = b'{"cover 1.jpg": {"red": 0.9}, "cover 2.jpg": {"dog": 0.4}}'
    (tmp_path / "out" / "features.json").write_bytes(body)
    printed = subprocess.run(["bash", "-c", _readme_signing_lines()], cwd=tmp_path,
                             capture_output=True, text=True, check=True,
                             env={"PATH": "/usr/bin:/bin", "BUSINESS": "Apple Music",
                                  "IMAGE_SOURCE": "album covers", "BUILD_NUMBER": "42",
                                  "INGEST_SIGNING_SECRET": SECRET}).stdout.strip()
    name, _, value = printed.partition(": ")
    assert name == "X-Signature-256" and value.startswith("t=")
    resp = requests.put(signed_server.url("api/v1/features"), data=body, timeout=30, headers={
        "Business": "Apple Music", "Image-Source": "album covers", "Build-Id": "42",
        "Content-Type": "application/json", name: value})
    assert resp.status_code == 201, resp.text


# ------------------------------------------------------------------ 9. guessing tokens


def _put_from(address: str, port: int, token: str, business: str) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(address, 0))
    try:
        conn.request("PUT", "/api/v1/metrics", body=b'{"a": {"ctr": 0.1}}', headers={
            "Authorization": f"Bearer {token}", "Business": business, "Image-Source": "pictures",
            "Content-Type": "application/json"})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}
    finally:
        conn.close()


def test_guessing_tokens_is_429_after_a_burst_and_other_addresses_are_not_slowed(
        live_server_factory):
    # One failure a minute refills: the 40 guesses cannot earn another try on a slow machine.
    srv = live_server_factory(env={"INGEST_TOKENS": TOKEN, "AUTH_FAILURES_PER_MINUTE": "1",
                                   "AUTH_FAILURES_BURST": "10"})
    answers = [_put_from("127.0.0.1", srv.port, f"guess-{i}", "Guessed") for i in range(40)]
    statuses = [status for status, _ in answers]
    assert statuses[:10] == [401] * 10 and set(statuses[10:]) == {429}, statuses
    assert int(answers[-1][1]["retry-after"]) >= 1
    # The guesser's address waits even with the right token; another address does not.
    assert _put_from("127.0.0.1", srv.port, TOKEN, "Guessed")[0] == 429
    assert _put_from("127.0.0.2", srv.port, TOKEN, "Guessed")[0] == 200


# ------------------------------------------------------------------ 14. NUL in headers and parameters


@pytest.fixture(scope="module")
def one_process_server(module_database_url):
    """`python app.py`, the README's run command: gunicorn's threaded worker in one process
    (app.serve), which refuses NUL in header values itself, as `gunicorn -w N` does."""
    with LiveServer(module_database_url, server="python") as srv:
        yield srv


@pytest.mark.parametrize("header, value, code", [
    ("Build-Id", "10\x000", "bad_build_id"),
    ("Idempotency-Key", "key\x00", "bad_idempotency_key"),
    ("Business", "A\x00B", "bad_name"),
])
def test_nul_in_a_header_that_reaches_the_database_is_refused(one_process_server, server, engine,
                                                              module_database_url, header, value,
                                                              code):
    for srv in (server, one_process_server):
        status, _ = _put_raw(srv, {header: value})
        assert status == 400 and stored(engine, "Nul header") == ([], [], 0)
    # A server that passes NUL on to the app (Werkzeug's, with DASH_DEBUG=1): the app says 422.
    client = create_app(Settings(database_url=module_database_url,
                                 load_demo=False)).server.test_client()
    resp = client.put("/api/v1/features", data=b'{"a": {"f": 1}}',
                      headers={"Business": "Nul header", "Image-Source": "pictures",
                               "Content-Type": "application/json", header: value},
                      environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert (resp.status_code, resp.get_json()["error"]) == (422, code)
    assert "NUL character" in resp.get_json()["message"]
    assert stored(engine, "Nul header") == ([], [], 0)


def _put_raw(srv: LiveServer, extra: dict) -> tuple[int, dict | None]:
    """PUT features with headers http.client sends as given (NUL included)."""
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
    headers = {"Business": "Nul header", "Image-Source": "pictures",
               "Content-Type": "application/json", **extra}
    try:
        conn.request("PUT", "/api/v1/features", body=b'{"a": {"f": 1}}', headers=headers)
        resp = conn.getresponse()
        body = resp.read()
    finally:
        conn.close()
    is_json = resp.getheader("Content-Type", "").startswith("application/json")
    return resp.status, json.loads(body) if is_json else None


def test_nul_in_a_url_template_or_audit_business_is_422(server, engine):
    resp = put(server, "image-source", "Nul template", b'{"url_template": "https://x/{name}\\u0000"}')
    assert (resp.status_code, resp.json()["error"]) == (422, "bad_url_template")
    resp = requests.get(server.url("api/v1/audit"), params={"business": "a\x00"}, timeout=30)
    assert (resp.status_code, resp.json()["error"]) == (422, "bad_name")


def test_a_name_or_parameter_given_twice_differently_is_400_not_a_silent_choice(server, engine):
    resp = requests.put(server.url("api/v1/features"), params={"business": "Other"}, timeout=30,
                        data=b'{"a": {"f": 1}}', headers={"Business": "Twice named",
                                                          "Image-Source": "pictures",
                                                          "Content-Type": "application/json"})
    assert_refused(resp, 400, "conflicting_identity", engine, "Twice named")
    resp = requests.get(server.url("api/v1/features"), timeout=30, params=[
        ("business", "Export"), ("image_source", "pictures"), ("threshold", "0.1"),
        ("threshold", "0.9")])
    assert (resp.status_code, resp.json()["error"]) == (400, "bad_parameter")
