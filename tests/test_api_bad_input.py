"""Every bad input of docs/api.md, sent to a real server (gunicorn) as Jenkins would: each gets its
4xx with a JSON error body {"error", "message", "details"}, never a 3xx, and the stored datasets,
the features of the existing build and the audit trail are the same afterwards."""

from __future__ import annotations

import gzip
import json

import pytest
import requests

from tests.support.server import LiveServer

TOKEN = "good-token"
LIMIT = 64 * 1024  # MAX_INGEST_BYTES of this module's server
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SEEDED = {"Business": "Seeded Biz", "Image-Source": "covers"}
NEW = {"Business": "Never Stored", "Image-Source": "covers"}
FEATURES = {"a.png": {"dog": 0.9, "cat": 0.1}, "b.png": {"dog": 0.3}, "c.png": {"cat": 0.8},
            "d.png": {"dog": 0.5, "cat": 0.5}}
JSON_TYPE = {"Content-Type": "application/json"}
CSV_TYPE = {"Content-Type": "text/csv"}


@pytest.fixture(scope="module")
def server(module_database_url):
    env = {"INGEST_TOKENS": f"other-token,{TOKEN}", "MAX_INGEST_BYTES": LIMIT,
           "RATE_LIMIT_PER_MINUTE": 0}
    with LiveServer(module_database_url, env=env) as srv:
        r = requests.put(srv.url("api/v1/features"), json=FEATURES, headers={**SEEDED, **AUTH})
        assert r.status_code == 201, r.text
        r = requests.put(srv.url("api/v1/metrics"), headers={**SEEDED, **AUTH, **CSV_TYPE},
                         data="image,impressions,clicks\na.png,100,9\nb.png,100,5\n"
                              "c.png,100,1\nd.png,100,3\n")
        assert r.status_code == 200, r.text
        yield srv


def snapshot(srv: LiveServer) -> tuple:
    """Everything a failed request must leave alone."""
    datasets = requests.get(srv.url("api/v1/datasets")).json()
    features = requests.get(srv.url("api/v1/features"), params={
        "business": SEEDED["Business"], "image_source": SEEDED["Image-Source"]}).json()
    audit = requests.get(srv.url("api/v1/audit"), headers=AUTH).json()
    return datasets, features, audit


def gzip_bomb() -> bytes:
    """Under the limit on the wire (~10 KB), 160 times the limit once inflated."""
    body = gzip.compress(b" " * (160 * LIMIT), 9)
    assert len(body) < LIMIT
    return body


def oversized_features() -> bytes:
    body = json.dumps({f"image {i:05d}.png": {"dog": 0.5} for i in range(3000)}).encode()
    assert len(body) > LIMIT
    return body


# (id, method, route, headers, body, expected status, expected error code)
# Headers are added to the target's identity and the good token unless the case replaces them.
FEATURE_CASES = [
    ("malformed-json", b'{"a.png": {"dog": 0.5,}}', {}, 400, "malformed_json"),
    ("truncated-json", b'{"a.png": {"dog": 0.5}', {}, 400, "malformed_json"),
    ("nan", b'{"a.png": {"dog": NaN}}', {}, 422, "non_finite_number"),
    ("infinity", b'{"a.png": {"dog": -Infinity}}', {}, 422, "non_finite_number"),
    ("huge-number", b'{"a.png": {"dog": 1e400}}', {}, 422, "non_finite_number"),
    ("string-value", b'{"a.png": {"dog": "0.5"}, "b.png": {"dog": 0.1}}', {}, 422, "bad_value"),
    ("boolean-value", b'{"a.png": {"dog": true}}', {}, 422, "bad_value"),
    ("nested-value", b'{"a.png": {"dog": {"score": 1}}}', {}, 422, "bad_value"),
    ("array-body", b'[{"a.png": {"dog": 0.5}}]', {}, 422, "wrong_shape"),
    ("image-is-list", b'{"a.png": [0.5, 0.2]}', {}, 422, "wrong_shape"),
    ("image-is-number", b'{"a.png": 0.5}', {}, 422, "wrong_shape"),
    ("empty-object", b"{}", {}, 422, "empty_payload"),
    ("empty-body", b"", {}, 400, "malformed_json"),
    ("empty-image-name", b'{"": {"dog": 0.5}}', {}, 422, "empty_name"),
    ("text-plain", b'{"a.png": {"dog": 0.5}}', {"Content-Type": "text/plain"}, 415,
     "unsupported_media_type"),
    ("form-encoded", b"a=1", {"Content-Type": "application/x-www-form-urlencoded"}, 415,
     "unsupported_media_type"),
    ("no-content-type", b'{"a.png": {"dog": 0.5}}', {"Content-Type": None}, 415,
     "unsupported_media_type"),
    ("no-token", b'{"a.png": {"dog": 0.5}}', {"Authorization": None}, 401, "missing_token"),
    ("wrong-token", b'{"a.png": {"dog": 0.5}}', {"Authorization": "Bearer nope"}, 401,
     "invalid_token"),
    ("not-bearer", b'{"a.png": {"dog": 0.5}}', {"Authorization": f"Basic {TOKEN}"}, 401,
     "missing_token"),
    ("no-business", b'{"a.png": {"dog": 0.5}}', {"Business": None}, 400, "missing_identity"),
    ("no-image-source", b'{"a.png": {"dog": 0.5}}', {"Image-Source": None}, 400,
     "missing_identity"),
    ("blank-business", b'{"a.png": {"dog": 0.5}}', {"Business": ""}, 400, "missing_identity"),
    ("over-limit", oversized_features(), {}, 413, "body_too_large"),
    ("gzip-bomb", gzip_bomb(), {"Content-Encoding": "gzip"}, 413, "body_too_large"),
    ("not-gzip", b'{"a.png": {"dog": 0.5}}', {"Content-Encoding": "gzip"}, 400, "bad_gzip"),
    ("unknown-encoding", b'{"a.png": {"dog": 0.5}}', {"Content-Encoding": "br"}, 415,
     "unsupported_encoding"),
    ("long-build-id", b'{"a.png": {"dog": 0.5}}', {"Build-Id": "x" * 201}, 422, "bad_build_id"),
    ("long-idempotency-key", b'{"a.png": {"dog": 0.5}}', {"Idempotency-Key": "k" * 201}, 422,
     "bad_idempotency_key"),
]
METRICS_CASES = [
    ("clicks-over-impressions", b'{"a.png": {"impressions": 10, "clicks": 11}}', {}, 422,
     "bad_metrics"),
    ("ctr-over-one", b'{"a.png": {"ctr": 1.5}}', {}, 422, "bad_metrics"),
    ("negative-impressions", b'{"a.png": {"impressions": -1, "clicks": 0}}', {}, 422,
     "bad_metrics"),
    ("ctr-as-string", b'{"a.png": {"ctr": "0.1"}}', {}, 422, "bad_metrics"),
    ("metrics-nan", b'{"a.png": {"ctr": NaN}}', {}, 422, "non_finite_number"),
    ("metrics-malformed", b'{"a.png": {"ctr": 0.1}', {}, 400, "malformed_json"),
    ("metrics-array", b'[["a.png", 0.1]]', {}, 422, "wrong_shape"),
    ("metrics-empty-object", b"{}", {}, 422, "empty_payload"),
    ("csv-bad-header", b"name,impressions,clicks\na.png,10,1\n", CSV_TYPE, 422, "wrong_shape"),
    ("csv-clicks-over-impressions", b"image,impressions,clicks\na.png,10,1\nb.png,5,6\n",
     CSV_TYPE, 422, "bad_metrics"),
    ("csv-ctr-over-one", b"image,ctr\na.png,1.2\n", CSV_TYPE, 422, "bad_metrics"),
    ("csv-not-a-number", b"image,ctr\na.png,lots\n", CSV_TYPE, 422, "bad_metrics"),
    ("csv-header-only", b"image,ctr\n", CSV_TYPE, 422, "empty_payload"),
    ("csv-not-utf8", b"image,ctr\n\xff\xfe.png,0.1\n", CSV_TYPE, 400, "bad_encoding"),
    ("metrics-text-plain", b"image,ctr\na.png,0.1\n", {"Content-Type": "text/plain"}, 415,
     "unsupported_media_type"),
    ("metrics-no-token", b'{"a.png": {"ctr": 0.1}}', {"Authorization": None}, 401,
     "missing_token"),
    ("metrics-wrong-token", b'{"a.png": {"ctr": 0.1}}', {"Authorization": "Bearer x"}, 401,
     "invalid_token"),
    ("metrics-no-business", b'{"a.png": {"ctr": 0.1}}', {"Business": None}, 400,
     "missing_identity"),
    ("metrics-gzip-bomb", gzip_bomb(), {"Content-Encoding": "gzip"}, 413, "body_too_large"),
]
CASES = ([pytest.param("PUT", "api/v1/features", h, b, s, c, id=i)
          for i, b, h, s, c in FEATURE_CASES]
         + [pytest.param("PUT", "api/v1/metrics", h, b, s, c, id=i)
            for i, b, h, s, c in METRICS_CASES]
         + [pytest.param("PUT", "api/v1/features/", {}, b"[]", 422, "wrong_shape",
                         id="trailing-slash-put"),
            pytest.param("PUT", "api/v1/image-source", {}, b'{"url_template": "no-name"}', 422,
                         "bad_url_template", id="url-template-without-name"),
            pytest.param("DELETE", "api/v1/features", {}, b"", 405, "method_not_allowed",
                         id="delete-features"),
            pytest.param("POST", "api/v1/metrics", {}, b"{}", 405, "method_not_allowed",
                         id="post-metrics"),
            pytest.param("PUT", "api/v1/datasets", {}, b"{}", 405, "method_not_allowed",
                         id="put-datasets"),
            pytest.param("PUT", "api/v1/build", {}, b"{}", 404, "not_found",
                         id="unknown-write-route")])


def send(srv, method, route, identity, headers, body):
    merged = {**identity, **AUTH, **JSON_TYPE, **headers}
    merged = {k: v for k, v in merged.items() if v is not None}
    session = requests.Session()
    session.headers.pop("Content-Type", None)
    return session.request(method, srv.url(route), data=body, headers=merged,
                           allow_redirects=False, timeout=30)


def assert_json_error(r, status, code):
    assert r.status_code == status, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    body = r.json()
    assert set(body) == {"error", "message", "details"}, body
    assert body["error"] == code, body
    assert isinstance(body["message"], str) and len(body["message"]) > 10
    assert isinstance(body["details"], list)
    return body


@pytest.mark.parametrize("identity", [SEEDED, NEW], ids=["existing-dataset", "new-dataset"])
@pytest.mark.parametrize("method,route,headers,body,status,code", CASES)
def test_bad_write_gets_its_4xx_json_error_and_changes_nothing(
        server, identity, method, route, headers, body, status, code):
    before = snapshot(server)
    r = send(server, method, route, identity, headers, body)
    assert_json_error(r, status, code)
    assert snapshot(server) == before


def test_malformed_json_error_says_where(server):
    r = send(server, "PUT", "api/v1/features", SEEDED, {}, b'{"a.png": {"dog": 0.5},\n "b": }')
    body = assert_json_error(r, 400, "malformed_json")
    assert body["details"] == [{"line": 2, "column": 7, "position": 30}]
    assert "line 2, column 7" in body["message"]


def test_bad_values_are_listed_with_image_and_feature(server):
    r = send(server, "PUT", "api/v1/features", SEEDED, {},
             b'{"a.png": {"dog": "high", "cat": 0.2}, "b.png": {"cat": false}}')
    body = assert_json_error(r, 422, "bad_value")
    assert [(d["image"], d["feature"]) for d in body["details"]] == [("a.png", "dog"),
                                                                      ("b.png", "cat")]


@pytest.mark.parametrize("missing,named,not_named", [
    ("Business", "business", "image source"), ("Image-Source", "image source", "business")])
def test_missing_identity_names_what_is_missing(server, missing, named, not_named):
    headers = {missing: None}
    r = send(server, "PUT", "api/v1/features", SEEDED, headers, json.dumps(FEATURES).encode())
    body = assert_json_error(r, 400, "missing_identity")
    assert len(body["details"]) == 1
    assert body["details"][0].startswith(named) and not body["details"][0].startswith(not_named)


def test_missing_both_names_both(server):
    r = send(server, "PUT", "api/v1/features", {}, {}, json.dumps(FEATURES).encode())
    assert len(assert_json_error(r, 400, "missing_identity")["details"]) == 2


def test_the_second_configured_token_is_accepted(server):
    r = send(server, "PUT", "api/v1/features", {"Business": "Token Check", "Image-Source": "s"},
             {"Authorization": "Bearer other-token"}, json.dumps(FEATURES).encode())
    assert r.status_code == 201, r.text


@pytest.mark.parametrize("params,code", [
    ({"threshold": "abc"}, "bad_parameter"),
    ({"threshold": "nan"}, "bad_parameter"),
    ({"threshold": ""}, "bad_parameter"),  # empty is not "default": omit the parameter
    ({"min_pct": "150"}, "bad_parameter"),
    ({"min_pct": "60", "max_pct": "40"}, "bad_parameter"),
    ({"build": "latest"}, "bad_parameter"),
    ({"business": None}, "missing_identity"),
    ({"business": "  "}, "missing_identity"),
    ({"image_source": None}, "missing_identity"),
])
def test_bad_read_parameters_are_400(server, params, code):
    query = {"business": SEEDED["Business"], "image_source": SEEDED["Image-Source"], **params}
    r = requests.get(server.url("api/v1/features"), allow_redirects=False,
                     params={k: v for k, v in query.items() if v is not None})
    assert_json_error(r, 400, code)


@pytest.mark.parametrize("path", ["api/v1/datasets/", "api/v1/health/"])
def test_trailing_slash_is_served_not_redirected(server, path):
    r = requests.get(server.url(path), allow_redirects=False)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("method,path,status", [
    ("GET", "api/v1/nope", 404), ("GET", "api/v1", 404), ("GET", "api/v1/", 404),
    ("GET", "api/v1/features/extra", 404), ("PATCH", "api/v1/features", 405),
    ("DELETE", "api/v1/metrics", 405), ("POST", "api/v1/features", 405)])
def test_unknown_routes_and_methods_are_json_never_html_or_3xx(server, method, path, status):
    r = requests.request(method, server.url(path), allow_redirects=False, headers=AUTH)
    assert_json_error(r, status, {404: "not_found", 405: "method_not_allowed"}[status])


def test_writes_from_another_machine_need_a_token_when_none_is_configured(settings):
    """Without INGEST_TOKENS only loopback clients write (the Flask test client can pretend to
    be another machine; a real server process only ever sees loopback here)."""
    from app import create_app

    client = create_app(settings).server.test_client()
    remote = {"REMOTE_ADDR": "10.1.2.3"}
    r = client.put("/api/v1/features", json=FEATURES, headers=SEEDED, environ_base=remote)
    assert r.status_code == 403 and r.json["error"] == "writes_disabled"
    assert client.get("/api/v1/datasets", environ_base=remote).json == {"businesses": []}
    r = client.put("/api/v1/features", json=FEATURES, headers=SEEDED)  # loopback
    assert r.status_code == 201
