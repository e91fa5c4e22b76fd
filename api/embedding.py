"""Signed embed links at the HTTP edge: where a request carries its token, and checking it.

The page request carries it in the query (`/?embed=<token>`); the page's own requests (layout,
callbacks) carry it in the X-Embed-Token header, which assets/embed.js adds to every Dash
request of that browser tab, so the token is bound to the tab (no cookie: portals' iframes are
third-party, and another tab of the same browser must not inherit the lock).
"""

from __future__ import annotations

from flask import g, request

from data.people.embed import EmbedView, verify_embed

EMBED_HEADER = "X-Embed-Token"
EMBED_PARAM = "embed"
PLAIN_EMBED_VALUES = ("", "0", "1")  # embed=1: the plain flag that only hides the chrome


def embed_token() -> str | None:
    """The signed embed token this request carries, or None (embed=1 is no token)."""
    token = request.headers.get(EMBED_HEADER)
    if token is None:
        token = request.args.get(EMBED_PARAM)
    token = (token or "").strip()
    return None if token in PLAIN_EMBED_VALUES else token


def request_embed(secret: str | None) -> EmbedView | None:
    """The embed view of this request, checked once per request; None without a token.
    EmbedRefused when the token is expired, forged or not accepted here."""
    if "embed_view" not in g:
        token = embed_token()
        g.embed_view = verify_embed(secret, token) if token is not None else None
    return g.embed_view
