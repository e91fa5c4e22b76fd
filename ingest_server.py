"""HTTP in: the API (docs/api.md) mounted on the Dash app's own Flask server.

The routes live in api/ (builds.py: Jenkins' writes and the reads; labels.py: label fixes and
thresholds; images.py: a build's image table for the scatter; service.py: health,
audit, OpenAPI, JSON 404/405). This module mounts them under the configured prefix and makes every
error under that prefix a JSON body {"error", "message", "details"} with the right status:
domain errors from data/ are translated here (api/errors.py), never a stack trace.
"""

from __future__ import annotations

import logging
import re

from flask import Flask, request
from werkzeug.exceptions import HTTPException, InternalServerError

from api.builds import builds
from api.labels import labels
from api.errors import domain_error_response, error_response
from api.images import images
from api.judgements import judgements
from api.over_time import over_time
from api.service import service
from config import API_PREFIX
from data.domain.errors import DomainError
from data.people.tokens import has_stored_tokens
from services import Services

log = logging.getLogger(__name__)

BLUEPRINTS = (builds, images, judgements, labels, over_time, service)


def register(server: Flask, svc: Services) -> None:
    """Mount the API under the configured prefix and make every API error JSON."""
    server.extensions["image_dashboard"] = svc
    prefix = svc.settings.url_prefix + API_PREFIX
    for blueprint in BLUEPRINTS:
        server.register_blueprint(blueprint, url_prefix=prefix)
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
            return error_response(404, "not_found",
                                  f"There is no API route {request.path}; did you mean {merged}?")
        return None

    @server.errorhandler(DomainError)
    def _domain_error(exc: DomainError):
        if not request.path.startswith(prefix):
            raise exc
        return domain_error_response(exc)

    @server.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if not request.path.startswith(prefix):
            return exc
        resp = error_response(exc.code or 500, exc.name.lower().replace(" ", "_"),
                              exc.description or exc.name)
        if getattr(exc, "valid_methods", None):  # 405 must say what is allowed (RFC 9110)
            resp.headers["Allow"] = ", ".join(exc.valid_methods)
        return resp

    @server.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return _http_error(exc)
        log.exception("Unhandled error on %s %s", request.method, request.path)
        if not request.path.startswith(prefix):
            return InternalServerError()
        return error_response(500, "internal_error",
                              "The server failed to handle this request; nothing was written. "
                              "Retry later; if it persists, tell the dashboard's maintainers.")
