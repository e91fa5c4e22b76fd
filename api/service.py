"""Routes about the service itself: health (liveness), ready (readiness: writes work), the
audit trail, the OpenAPI document, and JSON 404/405 for every other path under the API
prefix."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, request
from werkzeug.exceptions import HTTPException

from api.access import authorize, services
from api.errors import error_response, json_response
from api.openapi import openapi_document
from api.request import MAX_ID, int_arg, single_arg, storable
from config import API_PREFIX
from data.people.tokens import require_business
from data.storage.audit import audit_records
from data.storage.writable import write_problem

log = logging.getLogger(__name__)

service = Blueprint("service", __name__)

_ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


@service.route("/health", methods=["GET"], strict_slashes=False)
def health():
    """Liveness: 200 while the process serves and the database answers reads (a process
    supervisor restarts on anything else). Whether writes work is /ready's question."""
    try:
        services().store.ping()
    except Exception as exc:  # the point of this route is to report that, not to crash
        log.warning("Health check failed: %s", exc)
        return error_response(503, "database_unavailable", "The database does not answer.")
    return json_response({"status": "ok", "database": services().store.engine.dialect.name})


@service.route("/ready", methods=["GET"], strict_slashes=False)
def ready():
    """Readiness, for a load balancer: 200 when the database answers and accepts writes (a
    write that changes nothing is tried), else 503 saying why (read-only file, file system or
    database, full disk)."""
    engine = services().store.engine
    try:
        services().store.ping()
        problem = write_problem(engine)
    except Exception as exc:  # reported, not raised: this route exists to say it
        log.warning("Readiness check failed: %s", exc)
        return error_response(503, "database_unavailable", "The database does not answer.",
                              [{"database": engine.dialect.name, "writable": False}])
    if problem is not None:
        log.warning("Not ready: the database does not accept writes: %s", problem)
        return error_response(503, "database_not_writable",
                              f"The database does not accept writes: {problem}. Reads still "
                              "work; writes answer 503 until an operator fixes it.",
                              [{"database": engine.dialect.name, "writable": False,
                                "reason": problem}])
    return json_response({"status": "ready", "database": engine.dialect.name, "writable": True})


@service.route("/audit", methods=["GET"], strict_slashes=False)
def get_audit():
    """Accepted writes, newest first (query: business, limit, before). Needs a write token; a
    business's token reads its own business only."""
    principal = authorize()
    business = single_arg("business") or principal.business
    if business is not None:
        storable("The business name", business, "bad_name")
        require_business(principal, business)
    limit = int_arg("limit", 100, 1, 1000)
    before = int_arg("before", None, 1, MAX_ID)
    records = audit_records(services().store.engine, business, limit, before)
    for r in records:  # the status the write was answered with
        r["status"] = 201 if r.pop("created") else 200
    return json_response({"business": business, "records": records})


@service.route("/openapi.json", methods=["GET"], strict_slashes=False)
def get_openapi():
    """The OpenAPI 3 description of every route of this API."""
    return json_response(openapi_document(services().settings.url_prefix + API_PREFIX))


@service.route("/", defaults={"rest": ""}, methods=_ALL_METHODS, strict_slashes=False)
@service.route("/<path:rest>", methods=_ALL_METHODS, strict_slashes=False)
def unknown_route(rest: str):
    """JSON 404/405 for anything under the API prefix, so the page's catch-all never answers
    an API client with HTML (or a redirect)."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    allowed = [m for m in ("GET", "PUT") if _endpoint_for(adapter, m) not in (None, request.endpoint)]
    if allowed:
        resp = error_response(405, "method_not_allowed",
                              f"{request.method} is not supported on {request.path}; use "
                              f"{', '.join(allowed)}.")
        resp.headers["Allow"] = ", ".join(allowed)
        return resp
    return error_response(404, "not_found", f"There is no API route {request.path}. See "
                                            "docs/api.md (GET /api/v1/datasets, GET/PUT "
                                            "/api/v1/features, ...).")


def _endpoint_for(adapter, method: str) -> str | None:
    try:
        return adapter.match(method=method)[0]
    except HTTPException:
        return None
