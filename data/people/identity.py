"""Who a person is: the name a trusted single-sign-on proxy vouches for, or the name the person
typed on a laptop (kept in a cookie). Pure: the HTTP edge hands in what the request carried."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

MAX_NAME = 100


@dataclass(frozen=True)
class Person:
    """A person's name and how we know it: "proxy" (vouched for) or "cookie" (self-declared)."""

    name: str
    source: str


def is_trusted(addr: str | None, networks: tuple) -> bool:
    """True when `addr` lies in one of `networks`."""
    try:
        ip = ipaddress.ip_address(addr or "")
    except ValueError:
        return False
    return any(ip in net for net in networks)


def clean_name(name: str | None) -> str | None:
    """A person's name as stored: trimmed, printable, at most MAX_NAME characters; None if empty
    or unusable."""
    if name is None:
        return None
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    if not name:
        return None
    return name[:MAX_NAME]


def resolve_person(peer: str | None, trusted_proxies: tuple, header_value: str | None,
                   cookie_value: str | None) -> Person | None:
    """The person behind a request. The proxy's header counts only when the direct peer is a
    trusted proxy (anyone else could send it); otherwise the name cookie, if any."""
    if header_value is not None and is_trusted(peer, trusted_proxies):
        name = clean_name(header_value)
        if name:
            return Person(name, "proxy")
    name = clean_name(cookie_value)
    return Person(name, "cookie") if name else None
