"""Errors at the HTTP edge: the API's own request errors, and the status code of each domain error.

The body of every error is {"error": code, "message": what and how to fix, "details": [...]}.
"""

from __future__ import annotations

import orjson
from flask import Response

from data.domain.errors import (BodyTooLarge, DatabaseUnavailable, DomainError,
                                IdempotencyConflict, InvalidPayload, MalformedBody,
                                MissingDataset, NoBuild, NoPreviousBuild, NotAllowed,
                                NotAuthenticated, QualityRejected, UnknownBuild, UnknownDataset,
                                UnknownDelivery, UnknownImage)

# The status code of each domain error class (the first match along the class's MRO).
STATUS_OF = {
    MalformedBody: 400,
    MissingDataset: 400,
    NoPreviousBuild: 400,
    NotAuthenticated: 401,
    NotAllowed: 403,
    UnknownDataset: 404,
    NoBuild: 404,
    UnknownBuild: 404,
    UnknownImage: 404,
    BodyTooLarge: 413,
    UnknownDelivery: 404,
    InvalidPayload: 422,
    QualityRejected: 422,
    IdempotencyConflict: 422,
    DatabaseUnavailable: 503,
}


class ApiError(DomainError):
    """A problem with the HTTP request itself (type, size, parameters, rate), with its status."""

    def __init__(self, status: int, code: str, message: str, details: list | None = None,
                 headers: dict | None = None):
        super().__init__(code, message, details)
        self.status = status
        self.headers = headers or {}


def status_of(exc: DomainError) -> int:
    """The HTTP status that answers `exc`."""
    if isinstance(exc, ApiError):
        return exc.status
    for cls in type(exc).__mro__:
        if cls in STATUS_OF:
            return STATUS_OF[cls]
    return 400


def json_response(body: object, status: int = 200) -> Response:
    return Response(orjson.dumps(body, option=orjson.OPT_SERIALIZE_NUMPY), status=status,
                    mimetype="application/json")


def error_response(status: int, code: str, message: str, details: list | None = None) -> Response:
    return json_response({"error": code, "message": message, "details": details or []}, status)


def domain_error_response(exc: DomainError) -> Response:
    resp = json_response(exc.body(), status_of(exc))
    for name, value in getattr(exc, "headers", {}).items():
        resp.headers[name] = value
    return resp
