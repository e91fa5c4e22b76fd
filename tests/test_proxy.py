"""Forwarded headers are believed from TRUSTED_PROXIES only, one X-Forwarded-For hop per trusted
proxy (api/proxy.py): the loopback-write rule, identity and the page's commands see the client
the proxies vouch for, never what a stranger claims."""

from __future__ import annotations

import ipaddress

import pytest

from api.proxy import TrustedProxies
from app import create_app
from config import Settings, _networks
from layouts.dashboard.ids import ids
from tests.support.dash_requests import callback_body, server_callbacks

STRANGER = "203.0.113.9"
NGINX = "127.0.0.1"


def _app(settings, **changes):
    return create_app(Settings(**{**settings.__dict__, **changes})).server


def _put(client, peer: str, forwarded_for: str | None = None, business: str = "b"):
    headers = {"Business": business, "Image-Source": "s"}
    if forwarded_for is not None:
        headers["X-Forwarded-For"] = forwarded_for
    return client.put("/api/v1/features", json={"a.jpg": {"x": 0.5}}, headers=headers,
                      environ_base={"REMOTE_ADDR": peer})


@pytest.mark.parametrize("chain, trusted, hops", [
    (None, "127.0.0.1", 1),
    ("203.0.113.9", "127.0.0.1", 1),
    ("203.0.113.9, 10.0.0.2", "127.0.0.1,10.0.0.0/8", 2),  # two proxies: both hops walked
    ("127.0.0.1, 203.0.113.9", "127.0.0.1", 1),  # a forged loopback before the stranger
    ("10.0.0.5, 10.0.0.2", "127.0.0.1,10.0.0.0/8", 2),  # all trusted: the leftmost
])
def test_one_hop_per_trusted_proxy_back_to_the_client(chain, trusted, hops):
    assert TrustedProxies(None, _networks(trusted)).hops(chain) == hops


def test_a_stranger_forwarded_by_a_local_proxy_cannot_write_to_a_tokenless_server(settings):
    client = _app(settings).test_client()
    refused = _put(client, NGINX, STRANGER)
    assert refused.status_code == 403 and refused.get_json()["error"] == "writes_disabled"
    assert _put(client, NGINX, f"127.0.0.1, {STRANGER}").status_code == 403  # forged prefix
    assert _put(client, NGINX, "127.0.0.1").status_code == 201  # a local client via the proxy
    assert _put(client, NGINX, business="c").status_code == 201  # the machine itself


def test_forwarded_headers_from_an_untrusted_peer_are_ignored(settings):
    client = _app(settings, trusted_proxies=_networks("10.9.9.9")).test_client()
    # Loopback is not a trusted proxy here: what it forwards is ignored, it writes as itself.
    assert _put(client, "127.0.0.1", STRANGER).status_code == 201
    # A stranger claiming to forward for loopback stays a stranger.
    assert _put(client, STRANGER, "127.0.0.1", business="c").status_code == 403


def _guide_text(client, headers: dict, peer: str = NGINX, prefix: str = "/") -> str:
    """The empty page's guide (with its curl commands) as the render callback answers it."""
    deps = server_callbacks(client.get(prefix + "_dash-dependencies").get_json())
    render = next(d for d in deps if ids.GUIDE in d["output"]
                  and ids.FILTERS in [i["id"] for i in d["inputs"]])
    body = callback_body(render, {(ids.FILTERS, "data"): {}}, changed=(ids.FILTERS, "data"))
    answer = client.post(prefix + "_dash-update-component", json=body, headers=headers,
                         environ_base={"REMOTE_ADDR": peer})
    assert answer.status_code == 200
    return str(answer.get_json()["response"][ids.GUIDE])


@pytest.mark.parametrize("headers, peer, want", [
    ({"X-Forwarded-Proto": "https", "X-Forwarded-Host": "dash.example.com"}, NGINX,
     "https://dash.example.com/api/v1/features"),
    # a proxy that strips /portal from the path says so
    ({"X-Forwarded-Host": "intranet:8080", "X-Forwarded-Prefix": "/portal"}, NGINX,
     "http://intranet:8080/portal/api/v1/features"),
    # the same headers from a stranger change nothing
    ({"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"}, STRANGER,
     "http://localhost/api/v1/features"),
])
def test_the_commands_on_the_page_use_the_forwarded_scheme_host_and_prefix(settings, headers,
                                                                          peer, want):
    client = _app(settings).test_client()
    assert want in _guide_text(client, headers, peer)


def test_a_prefix_the_proxy_did_not_strip_is_not_added_twice(settings):
    client = _app(settings, url_prefix="/tools/images/").test_client()
    shown = _guide_text(client, {"X-Forwarded-Host": "portal",
                                 "X-Forwarded-Prefix": "/tools/images"}, prefix="/tools/images/")
    assert "http://portal/tools/images/api/v1/features" in shown
    assert "/tools/images/tools/images" not in shown


def test_default_trusted_proxies_are_loopback_only():
    nets = Settings().trusted_proxies
    assert any(ipaddress.ip_address("127.0.0.1") in n for n in nets)
    assert not any(ipaddress.ip_address(STRANGER) in n for n in nets)
