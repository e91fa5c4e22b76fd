"""Writes must name a host this server expects (ALLOWED_HOSTS), so a DNS-rebinding page cannot
use a laptop's open server through the victim's browser (docs/people.md "Hosts").

Checked on every API write (any method but GET/HEAD/OPTIONS under the API prefix, before the
token and the body) and in every Dash callback that writes (wrap it with `@writes`).
"""

from __future__ import annotations

import functools

from flask import Response, abort, request

from api.access import services, tokens_configured
from api.errors import ApiError
from api.people import direct_peer
from data.people.hosts import ANY, LOOPBACK_HOSTS, host_allowed
from data.people.identity import is_trusted

FORWARDED_HOST = "X-Forwarded-Host"


def allowed_hosts() -> tuple[str, ...]:
    """ALLOWED_HOSTS; unset: the loopback names while no token exists (loopback writes need
    none, so only the name tells a rebinding page from the laptop's own browser), any host
    once tokens are configured (a rebinding page has no token)."""
    svc = services()
    if svc.settings.allowed_hosts is not None:
        return svc.settings.allowed_hosts
    return (ANY,) if tokens_configured(svc) else LOOPBACK_HOSTS


def request_hosts() -> list[str]:
    """Every host name the request carries that must be allowed: Host, and X-Forwarded-Host
    (the nearest proxy's value, the last one) when the connection comes from TRUSTED_PROXIES.
    Both are checked, so a client on a trusted address cannot send X-Forwarded-Host: localhost
    to hide its Host, and a proxy that rewrites Host still has the browser's name checked."""
    settings = services().settings
    orig = request.environ.get("werkzeug.proxy_fix.orig") or {}
    hosts = [orig.get("HTTP_HOST", request.environ.get("HTTP_HOST", ""))]
    forwarded = request.headers.get(FORWARDED_HOST)
    if forwarded and is_trusted(direct_peer(), settings.trusted_proxies):
        hosts.append(forwarded.split(",")[-1].strip())
    return hosts


def refused_host() -> str | None:
    """The first host name of this request that ALLOWED_HOSTS does not allow, or None."""
    allowed = allowed_hosts()
    return next((h for h in request_hosts() if not host_allowed(h, allowed)), None)


def host_message(host: str) -> str:
    return (f"Writes to this server must use one of its own host names, and {host or '(none)'!r} "
            "is not one (a page under another name, e.g. DNS rebinding, cannot write here). If "
            "it is this server's name, add it to ALLOWED_HOSTS (comma-separated; a name allows "
            "any port).")


def require_allowed_host_for_api() -> None:
    """ApiError 403 `host_not_allowed` when an API write names a host not allowed."""
    host = refused_host()
    if host is not None:
        raise ApiError(403, "host_not_allowed", host_message(host), [{"host": host}])


def writes(callback):
    """Mark a Dash callback that writes: from a host not allowed it answers 403 with a plain
    message, and the callback does not run."""

    @functools.wraps(callback)
    def guarded(*args, **kwargs):
        host = refused_host()
        if host is not None:
            abort(Response(host_message(host), 403, mimetype="text/plain"))
        return callback(*args, **kwargs)

    return guarded
