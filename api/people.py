"""The person behind a request (docs/people.md): the name a trusted sign-on proxy sets, or the
name cookie a person set on the page. Used by every human write, from the API and the pages."""

from __future__ import annotations

from flask import current_app, request

from data.people.identity import Person, resolve_person

PERSON_COOKIE = "imd_person"


def direct_peer() -> str | None:
    """The address of the machine that opened the connection (before any forwarded-for
    rewriting): only it can be a trusted proxy."""
    orig = request.environ.get("werkzeug.proxy_fix.orig") or {}
    return orig.get("REMOTE_ADDR", request.remote_addr)


def current_person() -> Person | None:
    """Who is making this request, or None when nobody said."""
    settings = current_app.extensions["image_dashboard"].settings
    header = settings.trusted_user_header
    return resolve_person(direct_peer(), settings.trusted_proxies,
                          request.headers.get(header) if header else None,
                          request.cookies.get(PERSON_COOKIE))
