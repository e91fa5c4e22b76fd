"""Behind nginx with docs/deploy.md's configuration (prefix, gzip, forwarded headers): who is a
stranger, which address the page tells people to use, and what a second page view downloads.

One gunicorn server and one nginx for the module; skipped where nginx is not installed
(scripts/test installs it)."""

from __future__ import annotations

import re

import pytest
import requests

from layouts.dashboard.ids import ids
from tests.reliability.builds import build_body
from tests.support import nginx
from tests.support.dash_requests import callback_body, server_callbacks
from tests.support.server import LiveServer

# About the HTTP edge, not the database (nothing here depends on the backend): runs once,
# in the SQLite run.
pytestmark = [pytest.mark.skipif(not nginx.available(), reason="nginx is not installed"),
              pytest.mark.backend("sqlite")]

JSON = {"Content-Type": "application/json"}
STRANGER = "203.0.113.9"


@pytest.fixture(scope="module")
def proxied(module_database_url, tmp_path_factory):
    env = {"URL_PREFIX": nginx.PREFIX,
           "GUNICORN_CMD_ARGS": "--access-logfile - --access-logformat 'client=%(h)s %(r)s %(s)s'"}
    with LiveServer(module_database_url, env=env) as srv, \
            nginx.Nginx(srv.port, tmp_path_factory.mktemp("nginx")) as proxy:
        yield srv, proxy


def _put(url: str, business: str, headers: dict | None = None) -> requests.Response:
    return requests.put(url + "api/v1/features", data=build_body(1),
                        headers={**JSON, "Business": business, "Image-Source": "s",
                                 **(headers or {})}, timeout=60)


def test_a_forwarded_stranger_cannot_write_to_a_tokenless_server_but_a_local_client_can(proxied):
    srv, proxy = proxied
    via_nginx = proxy.url(nginx.PREFIX)
    # nginx appends the address it saw (127.0.0.1, a trusted proxy) to what the client sent: the
    # app walks back one hop per trusted proxy and finds the stranger.
    refused = _put(via_nginx, "stranger", {"X-Forwarded-For": STRANGER})
    assert refused.status_code == 403 and refused.json()["error"] == "writes_disabled"
    # Claiming to be loopback does not help a stranger: nginx appends his real address.
    spoofed = _put(via_nginx, "stranger", {"X-Forwarded-For": f"127.0.0.1, {STRANGER}"})
    assert spoofed.status_code == 403
    assert _put(via_nginx, "local").status_code == 201  # a client on the machine itself
    log = srv.log_text()
    assert re.search(rf"client={re.escape(STRANGER)} PUT /tools/images/api/v1/features\S* \S+ 403",
                     log), "the access log shows the forwarded client"


def test_the_page_shows_commands_for_the_address_the_browser_used(proxied):
    _srv, proxy = proxied
    base = proxy.url(nginx.PREFIX)
    deps = server_callbacks(requests.get(base + "_dash-dependencies", timeout=30).json())
    render = next(d for d in deps if ids.GUIDE in d["output"]
                  and ids.FILTERS in [i["id"] for i in d["inputs"]])
    body = callback_body(render, {(ids.FILTERS, "data"): {}}, changed=(ids.FILTERS, "data"))
    # What a browser on http://portal.example.com:8443 sends.
    answer = requests.post(base + "_dash-update-component", json=body, timeout=30,
                           headers={"Host": "portal.example.com:8443",
                                    "X-Forwarded-Proto": "https"})
    assert answer.status_code == 200, answer.text[:500]
    shown = str(answer.json()["response"][ids.GUIDE])
    # nginx sets X-Forwarded-Proto to the scheme it was reached with (http here) over what the
    # client sent; the port the browser used survives ($http_host).
    assert "curl -X PUT http://portal.example.com:8443/tools/images/api/v1/features" in shown
    assert "127.0.0.1" not in shown


def _assets_of(page: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+\.(?:js|css|ico)[^"]*)"', page)


def test_a_second_page_view_through_gzip_downloads_no_unchanged_script(proxied):
    _srv, proxy = proxied
    http = requests.Session()
    http.headers["Accept-Encoding"] = "gzip"
    page = http.get(proxy.url(nginx.PREFIX), timeout=30)
    assert page.status_code == 200
    # The graph component's chunk is loaded by the component, not listed in the page.
    files = _assets_of(page.text) + [
        nginx.PREFIX + "_dash-component-suites/dash/dcc/async-graph.js"]
    assert len(files) > 10
    for path in files:
        first = http.get(proxy.url(path), timeout=60)
        assert first.status_code == 200, path
        cache = first.headers.get("Cache-Control", "")
        if "immutable" in cache:
            assert "max-age=31536000" in cache and "public" in cache
            assert "m=" in path or re.search(r"\.v\w+m\d+\.", path), path
            continue  # a browser does not ask again
        etag = first.headers.get("ETag")
        assert etag, f"{path}: neither immutable nor revalidatable"
        again = http.get(proxy.url(path), headers={"If-None-Match": etag}, timeout=60)
        assert again.status_code == 304 and again.content == b"", (path, etag)
    chunk = http.get(proxy.url(files[-1]), timeout=60)
    assert chunk.headers.get("Content-Encoding") == "gzip"
    # Either nginx compressed it (and weakened the ETag) or the app did (COMPRESS, on by
    # default: a strong ETag naming the encoding, which nginx passes through); both revalidate
    # with a 304 above.
    etag = chunk.headers["ETag"]
    assert etag.startswith("W/") or etag.endswith(':gzip"'), etag


def test_no_versions_are_shown_and_unknown_pages_are_404(proxied):
    _srv, proxy = proxied
    page = requests.get(proxy.url(nginx.PREFIX), timeout=30)
    config = re.search(r'id="_dash-config"[^>]*>(.*?)</script>', page.text, re.S).group(1)
    for word in ("dash_version", "python_version", "plotly_version"):
        assert word not in config
    assert not re.search(r"\d+\.\d+\.\d+", page.headers.get("Server", ""))
    assert not re.search(r"v\d+_\d+_\d+m", page.text)  # bundle names carry no versions
    missing = requests.get(proxy.url(nginx.PREFIX + "no/such/page"), timeout=30)
    assert missing.status_code == 404 and 'id="react-entry-point"' in missing.text
    assert requests.get(proxy.url(nginx.PREFIX), timeout=30).status_code == 200
