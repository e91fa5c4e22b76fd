"""Behind a proxy: who the client is, and which address it used, from the X-Forwarded-* headers
of trusted proxies only (docs/deploy.md).

A request whose direct peer is in TRUSTED_PROXIES (default: loopback) has its client address,
scheme, host, port and prefix taken from X-Forwarded-For, -Proto, -Host, -Port and -Prefix by
Werkzeug's ProxyFix, one X-Forwarded-For hop per trusted proxy: walking the list from the right,
every address that is itself a trusted proxy is a hop, and the first one that is not is the
client. So a stranger who sends his own "X-Forwarded-For: 127.0.0.1" through nginx is still the
stranger (nginx appends the address it saw), and a request from anyone else keeps its own
address whatever it claims. Everything after this middleware — the access log, identity
(api/people.py), the loopback-write rule (api/access.py), rate limits — sees that client.
"""

from __future__ import annotations

from werkzeug.middleware.proxy_fix import ProxyFix

from data.people.identity import is_trusted

MAX_HOPS = 16  # proxies in a chain, at most: beyond that a header is noise, not a route


class TrustedProxies:
    """WSGI middleware: ProxyFix for requests from `trusted` networks, nothing for others."""

    def __init__(self, app, trusted: tuple):
        self.app = app
        self.trusted = trusted
        self._fixes: dict[int, ProxyFix] = {}

    def __call__(self, environ, start_response):
        if not self.trusted or not is_trusted(environ.get("REMOTE_ADDR"), self.trusted):
            return self.app(environ, start_response)
        hops = self.hops(environ.get("HTTP_X_FORWARDED_FOR"))
        _drop_unstripped_prefix(environ)
        fix = self._fixes.get(hops)
        if fix is None:
            fix = self._fixes[hops] = ProxyFix(self.app, x_for=hops, x_proto=1, x_host=1,
                                               x_port=1, x_prefix=1)
        return fix(environ, start_response)

    def hops(self, forwarded_for: str | None) -> int:
        """How many X-Forwarded-For entries, from the right, to go back to reach the client:
        one for the trusted proxy that connected, plus one for each entry that is itself a
        trusted proxy."""
        if not forwarded_for:
            return 1
        chain = [part.strip() for part in forwarded_for.split(",")][-MAX_HOPS:]
        hops = 1
        while hops < len(chain) and is_trusted(chain[-hops], self.trusted):
            hops += 1
        return hops


def _drop_unstripped_prefix(environ) -> None:
    """X-Forwarded-Prefix names the path a proxy removed before passing the request on. A proxy
    that passes the whole path (the app serves URL_PREFIX itself) and still sends it would
    double the prefix in every address the app builds: ignore it then."""
    prefix = (environ.get("HTTP_X_FORWARDED_PREFIX") or "").split(",")[-1].strip().rstrip("/")
    path = environ.get("PATH_INFO") or ""
    if prefix and (path == prefix or path.startswith(prefix + "/")):
        del environ["HTTP_X_FORWARDED_PREFIX"]
