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
    _header("Idempotency-Key", "Per business and image source. Same key and request: the first "
                               "answer again; another request: 422.", maxLength=200),
    _header("Content-Encoding", "gzip (also x-gzip) or identity, in any case; empty means "
                                "identity (the decompressed size is capped too).",
            pattern="^[ \t]*([Gg][Zz][Ii][Pp]|[Xx]-[Gg][Zz][Ii][Pp]|[Ii][Dd][Ee][Nn][Tt][Ii][Tt]"
                    "[Yy])?[ \t]*$"),
    _header("X-Signature-256", "t=<unix seconds>,v1=<hex HMAC-SHA256 with INGEST_SIGNING_SECRET "
                               "of the lines t, method, path, business, image source, Build-Id, "
                               "then the body as sent> (docs/api.md). Within 5 minutes of the "
                               "server's clock. Must verify when sent; REQUIRE_SIGNATURE makes "
                               "it mandatory."),
]
ERRORS = {str(code): _ref(f"responses/Error{code}")
          for code in (400, 401, 403, 413, 415, 422, 429)}
# 401 and 403 only with READ_ACCESS=granted (a token of the business; docs/people.md).
READ_ERRORS = {"400": _ref("responses/Error400"), "401": _ref("responses/Error401"),
               "403": _ref("responses/Error403"), "404": _ref("responses/Error404"),
               "422": _ref("responses/Error422")}

IMAGE_NAME = {"type": "string", "minLength": 1, "maxLength": 500, "pattern": "^[^\\x00]+$"}
FEATURES_BODY = {
    "type": "object",
    "minProperties": 1,
    "propertyNames": IMAGE_NAME,
    "description": "{image_name: {feature: number or null}}; a missing feature counts as 0.",
    "additionalProperties": {"type": "object", "propertyNames": IMAGE_NAME,
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
                    "application/json": {"schema": FEATURES_BODY},
                    # docs/ingest-formats.md: long (image, feature, value) or wide Parquet
                    "application/vnd.apache.parquet": {"schema": {"type": "string",
                                                                  "format": "binary"}},
                    "application/x-ndjson": {"schema": {
                        "type": "string", "description": 'One {"image": name, "features": '
                                                         '{feature: number or null}} per line.'}}}},
                "responses": {"200": _json_response("Identical to the current build."),
                              "201": _json_response(
                                  "New build stored and current; `warnings` lists the quality "
                                  "checks in alarm (docs/statistics.md)."),
                              **ERRORS}},
        "get": {"summary": "Per-feature statistics of a build.",
                "parameters": IDENTITY + [
                    _query("threshold", "Present means value > threshold.", {"type": "number"}),
                    _query("min_pct", "Lowest prevalence shown.",
                           {"type": "number", "minimum": 0, "maximum": 100}),
                    _query("max_pct", "Highest prevalence shown.",
                           {"type": "number", "minimum": 0, "maximum": 100}),
                    _query("build", "Build id or 'current'.", {"type": "string"}),
                    _query("apply_fixes", "1: presence follows the latest label fix where there "
                                          "is one.", FLAG),
                    _query("thresholds", "saved: features with a saved threshold are cut there "
                                         "(each row then says its threshold).",
                           {"type": "string", "enum": ["single", "saved"]}),
                    _query("outcome", "What y_i is: CTR (default), people's mean score, or "
                                      "their Bradley–Terry strength.",
                           {"type": "string", "enum": ["ctr", "score", "strength"]}),
                    _query("weight", "images (default: each image once) or impressions (pooled "
                                     "CTR).", {"type": "string", "enum": ["images", "impressions"]}),
                    _query("adjust", "1 adds the adjusted impact (OLS, HC3).", FLAG),
                    METRICS_PARAM,
                    _query("format", "json (default) or csv: the same rows as the page's CSV "
                                     "download.", {"type": "string", "enum": ["json", "csv"]})],
                "responses": {"200": {
                    "description": "Statistics (format=csv: the rows as CSV).",
                    "content": {"application/json": {"schema": _ref("schemas/Stats")},
                                "text/csv": {"schema": {"type": "string"}}}},
                              **READ_ERRORS}},
    }


# Ids travel as text, like `build` on /features: a whole number, or the word for the newest
# ('current' / 'latest'); anything else is a 400.
ID = {"type": "string"}
METRICS_PARAM = _query("metrics", "A metrics delivery id: use the outcome set as of it; "
                                  "'latest' (the default) follows new deliveries.", ID)
THRESHOLD = _query("threshold", "Present means value > 0 and >= threshold.", {"type": "number"})
SPARSITY = [_query("min_pct", "Lowest prevalence kept.",
                   {"type": "number", "minimum": 0, "maximum": 100}),
            _query("max_pct", "Highest prevalence kept.",
                   {"type": "number", "minimum": 0, "maximum": 100})]


def _quality() -> dict:
    return {"get": {"summary": "The quality checks of a build (docs/statistics.md, build quality).",
                    "parameters": IDENTITY + [_query("build", "Build id or 'current'.", ID)],
                    "responses": {"200": _json_response("Checks."), **READ_ERRORS}}}


def _compare() -> dict:
    return {"get": {"summary": "Two builds of an image source side by side.",
                    "parameters": IDENTITY + [
                        _query("build_a", "The older build (default: the one before build_b).",
                               ID),
                        _query("build_b", "The newer build (default: current).", ID),
                        THRESHOLD, *SPARSITY, METRICS_PARAM],
                    "responses": {"200": _json_response("Comparison."), **READ_ERRORS}}}


def _history() -> dict:
    return {"get": {"summary": "One feature across every build of an image source.",
                    "parameters": IDENTITY + [
                        {**_query("feature", "The feature's name.", NAME), "required": True},
                        THRESHOLD, METRICS_PARAM],
                    "responses": {"200": _json_response("History, oldest build first."),
                                  **READ_ERRORS}}}


def _metrics_deliveries() -> dict:
    return {"get": {"summary": "The metrics deliveries of an image source, newest first.",
                    "parameters": IDENTITY,
                    "responses": {"200": _json_response("Deliveries."), **READ_ERRORS}}}


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


RATINGS_BODY = {
    "type": "array", "minItems": 1,
    "items": {"type": "object", "required": ["image", "score"], "additionalProperties": False,
              "properties": {"image": IMAGE_NAME,
                             "score": {"type": "integer", "minimum": 1, "maximum": 10},
                             "rater": {"type": "string", "minLength": 1, "maxLength": 100},
                             "at": {"type": "string", "format": "date-time"}}},
    "description": "rater is required with a token; a signed-in person may leave it out.",
}
VOTES_BODY = {
    "type": "array", "minItems": 1,
    "items": {"type": "object", "required": ["winner", "others"], "additionalProperties": False,
              "properties": {"winner": IMAGE_NAME,
                             "others": {"type": "array", "items": IMAGE_NAME,
                                        "oneOf": [{"minItems": 1, "maxItems": 1},
                                                  {"minItems": 3, "maxItems": 3}]},
                             "rater": {"type": "string", "minLength": 1, "maxLength": 100},
                             "at": {"type": "string", "format": "date-time"}}},
}
def _ratings() -> dict:
    return {
        "put": {**WRITE, "summary": "Store people's scores 1–10 (history kept; the latest per "
                                    "rater counts; identical repeats are not stored again).",
                "parameters": IDENTITY + WRITE_HEADERS,
                "requestBody": {"required": True, "content": {
                    "application/json": {"schema": RATINGS_BODY},
                    "text/csv": {"schema": {"type": "string",
                                            "description": "image,score,rater[,at]"}}}},
                "responses": {"200": _json_response("received, stored, unchanged."), **ERRORS,
                              "404": _ref("responses/Error404")}},
    }


def _preferences() -> dict:
    return {
        "put": {**WRITE, "summary": "Store best-of-2 / best-of-4 picks.",
                "parameters": IDENTITY + WRITE_HEADERS,
                "requestBody": {"required": True, "content": {
                    "application/json": {"schema": VOTES_BODY}}},
                "responses": {"200": _json_response("received, stored, unchanged."), **ERRORS,
                              "404": _ref("responses/Error404")}},
    }


def _scores() -> dict:
    return {"get": {"summary": "Per image: mean score and t-interval, comparisons, wins, "
                               "Bradley–Terry strength and interval; raters, votes, agreement.",
                    "parameters": IDENTITY,
                    "responses": {"200": _json_response("Scores."), **READ_ERRORS}}}


def _similar() -> dict:
    return {"get": {"summary": "The k images closest (cosine of feature vectors) to one image.",
                    "parameters": IDENTITY + [
                        {**_query("image", "The image's name.", IMAGE_NAME), "required": True},
                        _query("k", "How many (default 12).",
                               {"type": "integer", "minimum": 1, "maximum": 1000}),
                        _query("build", "Build id or 'current'.", {"type": "string"})],
                    "responses": {"200": _json_response("Neighbours, most similar first."),
                                  **READ_ERRORS}}}


# A yes/no parameter as api/request.py flag_arg reads it: 1, 0, true, false, yes or no, in any
# letter case (Python's requests sends True as "True"); nothing else, not even empty.
FLAG = {"type": "string",
        "pattern": "^(?:0|1|[Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]|[Yy][Ee][Ss]|[Nn][Oo])$"}
LABEL_NAME = {"type": "string", "minLength": 1, "maxLength": 1000, "pattern": "^[^\\x00]+$"}
# A name to filter by (api/request.py text_arg): empty is the same as absent, no filter.
LABEL_FILTER = {"type": "string", "maxLength": 1000, "pattern": "^[^\\x00]*$"}
FIXES_BODY = {
    "type": "array", "minItems": 1,
    "description": '[{"image", "feature", "present": true/false, "note"?}]',
    "items": {"type": "object", "required": ["image", "feature", "present"],
              "additionalProperties": False,
              "properties": {"image": LABEL_NAME, "feature": LABEL_NAME,
                             "present": {"type": "boolean"},
                             "note": {"type": ["string", "null"], "maxLength": 2000,
                                      "pattern": "^[^\\x00]*$"}}},
}
THRESHOLDS_BODY = {
    "type": "object", "minProperties": 1, "propertyNames": LABEL_NAME,
    "description": "{feature: threshold or null}; null deletes the saved threshold.",
    "additionalProperties": {"type": ["number", "null"]},
}
LABEL_READ_ERRORS = {"400": _ref("responses/Error400"), "404": _ref("responses/Error404"),
                     "422": _ref("responses/Error422")}


def _fixes() -> dict:
    return {
        "put": {**WRITE, "summary": "Store label fixes against the current build (who: the "
                                    "token's name).",
                "parameters": IDENTITY + WRITE_HEADERS,
                "requestBody": {"required": True, "content": {
                    "application/json": {"schema": FIXES_BODY}}},
                "responses": {"200": _json_response("Stored: received, stored, build."),
                              "404": _ref("responses/Error404"), **ERRORS}},
        "get": {"summary": "The history of fixes, newest first, with conflict marks.",
                "parameters": IDENTITY + [
                    _query("since", "Only fixes at or after this ISO 8601 date or time.",
                           {"type": "string"}),
                    _query("format", "json (default) or csv.",
                           {"type": "string", "enum": ["json", "csv"]}),
                    _query("feature", "Only this feature (empty or absent: every one).", LABEL_FILTER),
                    _query("person", "Only this person or token (empty or absent: everyone).", LABEL_FILTER),
                    _query("disagree", "1: only fixes that disagree with the model's value.",
                           FLAG),
                    _query("threshold", "The model's threshold for disagree (a saved one wins).",
                           {"type": "number"}),
                    _query("conflicts", "include (default), exclude or only contested pairs.",
                           {"type": "string", "enum": ["include", "exclude", "only"]}),
                    _query("latest", "1: only the latest fix per image and feature.", FLAG),
                    _query("limit", "At most this many fixes.",
                           {"type": "integer", "minimum": 1, "maximum": 10_000_000})],
                "responses": {"200": {"description": "Fixes.", "content": {
                    "application/json": {"schema": {"type": "object"}},
                    "text/csv": {"schema": {"type": "string"}}}}, **LABEL_READ_ERRORS}},
    }


def _thresholds() -> dict:
    return {
        "get": {"summary": "The threshold advisor for one feature; without feature, the "
                           "features with fixes and the saved thresholds.",
                "parameters": IDENTITY + [
                    _query("feature", "The feature (empty or absent: the overview).", LABEL_FILTER),
                    _query("target_precision", "Precision the suggestion must reach (0.9).",
                           {"type": "number", "minimum": 0, "maximum": 1}),
                    _query("build", "Build id or 'current'.", {"type": "string"})],
                "responses": {"200": _json_response("Points and suggestion."),
                              **LABEL_READ_ERRORS}},
        "put": {**WRITE, "summary": "Save per-feature thresholds of the image source.",
                "parameters": IDENTITY + WRITE_HEADERS,
                "requestBody": {"required": True, "content": {
                    "application/json": {"schema": THRESHOLDS_BODY}}},
                "responses": {"200": _json_response("Saved, deleted, the saved thresholds."),
                              "404": _ref("responses/Error404"), **ERRORS}},
    }


def _images() -> dict:
    return {"get": {"summary": "Every image of a build: names and CTRs, in the build's order.",
                    "parameters": IDENTITY + [
                        _query("build", "Build id or 'current'.", {"type": "string"}),
                        _query("metrics", "Metrics delivery id (CTRs as of it) or 'latest'.",
                               {"type": "string"}),
                        _query("key", "The table's key from an earlier answer: when it is "
                                      "still current the answer may be cached for good.",
                               {"type": "string"}),
                        _query("ctr", "The CTRs' precision: f8 (float64, exact; the default) "
                                      "or f4 (float32, half the bytes).",
                               {"type": "string", "enum": ["f8", "f4"]})],
                    "responses": {"200": _json_response("Image names and CTRs."),
                                  "304": {"description": "Not modified (If-None-Match)."},
                                  **READ_ERRORS}}}


def _datasets() -> dict:
    return {"get": {"summary": "Every business, its image sources and builds (READ_ACCESS="
                               "granted: those the token may read).",
                    "responses": {"200": _json_response("Datasets."),
                                  "401": _ref("responses/Error401")}}}


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
                              **{k: ERRORS[k] for k in ("400", "401", "403", "422", "429")}}},
    }


def _health() -> dict:
    return {"get": {"summary": "Liveness: 200 when the database answers reads.",
                    "responses": {"200": _json_response("Healthy."),
                                  "503": _ref("responses/Error503")}}}


def _ready() -> dict:
    return {"get": {"summary": "Readiness (for a load balancer): 200 when the database answers "
                               "and accepts writes; 503 with the reason otherwise.",
                    "responses": {"200": _json_response("Ready: writes work."),
                                  "503": _ref("responses/Error503")}}}


def _openapi() -> dict:
    return {"get": {"summary": "This document.",
                    "responses": {"200": _json_response("OpenAPI 3 document.")}}}


# Every route of the API, by path; a new route adds its describing function here.
PATHS = {
    "/features": _features,
    "/metrics": _metrics,
    "/image-source": _image_source,
    "/fixes": _fixes,
    "/thresholds": _thresholds,
    "/ratings": _ratings,
    "/preferences": _preferences,
    "/scores": _scores,
    "/similar": _similar,
    "/images": _images,
    "/datasets": _datasets,
    "/quality": _quality,
    "/compare": _compare,
    "/history": _history,
    "/metrics-deliveries": _metrics_deliveries,
    "/audit": _audit,
    "/health": _health,
    "/ready": _ready,
    "/openapi.json": _openapi,
}

_ERROR_TEXTS = ((400, "Bad request (malformed JSON, a body that is not UTF-8 or not whole gzip, "
                      "a body shorter than its Content-Length, missing or conflicting identity, "
                      "...)."),
                (401, "Missing, unknown or revoked token; bad, stale or legacy signature."),
                (403, "The token may not write (or, READ_ACCESS=granted, read) this business "
                      "(the same answer whether or not it exists); a write naming a host not "
                      "in ALLOWED_HOSTS."),
                (404, "No such dataset, build or route."),
                (413, "Body (or decompressed body) over the limit."),
                (415, "Unsupported Content-Type, charset or Content-Encoding."),
                (422, "Valid JSON of the wrong shape, a repeated key, a NUL; Idempotency-Key "
                      "reuse; a build refused by REJECT_ON_ALARM."),
                (429, "Rate limit, or too many wrong tokens from this address; see "
                      "Retry-After."),
                (503, "The database does not answer, or does not accept writes (read-only, "
                      "disk full): retry later."))


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
