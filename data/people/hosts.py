"""Which Host names a browser's writes may carry (DNS rebinding, docs/people.md "Hosts").

A page on `rebind.attacker.example` whose name the attacker re-points at 127.0.0.1 runs in the
victim's browser and reaches a laptop's server as a same-origin page, with that name in `Host`.
Pure: the HTTP edge (api/hosts.py) hands in the names the request carried.
"""

from __future__ import annotations

ANY = "*"
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")


def split_host(host: str) -> tuple[str, str | None]:
    """('name', 'port' or None) of a Host value, lower-cased, without a trailing dot;
    IPv6 addresses keep their brackets: '[::1]:8050' -> ('[::1]', '8050')."""
    host = (host or "").strip().lower()
    if host.startswith("["):
        end = host.find("]")
        if end < 0:
            return host, None
        name, rest = host[:end + 1], host[end + 1:]
        return name, (rest[1:] if rest.startswith(":") and rest[1:] else None)
    if host.count(":") > 1:  # a bare IPv6 address (not valid in Host, but be exact)
        return f"[{host}]", None
    name, _, port = host.partition(":")
    return name.rstrip("."), port or None


def _pattern(entry: str) -> tuple[str, str | None]:
    name, port = split_host(entry)
    if ":" in name and not name.startswith("["):
        name = f"[{name}]"
    return name, port


def host_allowed(host: str | None, allowed: tuple[str, ...]) -> bool:
    """True when `host` matches an entry of `allowed`: `*` (any), `name` (any port),
    `name:port` (that port), `.example.com` (example.com and its subdomains)."""
    name, port = split_host(host or "")
    if not name:
        return False
    for entry in allowed:
        if entry.strip() == ANY:
            return True
        want, want_port = _pattern(entry)
        if want_port is not None and want_port != port:
            continue
        if want.startswith("."):
            if name == want[1:] or name.endswith(want):
                return True
        elif name == want:
            return True
    return False
