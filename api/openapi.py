"""The OpenAPI 3 document of the HTTP API (docs/api.md), served at <prefix>api/v1/openapi.json.

Hand-written so it says what the routes promise (every status they answer with), and checked
against the live server by a schemathesis run in tests/reliability/.
"""

from __future__ import annotations


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/{name}"}


def _header(name: str, description: str, **schema) -> dict:
    return {"name": name, "in": "header", "required": False, "description": description,
            "schema": {"type": "string", **schema}}


def _query(name: str, description: str, schema: dict) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema}


# Which dataset: the query parameters below, or (what Jenkins usually sends) the headers
# `Business` / `X-Business` and `Image-Source` / `X-Image-Source`, which win when both are sent.
# OpenAPI cannot say "one of these", so the query form is the documented, required one.
NAME = {"type": "string", "minLength": 1, "maxLength": 500, "pattern": "^[^\\x00]*\\S[^\\x00]*$"}
IDENTITY = [
    {**_query("business", "Business name. Or the Business (X-Business) header.", NAME),
     "required": True},
    {**_query("image_source", "Image source name. Or the Image-Source (X-Image-Source) header.",
              NAME), "required": True},
]
WRITE_HEADERS = [
    _header("Idempotency-Key", "Same key and body: the first answer again; other body: 422.",
            maxLength=200),
    _header("Content-Encoding", "gzip or identity (decompressed size is capped too).",
            enum=["gzip", "identity"]),
    _header("X-Signature-256", "sha256=<hex HMAC-SHA256 of the body as sent>, with the server's "
                               "INGEST_SIGNING_SECRET. Must verify when sent; REQUIRE_SIGNATURE "
                               "makes it mandatory."),
]
ERRORS = {str(code): _ref(f"responses/Error{code}")
          for code in (400, 401, 403, 413, 415, 422, 429)}
READ_ERRORS = {"400": _ref("responses/Error400"), "404": _ref("responses/Error404"),
               "422": _ref("responses/Error422")}

IMAGE_NAME = {"type": "string", "minLength": 1, "pattern": "^[^\\x00]+$"}
FEATURES_BODY = {
    "type": "object",
    "minProperties": 1,
    "propertyNames": IMAGE_NAME,
    "description": "{image_name: {feature: number or null}}; a missing feature counts as 0.",
    "additionalProperties": {"type": "object",
                             "additionalProperties": {"type": ["number", "null"]}},
}
METRICS_BODY = {
    "type": "object",
    "minProperties": 1,
    "propertyNames": IMAGE_NAME,
    "description": '{image_name: {"impressions": int, "clicks": int}} or {image_name: {"ctr": x}}',
    "additionalProperties": {"oneOf": [
        {"type": "object", "required": ["impressions", "clicks"], "additionalProperties": False,
         "properties": {"impressions": {"type": "integer", "minimum": 0},
                        "clicks": {"type": "integer", "minimum": 0}}},
        {"type": "object", "required": ["ctr"], "additionalProperties": False,
         "properties": {"ctr": {"type": "number", "minimum": 0, "maximum": 1}}},
    ]},
}


def _json_response(description: str, schema: dict | None = None) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": schema or {"type": "object"}}}}


WRITE = {"security": [{"bearer": []}]}


def openapi_document(api_root: str) -> dict:
    """The document, with `api_root` (e.g. '/api/v1' or '/tools/images/api/v1') as server URL."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "Image Model Dashboard API", "version": "1",
                 "description": "Builds of featurizer output and image outcomes in; per-feature "
                                "statistics out. Every answer is JSON; never a redirect."},
        "servers": [{"url": api_root}],
        "paths": {path: describe() for path, describe in PATHS.items()},
        "components": _components(),
    }


def _features() -> dict:
    return {
        "put": {**WRITE, "summary": "Store a featurizer build; it becomes current.",
                "parameters": IDENTITY + WRITE_HEADERS + [
                    _header("Build-Id", "Jenkins build number, stored as the build label.",
                            maxLength=200)],
                "requestBody": {"required": True, "content": {
                    "application/json": {"schema": FEATURES_BODY}}},
                "responses": {"200": _json_response("Identical to the current build."),
                              "201": _json_response("New build stored and current."),
                              **ERRORS}},
        "get": {"summary": "Per-feature statistics of a build.",
                "parameters": IDENTITY + [
                    _query("threshold", "Present means value > threshold.", {"type": "number"}),
                    _query("min_pct", "Lowest prevalence shown.",
                           {"type": "number", "minimum": 0, "maximum": 100}),
                    _query("max_pct", "Highest prevalence shown.",
                           {"type": "number", "minimum": 0, "maximum": 100}),
                    _query("build", "Build id or 'current'.", {"type": "string"})],
                "responses": {"200": _json_response("Statistics.", _ref("schemas/Stats")),
                              **READ_ERRORS}},
    }


def _metrics() -> dict:
    return {
        "put": {**WRITE, "summary": "Insert or replace image outcomes.",
                "parameters": IDENTITY + WRITE_HEADERS,
                "requestBody": {"required": True, "content": {
                    "application/json": {"schema": METRICS_BODY},
                    "text/csv": {"schema": {"type": "string"}}}},
                "responses": {"200": _json_response("Counts matched / unmatched."), **ERRORS}},
    }


def _image_source() -> dict:
    return {
        "put": {**WRITE, "summary": "Set the picture URL template of an image source.",
                "parameters": IDENTITY + WRITE_HEADERS[1:],  # no Idempotency-Key here
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"type": "object", "required": ["url_template"],
                               "additionalProperties": False,
                               "properties": {"url_template": {
                                   "type": ["string", "null"], "pattern": "\\{name\\}"}}}}}},
                "responses": {"200": _json_response("Stored."), **ERRORS}},
    }


def _images() -> dict:
    return {"get": {"summary": "Every image of a build: names and CTRs, in the build's order.",
                    "parameters": IDENTITY + [
                        _query("build", "Build id or 'current'.", {"type": "string"}),
                        _query("key", "The table's key from an earlier answer: when it is "
                                      "still current the answer may be cached for good.",
                               {"type": "string"})],
                    "responses": {"200": _json_response("Image names and CTRs."),
                                  "304": {"description": "Not modified (If-None-Match)."},
                                  **READ_ERRORS}}}


def _datasets() -> dict:
    return {"get": {"summary": "Every business, its image sources and builds.",
                    "responses": {"200": _json_response("Datasets.")}}}


def _audit() -> dict:
    return {
        "get": {**WRITE, "summary": "Accepted writes, newest first.",
                "parameters": [
                    _query("business", "Only this business (a business's token: its own).",
                           {"type": "string"}),
                    _query("limit", "At most this many records.",
                           {"type": "integer", "minimum": 1, "maximum": 1000}),
                    _query("before", "Only records with a smaller id (paging).",
                           {"type": "integer", "minimum": 1, "maximum": 2**31 - 1})],
                "responses": {"200": _json_response("Records."),
                              **{k: ERRORS[k] for k in ("400", "401", "403", "429")}}},
    }


def _health() -> dict:
    return {"get": {"summary": "200 when the database answers.",
                    "responses": {"200": _json_response("Healthy."),
                                  "503": _ref("responses/Error503")}}}


def _openapi() -> dict:
    return {"get": {"summary": "This document.",
                    "responses": {"200": _json_response("OpenAPI 3 document.")}}}


# Every route of the API, by path; a new route adds its describing function here.
PATHS = {
    "/features": _features,
    "/metrics": _metrics,
    "/image-source": _image_source,
    "/images": _images,
    "/datasets": _datasets,
    "/audit": _audit,
    "/health": _health,
    "/openapi.json": _openapi,
}

_ERROR_TEXTS = ((400, "Bad request (malformed JSON, missing identity, ...)."),
                (401, "Missing, unknown or revoked token; bad signature."),
                (403, "The token may not write this business."),
                (404, "No such dataset, build or route."),
                (413, "Body (or decompressed body) over the limit."),
                (415, "Unsupported Content-Type or Content-Encoding."),
                (422, "Valid JSON of the wrong shape; Idempotency-Key reuse."),
                (429, "Rate limit; see Retry-After."),
                (503, "The database does not answer."))


def _components() -> dict:
    return {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Error": {"type": "object", "required": ["error", "message", "details"],
                      "properties": {"error": {"type": "string"},
                                     "message": {"type": "string"},
                                     "details": {"type": "array"}}},
            "Stats": {"type": "object",
                      "required": ["business", "image_source", "build", "images", "features"],
                      "properties": {"build": {"type": "integer"},
                                     "images": {"type": "integer"},
                                     "features": {"type": "array",
                                                  "items": {"type": "object"}}}},
        },
        "responses": {f"Error{code}": {
            "description": text,
            "content": {"application/json": {"schema": _ref("schemas/Error")}}}
            for code, text in _ERROR_TEXTS},
    }
