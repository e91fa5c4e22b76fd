"""People and access through the real server (gunicorn), as browsers, portals and attackers
reach it: writes must name an allowed host (DNS rebinding), the page's callback bodies are
capped before they are read, READ_ACCESS=granted refuses unknown and forbidden businesses with
the same answer (API and page), and a signed embed link shows its one dataset and nothing else.
"""

from __future__ import annotations

import json
import os
import select
import socket
import subprocess
import sys
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from data.people.access import REFUSED_MESSAGE
from data.people.embed import sign_embed
from data.people.grants import grant
from data.people.tokens import create_token
from data.storage.db import make_engine, migrate
from data.storage.store import Store
from tests.reliability.builds import RawRequest, build_body
from tests.support.backend import backend_name
from tests.support.dash_callbacks import find_callback, post_callback
from tests.support.databases import DEFAULT_PG_HOST, new_database
from tests.support.datasets import store_small_dataset
from tests.support.server import REPO_ROOT, LiveServer

SECRET = "embed-secret-for-tests-" + "x" * 20
OPERATOR = "operator-token-1"
JSON = {"Content-Type": "application/json"}
CALLBACK_CAP = 64 * 1024
ALICE = {"X-Forwarded-User": "alice@example.com"}  # granted Alpha


# ----------------------------------------------------------------------------- servers


# The laptop's tests are about hosts, body caps and headers at the HTTP edge: the SQLite run
# has them (the company's, which read grants and tokens from the database, run on both).
LAPTOP_RUN = pytest.mark.backend("sqlite")


@pytest.fixture(scope="module")
def laptop(tmp_path_factory):
    """A laptop's server: no tokens (loopback writes), default ALLOWED_HOSTS, a small callback cap."""
    with new_database(backend_name(), tmp_path_factory.mktemp("laptop"),
                      pg_host=os.environ.get("TEST_PG_HOST", DEFAULT_PG_HOST)) as url:
        with LiveServer(url, env={"MAX_CALLBACK_BYTES": CALLBACK_CAP}) as srv:
            yield srv


@pytest.fixture(scope="module")
def company(module_database_url):
    """A company's server: READ_ACCESS=granted behind a sign-on proxy, an operator token,
    signed embedding. Alpha (pics, other) and Beta (pics) exist; alice reads Alpha; a token
    of Alpha exists."""
    url = module_database_url
    engine = make_engine(url)
    migrate(engine)
    store = Store(engine)
    for business, source in (("Alpha", "pics"), ("Alpha", "other"), ("Beta", "pics")):
        store_small_dataset(store, business, source)
    grant(engine, "alice@example.com", "Alpha")
    alpha_token = create_token(engine, "alpha-reader", "Alpha")
    engine.dispose()
    env = {"READ_ACCESS": "granted", "TRUSTED_USER_HEADER": "X-Forwarded-User",
           "INGEST_TOKENS": OPERATOR, "EMBED_SECRET": SECRET}
    with LiveServer(url, env=env) as srv:
        srv.alpha_token = alpha_token
        yield srv


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def filters(business: str, source: str = "pics", **view) -> dict:
    return {"filters-store.data": {"business": business, "image_source": source, "build": None,
                                   "threshold": 0.0, "min_pct": 0.0, "max_pct": 100.0,
                                   "top_k": None, "sort": "impact", "pinned": [],
                                   "excluded": [], **view}}


def render(srv, business: str, source: str = "pics", headers: dict | None = None, **view):
    """The page's render callback for a crafted view: (status, its outputs or the raw text)."""
    dep = find_callback(srv.base_url, "scatter-points.data")
    resp = post_callback(srv.base_url, dep, filters(business, source, **view), headers)
    return resp.status_code, (resp.json()["response"] if resp.status_code == 200 else resp.text)


def table_features(outputs: dict) -> list[str]:
    return [r["feature"] for r in outputs["feature-table"]["rowData"]]


# ----------------------------------------------------------------------------- hosts


@LAPTOP_RUN
def test_a_rebinding_host_cannot_write_to_a_laptop_server_and_its_own_names_can(laptop):
    url = laptop.url("api/v1/features")
    ident = {"Business": "Hosts", "Image-Source": "pics", **JSON}
    for host in ("rebind.attacker.example", f"rebind.attacker.example:{laptop.port}",
                 "localhost.attacker.example"):
        resp = requests.put(url, data=build_body(1), headers={**ident, "Host": host}, timeout=30)
        assert resp.status_code == 403 and resp.json()["error"] == "host_not_allowed", host
        assert "ALLOWED_HOSTS" in resp.json()["message"]
    # A trusted (loopback) peer cannot hide its Host behind X-Forwarded-Host, nor a proxy
    # that rewrites Host hide the browser's name.
    for headers in ({"Host": "rebind.attacker.example", "X-Forwarded-Host": "localhost"},
                    {"Host": "127.0.0.1", "X-Forwarded-Host": "rebind.attacker.example"}):
        resp = requests.put(url, data=build_body(1), headers={**ident, **headers}, timeout=30)
        assert resp.status_code == 403, headers
    assert requests.get(laptop.url("api/v1/features"), headers=ident, timeout=30).status_code == 404
    for host in (f"localhost:{laptop.port}", f"127.0.0.1:{laptop.port}"):
        resp = requests.put(url, data=build_body(2), headers={**ident, "Host": host}, timeout=30)
        assert resp.status_code in (200, 201), resp.text


@LAPTOP_RUN
def test_a_page_callback_that_writes_refuses_a_rebinding_host_with_a_plain_message(laptop):
    dep = find_callback(laptop.base_url, "who-note.children")
    values = {"who-save.n_clicks": 1, "who-name.value": "Mallory"}
    refused = post_callback(laptop.base_url, dep, values,
                            headers={"Host": "rebind.attacker.example"})
    assert refused.status_code == 403 and refused.headers["Content-Type"].startswith("text/plain")
    assert "ALLOWED_HOSTS" in refused.text and "set-cookie" not in refused.headers
    ok = post_callback(laptop.base_url, dep, values)
    assert ok.status_code == 200 and "imd_person=Mallory" in ok.headers["Set-Cookie"]


def test_with_tokens_configured_any_host_may_write_with_a_token(company):
    resp = requests.put(company.url("api/v1/features"), data=build_body(1),
                        headers={"Business": "Gamma", "Image-Source": "pics", **JSON,
                                 "Host": "dash.example.com", **bearer(OPERATOR)}, timeout=30)
    assert resp.status_code == 201, resp.text


# ----------------------------------------------------------------------------- callback bodies


def _raw_response(sock: socket.socket) -> tuple[int, bytes]:
    data = b""
    sock.settimeout(30)
    try:
        while chunk := sock.recv(1 << 16):
            data += chunk
    except (ConnectionResetError, socket.timeout):
        pass
    return int(data.split(b" ", 2)[1]), data


@LAPTOP_RUN
def test_a_huge_callback_body_is_refused_before_it_is_read(laptop):
    # Content-Length of 150 MB and 1 byte sent: the answer comes without waiting for the rest.
    started = time.monotonic()
    req = RawRequest(laptop.port, "POST", "/_dash-update-component", JSON, 150 * 1024 * 1024)
    req.send(b"{")
    status, _, body = req.response()
    assert status == 413 and b"MAX_CALLBACK_BYTES" in body
    assert time.monotonic() - started < 10


@LAPTOP_RUN
def test_a_chunked_callback_body_stops_at_the_cap(laptop):
    # No Content-Length: the server reads up to the cap and answers 413; the client is told
    # long before it has sent 150 MB.
    req = RawRequest(laptop.port, "POST", "/_dash-update-component", JSON, None)
    piece = b"%x\r\n%s\r\n" % (64 * 1024, b" " * 64 * 1024)
    sent = 0
    try:
        while sent < 150 * 1024 * 1024:
            if select.select([req.sock], [], [], 0)[0]:
                break  # the server answered
            req.sock.sendall(piece)
            sent += len(piece)
    except (BrokenPipeError, ConnectionResetError):
        pass
    status, answer = _raw_response(req.sock)
    req.close()
    assert status == 413, answer[:300]
    assert sent < 20 * 1024 * 1024, f"the client sent {sent:,} bytes before the 413"


@LAPTOP_RUN
def test_callbacks_under_the_cap_still_work(laptop):
    dep = find_callback(laptop.base_url, "scatter-points.data")
    resp = post_callback(laptop.base_url, dep, filters("Hosts", pinned=["x" * 1000] * 40))
    assert resp.status_code == 200  # 40 KB of pins: under 64 KB


# ----------------------------------------------------------------------------- granted reads


def test_api_reads_need_a_token_and_refuse_unknown_and_forbidden_businesses_alike(company):
    def features(business: str, token: str | None):
        return requests.get(company.url("api/v1/features"),
                            params={"business": business, "image_source": "pics"},
                            headers=bearer(token) if token else {}, timeout=30)

    assert features("Alpha", None).status_code == 401
    assert requests.get(company.url("api/v1/datasets"), timeout=30).status_code == 401
    assert features("Alpha", company.alpha_token).json()["images"] == 12
    forbidden, unknown = features("Beta", company.alpha_token), features("Nope", company.alpha_token)
    assert forbidden.status_code == unknown.status_code == 403
    assert forbidden.content == unknown.content  # nothing says whether Beta exists
    assert forbidden.json()["error"] == "not_readable"
    listed = requests.get(company.url("api/v1/datasets"), headers=bearer(company.alpha_token),
                          timeout=30).json()["businesses"]
    assert [b["business"] for b in listed] == ["Alpha"]
    # The operator's token reads every business, and unknown ones are plainly unknown.
    assert features("Beta", OPERATOR).status_code == 200
    assert features("Nope", OPERATOR).status_code == 404


def test_the_page_shows_a_signed_in_person_only_their_businesses(company):
    dep = find_callback(company.base_url, "business.options")
    resp = post_callback(company.base_url, dep, {"url.search": "?business=Beta"}, ALICE)
    out = resp.json()["response"]
    assert [o["value"] for o in out["business"]["options"]] == ["Alpha"]
    assert out["selection"]["data"]["business"] == "Alpha"
    status, alpha = render(company, "Alpha", headers=ALICE)
    assert status == 200 and sorted(table_features(alpha)) == ["dog", "red"]
    answers = [render(company, business, headers=ALICE) for business in ("Beta", "Nope")]
    assert answers[0] == answers[1]  # forbidden and unknown: the same answer
    status, beta = answers[0]
    assert status == 200 and table_features(beta) == []
    assert REFUSED_MESSAGE in json.dumps(beta["feature-table-note"])
    # Someone the server does not know (no sign-on header; a typed name is not enough) sees
    # an explanation, no dashboard, and no data through a crafted callback.
    for headers in ({}, {"Cookie": "imd_person=alice@example.com"}):
        layout = requests.get(company.url("_dash-layout"), headers=headers, timeout=30).text
        assert '"no-access"' in layout and '"business"' not in layout and "Alpha" not in layout
        assert table_features(render(company, "Alpha", headers=headers)[1]) == []


def test_grant_and_revoke_from_the_command_line_take_effect_at_once(company):
    bob = {"X-Forwarded-User": "bob"}
    assert table_features(render(company, "Beta", headers=bob)[1]) == []
    env = {"DATABASE_URL": company.database_url, "PATH": "/usr/bin:/bin"}
    run = subprocess.run([sys.executable, "cli.py", "grant", "bob", "Beta"], cwd=REPO_ROOT,
                         env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert sorted(table_features(render(company, "Beta", headers=bob)[1])) == ["dog", "red"]
    run = subprocess.run([sys.executable, "cli.py", "revoke", "bob", "Beta"], cwd=REPO_ROOT,
                         env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert table_features(render(company, "Beta", headers=bob)[1]) == []


# ----------------------------------------------------------------------------- signed embedding


def embed_headers(token: str) -> dict:
    return {"X-Embed-Token": token}


def test_expired_or_forged_embed_links_get_a_403_page(company):
    expired = sign_embed(SECRET, "Alpha", "pics", 5, now=time.time() - 3600)
    forged = sign_embed("another-secret-" + "y" * 30, "Alpha", "pics", 5)
    for token, words in ((expired, "expired"), (forged, "not valid"), ("garbage", "not valid")):
        resp = requests.get(company.base_url, params={"embed": token}, timeout=30)
        assert resp.status_code == 403 and resp.headers["Content-Type"].startswith("text/html")
        assert words in resp.text and "_dash-config" not in resp.text
        # ...and the page's own requests with it are refused too.
        layout = requests.get(company.url("_dash-layout"), headers=embed_headers(token), timeout=30)
        assert layout.status_code == 403
    valid = sign_embed(SECRET, "Alpha", "pics", 5)
    assert requests.get(company.base_url, params={"embed": valid}, timeout=30).status_code == 200
    assert requests.get(company.base_url, params={"embed": "1"}, timeout=30).status_code == 200


def test_an_embed_link_shows_its_dataset_alone_with_its_locked_filters(company):
    token = sign_embed(SECRET, "Alpha", "pics", 5, {"threshold": 0.5})
    layout = requests.get(company.url("_dash-layout"), headers=embed_headers(token), timeout=30)
    assert layout.status_code == 200
    assert '"site-nav"' not in layout.text and '"no-access"' not in layout.text
    dep = find_callback(company.base_url, "business.options")
    out = post_callback(company.base_url, dep, {"url.search": "?business=Beta&image_source=pics"},
                        embed_headers(token)).json()["response"]
    assert [o["value"] for o in out["business"]["options"]] == ["Alpha"]
    assert [o["value"] for o in out["image-source"]["options"]] == ["pics"]
    status, shown = render(company, "Alpha", headers=embed_headers(token), threshold=0.0)
    assert status == 200 and "≥ 0.5" in shown["confidence-note"]["children"]  # the lock wins


@pytest.mark.parametrize("business, source", [("Beta", "pics"), ("Alpha", "other"),
                                              ("Nope", "pics")])
def test_an_embed_link_cannot_read_another_dataset_through_a_crafted_callback(
        company, business, source):
    token = sign_embed(SECRET, "Alpha", "pics", 5)
    status, shown = render(company, business, source, headers=embed_headers(token))
    assert status == 200 and table_features(shown) == []
    assert REFUSED_MESSAGE in json.dumps(shown["feature-table-note"])
    # Even for a person who may read everything of Alpha and Beta through sign-on: the
    # embed token narrows what this tab sees.
    status, shown = render(company, business, source,
                           headers={**embed_headers(token), **ALICE})
    assert table_features(shown) == []


def test_the_command_line_prints_an_embed_link_the_server_accepts(company):
    env = {"DATABASE_URL": company.database_url, "EMBED_SECRET": SECRET, "PATH": "/usr/bin:/bin"}
    run = subprocess.run([sys.executable, "cli.py", "embed-url", "--business", "Alpha",
                          "--image-source", "pics", "--minutes", "2", "--threshold", "0.5",
                          "--base-url", company.base_url], cwd=REPO_ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    link = run.stdout.strip()
    assert link.startswith(company.base_url.rstrip("/") + "/?embed=")
    assert requests.get(link, timeout=30).status_code == 200
    token = parse_qs(urlsplit(link).query)["embed"][0]
    status, shown = render(company, "Alpha", headers=embed_headers(token))
    assert sorted(table_features(shown)) == ["dog", "red"] and "≥ 0.5" in shown[
        "confidence-note"]["children"]
    unknown = subprocess.run([sys.executable, "cli.py", "embed-url", "--business", "Nope",
                              "--image-source", "pics"], cwd=REPO_ROOT, env=env,
                             capture_output=True, text=True, timeout=120)
    assert unknown.returncode != 0 and "no image source" in unknown.stderr


# ----------------------------------------------------------------------------- headers


@LAPTOP_RUN
def test_every_response_carries_the_policy_referrer_and_nosniff_headers(laptop):
    dep = find_callback(laptop.base_url, "scatter-points.data")
    responses = {
        "page": requests.get(laptop.base_url, timeout=30),
        "asset": requests.get(laptop.url("assets/page.js"), timeout=30),
        "layout": requests.get(laptop.url("_dash-layout"), timeout=30),
        "callback": post_callback(laptop.base_url, dep, filters("Hosts")),
        "api": requests.get(laptop.url("api/v1/health"), timeout=30),
        "api error": requests.get(laptop.url("api/v1/nope"), timeout=30),
        "refused write": requests.put(laptop.url("api/v1/features"), data=b"{}",
                                      headers={"Host": "rebind.attacker.example", **JSON},
                                      timeout=30),
    }
    for what, resp in responses.items():
        assert resp.headers["Referrer-Policy"] == "same-origin", what
        assert resp.headers["X-Content-Type-Options"] == "nosniff", what
        policy = dict(d.strip().split(" ", 1)
                      for d in resp.headers["Content-Security-Policy"].split(";"))
        assert policy["object-src"] == "'none'" and policy["base-uri"] == "'self'", what
        assert policy["frame-ancestors"] == "'self'", what
        assert "'unsafe-inline'" not in policy["script-src"], what
