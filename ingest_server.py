"""HTTP API (SPEC §4): Jenkins' ingest routes and the read API, as a Flask blueprint mounted on
the Dash app's own server.

Everything a client can get wrong is answered here with a precise 4xx and a JSON body
{"error", "message", "details"}; nothing is written unless the whole request is valid.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass, field

import orjson
from flask import Blueprint, Flask, Response, current_app, request
from werkzeug.exceptions import HTTPException, InternalServerError

from config import Settings
from data.analysis import feature_stats
from data.audit import audit_records
from api_input import (CSV_TYPES, JSON_TYPES, MAX_ID, build_arg, build_label, float_arg, identity,
                       idempotency, int_arg, is_loopback, read_body, require_type)
from data.auth import Principal, authenticate, has_stored_tokens, require_business
from data.cache import DatasetCache
from data.matrix import matrix_from_table
from data.payloads import (RequestError, parse_json, validate_features, validate_metrics_csv,
                           validate_metrics_json)
from data.ratelimit import RateLimiter, retry_after_header
from data.store import Store
from openapi import openapi_document

log = logging.getLogger(__name__)

API_PREFIX = "api/v1"

api = Blueprint("api", __name__)


@dataclass
class Services:
    """What the routes and the dashboard share: configuration, the store and the cached frames."""

    settings: Settings
    store: Store
    cache: DatasetCache
    limiter: RateLimiter | None = field(default=None)  # per worker; built from settings

    def __post_init__(self):
        if self.limiter is None:
            self.limiter = RateLimiter(self.settings.rate_limit_per_minute,
                                       self.settings.rate_limit_burst)


def services() -> Services:
    return current_app.extensions["image_dashboard"]


def register(server: Flask, svc: Services) -> None:
    """Mount the API under the configured prefix and make every API error JSON."""
    server.extensions["image_dashboard"] = svc
    prefix = svc.settings.url_prefix + API_PREFIX
    server.register_blueprint(api, url_prefix=prefix)
    if svc.settings.ingest_tokens or has_stored_tokens(svc.store.engine):
        log.info("Ingest: %d INGEST_TOKENS token(s), plus business tokens from `cli.py token`.",
                 len(svc.settings.ingest_tokens))
    else:
        log.warning("Ingest: INGEST_TOKENS is not set, so writes are accepted from loopback "
                    "clients only. Set INGEST_TOKENS=token1,token2 to accept Jenkins from elsewhere.")

    @server.before_request
    def _no_redirects():
        # Werkzeug answers a path with doubled slashes with a 308 to the merged path (or the
        # page's catch-all answers it with HTML), and Jenkins counts any 3xx as success: an API
        # path with doubled slashes gets a JSON 404 that names the right path.
        merged = re.sub("/{2,}", "/", request.path)
        if merged != request.path and merged.startswith(prefix):
            return _error(404, "not_found",
                          f"There is no API route {request.path}; did you mean {merged}?")
        return None

    @server.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if not request.path.startswith(prefix):
            return exc
        resp = _error(exc.code or 500, exc.name.lower().replace(" ", "_"),
                      exc.description or exc.name)
        if getattr(exc, "valid_methods", None):  # 405 must say what is allowed (RFC 9110)
            resp.headers["Allow"] = ", ".join(exc.valid_methods)
        return resp

    @server.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return _http_error(exc)
        if not request.path.startswith(prefix):
            log.exception("Unhandled error on %s %s", request.method, request.path)
            return InternalServerError()
        log.exception("Unhandled error on %s %s", request.method, request.path)
        return _error(500, "internal_error",
                      "The server failed to handle this request; nothing was written. "
                      "Retry later; if it persists, tell the dashboard's maintainers.")


# ------------------------------------------------------------------------------------ helpers


def _json(body: object, status: int = 200) -> Response:
    return Response(orjson.dumps(body, option=orjson.OPT_SERIALIZE_NUMPY), status=status,
                    mimetype="application/json")


def _error(status: int, code: str, message: str, details: list | None = None) -> Response:
    return _json({"error": code, "message": message, "details": details or []}, status)


@api.errorhandler(RequestError)
def _request_error(exc: RequestError):
    return _json(exc.body(), exc.status)


def _authorize() -> Principal:
    """Who sends this write (or audit read); 401 without a valid token. While no token exists
    at all (INGEST_TOKENS or `cli.py token create`), loopback clients write without one."""
    svc = services()
    if not svc.settings.ingest_tokens and not has_stored_tokens(svc.store.engine):
        if is_loopback(request.remote_addr):
            return Principal("loopback", None, rate_limited=False)
        raise RequestError(403, "writes_disabled",
                           "This server accepts writes from its own machine only, because no "
                           "INGEST_TOKENS are configured. Ask its operator for a token.")
    return authenticate(svc.store.engine, svc.settings.ingest_tokens,
                        request.headers.get("Authorization"))


@dataclass
class RateLimited(RequestError):
    retry_after: float = 1.0


@api.errorhandler(RateLimited)
def _rate_limited(exc: RateLimited):
    resp = _json(exc.body(), exc.status)
    resp.headers["Retry-After"] = retry_after_header(exc.retry_after)
    return resp


def _admit(principal: Principal, business: str) -> None:
    """403 when the token belongs to another business; 429 past the token's rate limit."""
    require_business(principal, business)
    if principal.rate_limited:
        wait = services().limiter.take(principal.name)
        if wait > 0:
            raise RateLimited(429, "rate_limited",
                              f"Too many requests for token {principal.name!r}; retry after "
                              f"{retry_after_header(wait)} s (the Retry-After header).",
                              [{"retry_after_seconds": round(wait, 2)}], retry_after=wait)


def _warm(business: str, source: str) -> None:
    """Build the new cached frame in the background so the next reader does not wait for it."""
    cache = services().cache

    def run():
        try:
            cache.get(business, source)
        except Exception:  # a warm-up failure only means the first reader builds it
            log.exception("Cache warm-up failed for %r / %r", business, source)

    threading.Thread(target=run, daemon=True, name="cache-warm").start()


# ------------------------------------------------------------------------------------ routes


@api.route("/features", methods=["PUT"], strict_slashes=False)
def put_features():
    """Store a featurizer build; it becomes current. 201 new, 200 identical to current."""
    principal = _authorize()
    business, source = identity()
    _admit(principal, business)
    require_type(JSON_TYPES, "application/json")
    label = build_label()
    body = read_body(services().settings)
    idem = idempotency("features", business, source, body, label)
    matrix = matrix_from_table(validate_features(parse_json(body)))
    result = services().store.put_build(business, source, matrix, build_label=label,
                                        idempotency=idem, actor=principal.name)
    if result.status == 201:
        _warm(business, source)
    return _json(result.body, result.status)


@api.route("/metrics", methods=["PUT"], strict_slashes=False)
def put_metrics():
    """Insert or replace image outcomes (JSON or CSV) for an image source."""
    principal = _authorize()
    business, source = identity()
    _admit(principal, business)
    mt = require_type(JSON_TYPES + CSV_TYPES, "application/json or text/csv")
    body = read_body(services().settings)
    idem = idempotency("metrics", business, source, body, None)
    if mt in CSV_TYPES:
        try:
            text = body.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise RequestError(400, "bad_encoding",
                               f"The CSV body is not UTF-8 (byte {exc.start}).") from None
        rows = validate_metrics_csv(text)
    else:
        rows = validate_metrics_json(parse_json(body))
    result = services().store.put_metrics(business, source, rows, idempotency=idem,
                                          actor=principal.name)
    _warm(business, source)
    return _json(result.body, result.status)


@api.route("/image-source", methods=["PUT"], strict_slashes=False)
def put_image_source():
    """Set an image source's settings: {"url_template": "https://cdn/{name}.png" or null}."""
    principal = _authorize()
    business, source = identity()
    _admit(principal, business)
    require_type(JSON_TYPES, "application/json")
    obj = parse_json(read_body(services().settings, services().settings.max_body_bytes))
    if not isinstance(obj, dict) or set(obj) != {"url_template"}:
        raise RequestError(422, "wrong_shape", 'Send {"url_template": "https://host/{name}.png"} '
                                               'or {"url_template": null}.')
    template = obj["url_template"]
    if template is not None and (not isinstance(template, str) or "{name}" not in template):
        raise RequestError(422, "bad_url_template",
                           "url_template must be a string containing {name}, or null.")
    services().store.set_url_template(business, source, template, actor=principal.name)
    return _json({"business": business, "image_source": source, "url_template": template})


@api.route("/datasets", methods=["GET"], strict_slashes=False)
def get_datasets():
    return _json({"businesses": services().store.datasets()})


@api.route("/features", methods=["GET"], strict_slashes=False)
def get_features():
    """Per-feature statistics (SPEC §5) for a build at a threshold and sparsity range."""
    business, source = identity()
    threshold = float_arg("threshold", 0.0)
    min_pct = float_arg("min_pct", 0.0, 0.0, 100.0)
    max_pct = float_arg("max_pct", 100.0, 0.0, 100.0)
    if min_pct > max_pct:
        raise RequestError(400, "bad_parameter", f"min_pct ({min_pct}) is above max_pct ({max_pct}).")
    build_id = build_arg()
    ds = services().cache.get(business, source, build_id)
    stats = feature_stats(ds.index, threshold, min_pct, max_pct)
    return _json({
        "business": business, "image_source": source, "build": ds.build.id,
        "build_label": ds.build.build_label, "threshold": threshold,
        "min_pct": min_pct, "max_pct": max_pct,
        "images": ds.index.n_images, "images_without_ctr": ds.images_without_ctr,
        "features": stats.records(),
    })


_ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


@api.route("/", defaults={"rest": ""}, methods=_ALL_METHODS, strict_slashes=False)
@api.route("/<path:rest>", methods=_ALL_METHODS, strict_slashes=False)
def unknown_route(rest: str):
    """JSON 404/405 for anything under the API prefix, so the page's catch-all never answers
    an API client with HTML (or a redirect)."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    allowed = [m for m in ("GET", "PUT") if _endpoint_for(adapter, m) not in (None, request.endpoint)]
    if allowed:
        resp = _error(405, "method_not_allowed",
                      f"{request.method} is not supported on {request.path}; use {', '.join(allowed)}.")
        resp.headers["Allow"] = ", ".join(allowed)
        return resp
    return _error(404, "not_found", f"There is no API route {request.path}. See the README's "
                                    "API table (GET /api/v1/datasets, GET/PUT /api/v1/features, ...).")


def _endpoint_for(adapter, method: str) -> str | None:
    try:
        return adapter.match(method=method)[0]
    except HTTPException:
        return None


@api.route("/health", methods=["GET"], strict_slashes=False)
def health():
    try:
        services().store.ping()
    except Exception as exc:  # the point of this route is to report that, not to crash
        log.warning("Health check failed: %s", exc)
        return _error(503, "database_unavailable", "The database does not answer.")
    return _json({"status": "ok", "database": services().store.engine.dialect.name})


@api.route("/audit", methods=["GET"], strict_slashes=False)
def get_audit():
    """Accepted writes, newest first (query: business, limit, before). Needs a write token; a
    business's token reads its own business only."""
    principal = _authorize()
    business = request.args.get("business") or principal.business
    if business is not None:
        if "\x00" in business:
            raise RequestError(400, "bad_parameter", "business contains a NUL character.")
        require_business(principal, business)
    limit = int_arg("limit", 100, 1, 1000)
    before = int_arg("before", None, 1, MAX_ID)
    return _json({"business": business,
                  "records": audit_records(services().store.engine, business, limit, before)})


@api.route("/openapi.json", methods=["GET"], strict_slashes=False)
def get_openapi():
    """The OpenAPI 3 description of every route of this API."""
    return _json(openapi_document(services().settings.url_prefix + API_PREFIX))
