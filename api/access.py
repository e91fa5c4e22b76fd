"""Who may write, and how fast: the checks every write route runs before it reads the body."""

from __future__ import annotations

from flask import current_app, request

from api.errors import ApiError
from api.request import is_loopback
from data.domain.errors import NotAuthenticated
from data.people.ratelimit import retry_after_header
from data.people.tokens import Principal, authenticate, has_stored_tokens, require_business
from services import Services

# Wrong credentials, which count against the client address (a missing token is a sender's
# configuration mistake, answered with its 401 every time).
_FAILURES = frozenset({"invalid_token", "revoked_token"})


def services() -> Services:
    """The app's services (app.py puts them on the Flask app)."""
    return current_app.extensions["image_dashboard"]


def authorize() -> Principal:
    """Who sends this write (or audit read). While no token exists at all (INGEST_TOKENS or
    `cli.py token create`), loopback clients write without one; otherwise a valid token. Past
    AUTH_FAILURES_PER_MINUTE wrong tokens from one address, that address gets 429 until its
    budget refills, whatever it sends; other addresses are not affected."""
    svc = services()
    if not svc.settings.ingest_tokens and not has_stored_tokens(svc.store.engine):
        if is_loopback(request.remote_addr):
            return Principal("loopback", None, rate_limited=False)
        raise ApiError(403, "writes_disabled",
                       "This server accepts writes from its own machine only, because no "
                       "INGEST_TOKENS are configured. Ask its operator for a token.")
    address = request.remote_addr or "unknown"
    wait = svc.auth_failures.wait(address)
    if wait > 0:  # refused unchecked: a guess that is never checked cannot succeed
        raise ApiError(429, "too_many_failed_authentications",
                       f"Too many wrong tokens from {address}; retry after "
                       f"{retry_after_header(wait)} s (the Retry-After header) with a valid "
                       "token.", [{"retry_after_seconds": round(wait, 2)}],
                       headers={"Retry-After": retry_after_header(wait)})
    try:
        return authenticate(svc.store.engine, svc.settings.ingest_tokens,
                            request.headers.get("Authorization"))
    except NotAuthenticated as exc:
        if exc.code in _FAILURES:
            svc.auth_failures.take(address)
        raise


def admit(principal: Principal, business: str) -> None:
    """NotAllowed when the token belongs to another business; 429 past the token's rate limit."""
    require_business(principal, business)
    if principal.rate_limited:
        wait = services().limiter.take(principal.name)
        if wait > 0:
            raise ApiError(429, "rate_limited",
                           f"Too many requests for token {principal.name!r}; retry after "
                           f"{retry_after_header(wait)} s (the Retry-After header).",
                           [{"retry_after_seconds": round(wait, 2)}],
                           headers={"Retry-After": retry_after_header(wait)})
