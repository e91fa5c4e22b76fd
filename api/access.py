"""Who may write, and how fast; who may read what: the checks every route (and every page
callback that reads a dataset, through Services.cache) runs before it touches data."""

from __future__ import annotations

from flask import current_app, g, has_request_context, request

from api.embedding import request_embed
from api.errors import ApiError
from api.people import current_person
from api.request import is_loopback
from config import API_PREFIX
from data.domain.errors import NotAuthenticated
from data.people.access import ReadScope, refused
from data.people.grants import granted_businesses
from data.people.ratelimit import retry_after_header
from data.people.tokens import Principal, authenticate, has_stored_tokens, require_business
from services import Services

# Wrong credentials, which count against the client address (a missing token is a sender's
# configuration mistake, answered with its 401 every time).
_FAILURES = frozenset({"invalid_token", "revoked_token"})


def services() -> Services:
    """The app's services (app.py puts them on the Flask app)."""
    return current_app.extensions["image_dashboard"]


def tokens_configured(svc: Services) -> bool:
    """True once any token exists (INGEST_TOKENS or `cli.py token create`)."""
    return bool(svc.settings.ingest_tokens) or has_stored_tokens(svc.store.engine)


def authorize() -> Principal:
    """Who sends this write (or audit read). While no token exists at all (INGEST_TOKENS or
    `cli.py token create`), loopback clients write without one; otherwise a valid token. Past
    AUTH_FAILURES_PER_MINUTE wrong tokens from one address, that address gets 429 until its
    budget refills, whatever it sends; other addresses are not affected."""
    svc = services()
    if not tokens_configured(svc):
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


def is_api_request() -> bool:
    return request.path.startswith(services().settings.url_prefix + API_PREFIX)


def read_scope() -> ReadScope:
    """What the current request may read (docs/people.md "Who may read"), decided once per
    request. Outside a request (the app's own work: cache warm-up) everything.

    - a signed embed link (page requests only): its one image source, its locked filters;
    - READ_ACCESS=open: everything;
    - READ_ACCESS=granted, API: the bearer token's business (INGEST_TOKENS: every business);
      no or a bad token is 401;
    - READ_ACCESS=granted, pages: the businesses granted to the person the sign-on proxy names
      (a self-declared name cookie is not enough); nobody known: nothing.
    """
    if not has_request_context():
        return ReadScope.everything()
    scope = g.get("read_scope")
    if scope is None:
        scope = g.read_scope = _decide_scope()
    return scope


def _decide_scope() -> ReadScope:
    svc = services()
    api = is_api_request()
    view = None if api else request_embed(svc.settings.embed_secret)
    if view is not None:
        return ReadScope.embedded(view.business, view.image_source, view.locks)
    if svc.settings.read_access == "open":
        return ReadScope.everything()
    if api:
        principal = authenticate(svc.store.engine, svc.settings.ingest_tokens,
                                 request.headers.get("Authorization"))
        return (ReadScope.everything() if principal.business is None
                else ReadScope(frozenset({principal.business})))
    person = current_person()
    if person is None or person.source != "proxy":
        return ReadScope.nothing()
    return ReadScope(granted_businesses(svc.store.engine, person.name))


def require_readable(business: str, image_source: str | None = None) -> None:
    """NotReadable (403, the same body whether or not the business exists) unless the current
    request may read `business`. For routes that read the store without Services.cache."""
    if not read_scope().allows(business, image_source):
        raise refused()


def locked_filters(filters: object) -> dict:
    """`filters` with what the request's embed link fixes put back (no change otherwise)."""
    return read_scope().lock(filters if isinstance(filters, dict) else {})
