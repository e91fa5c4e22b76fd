"""What an API request says, read and checked: which dataset, who the body is, its type and
size, its idempotency key and build label, and the query parameters.

Each function reads Flask's current request and either returns plain values or raises an
error that tells the client what to fix (ApiError, or a domain error the edge translates); none
of them writes anything.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import time

from flask import request
from werkzeug.exceptions import HTTPException

from api.errors import ApiError
from config import Settings
from data.domain.errors import DomainError, InvalidPayload, MalformedBody, MissingDataset
from data.domain.filters import CURRENT, LATEST, MAX_ID
from data.domain.names import NUL_PROBLEM, check_dataset_names
from data.payloads.charset import SUPPORTED_NAMES, codec_of
from data.payloads.gzip_body import gunzip, too_large
from data.people.signatures import SIGNATURE_HEADER, SignedRequest, verify
from data.storage.store import Idempotency, request_hash

log = logging.getLogger(__name__)

BUSINESS_HEADERS = ("Business", "X-Business")
SOURCE_HEADERS = ("Image-Source", "X-Image-Source")
JSON_TYPES = ("application/json",)
CSV_TYPES = ("text/csv",)
PARQUET_TYPES = ("application/vnd.apache.parquet",)  # docs/ingest-formats.md
NDJSON_TYPES = ("application/x-ndjson",)


def header_text(name: str) -> str | None:
    """A header's value as text. HTTP headers are Latin-1 on the wire; senders that put UTF-8
    bytes there (curl, Jenkins) get their unicode back."""
    value = request.headers.get(name)
    if value is None:
        return None
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def identity() -> tuple[str, str]:
    """(business, image source) from headers or query parameters; 400 naming what is missing,
    or what says two different things."""
    business = _one_name("business", BUSINESS_HEADERS, "business")
    source = _one_name("image source", SOURCE_HEADERS, "image_source")
    missing = []
    if not business or not business.strip():
        missing.append("business: send the `Business` (or `X-Business`) header, or the "
                       "`business` query parameter")
    if not source or not source.strip():
        missing.append("image source: send the `Image-Source` (or `X-Image-Source`) header, or "
                       "the `image_source` query parameter (a header named `image source`, with a "
                       "space, is not valid HTTP and is dropped)")
    if missing:
        raise MissingDataset("missing_identity", "Say which dataset this is: " +
                           "; ".join(missing) + ".", missing)
    return check_dataset_names(business, source)


def _one_name(label: str, headers: tuple[str, ...], parameter: str) -> str | None:
    """The one value the request gives for a name, from any of its headers and its query
    parameter; None when none does. Two different values are a 400, not a silent choice."""
    given = [(h, v) for h in headers if (v := header_text(h))]
    given += [(f"?{parameter}=", v) for v in request.args.getlist(parameter) if v]
    if len({v for _, v in given}) > 1:
        raise MissingDataset("conflicting_identity",
                             f"The request names more than one {label}: "
                             + ", ".join(f"{w} {v!r}" for w, v in given)
                             + ". Send it once.", [{"where": w, "value": v} for w, v in given])
    return given[0][1] if given else None


def storable(label: str, value: str, code: str) -> str:
    """`value`, checked to be storable text on every backend: 422 naming it when it holds NUL."""
    if "\x00" in value:
        raise InvalidPayload(code, f"{label} {NUL_PROBLEM}.")
    return value


def is_loopback(addr: str | None) -> bool:
    try:
        return addr is not None and ipaddress.ip_address(addr).is_loopback
    except ValueError:
        return False


def media_type() -> str:
    return (request.mimetype or "").lower()


def declared_codec() -> str:
    """The codec the Content-Type's charset parameter names (utf-8 when none); 415 naming the
    supported ones otherwise."""
    charset = request.mimetype_params.get("charset")
    codec = codec_of(charset)
    if codec is None:
        raise ApiError(415, "unsupported_charset",
                       f"charset={charset} is not supported; send UTF-8, or declare one of: "
                       f"{', '.join(SUPPORTED_NAMES)}.",
                       [{"charset": charset, "supported": list(SUPPORTED_NAMES)}])
    return codec


def require_type(allowed: tuple[str, ...], example: str) -> str:
    mt = media_type()
    if mt not in allowed and not (mt.startswith("application/") and mt.endswith("+json")
                                  and "application/json" in allowed):
        raise ApiError(415, "unsupported_media_type",
                           f"Content-Type {mt or '(none)'} is not accepted here; send {example}.",
                           [{"content_type": mt or None, "accepted": list(allowed)}])
    return mt


def read_body(settings: Settings, limit: int | None = None) -> bytes:
    """The request body (MAX_INGEST_BYTES unless `limit`), whole: signature-checked, gunzipped
    when Content-Encoding says so. 413 past the size limit, before or after gunzip; 400 when
    fewer bytes arrive than Content-Length announced, or the gzip stream is not whole."""
    limit = settings.max_ingest_bytes if limit is None else limit
    announced = request.content_length
    if announced is not None and announced > limit:
        raise too_large(limit)
    raw = _read_stream(limit)
    if announced is not None and len(raw) < announced:
        # gunicorn hands the app what arrived before the client stopped sending
        raise MalformedBody("incomplete_body",
                            f"The body ended after {len(raw):,} of the {announced:,} bytes its "
                            "Content-Length announced (the upload was cut off). Nothing was "
                            "stored; send it again.",
                            [{"received_bytes": len(raw), "content_length": announced}])
    _check_signature(settings, raw)
    # Blanks around it are HTTP's optional whitespace; an empty header means no encoding.
    encoding = (request.headers.get("Content-Encoding") or "identity").strip(" \t").lower()
    if encoding in ("", "identity"):
        return raw
    if encoding not in ("gzip", "x-gzip"):
        raise ApiError(415, "unsupported_encoding",
                           f"Content-Encoding {encoding!r} is not supported; send gzip or none.")
    return gunzip(raw, limit)


def _read_stream(limit: int) -> bytes:
    # Read in pieces: a chunked body has no length, and one read(limit) would allocate the
    # whole limit up front on some servers.
    pieces, size = [], 0
    try:
        while piece := request.stream.read(min(1 << 20, limit + 1 - size)):
            pieces.append(piece)
            size += len(piece)
            if size > limit:
                raise too_large(limit)
    except (HTTPException, DomainError):
        raise
    except Exception as exc:  # the server's reader: a chunked body that stops, a reset
        log.info("Request body unreadable after %d bytes: %r", size, exc)
        raise MalformedBody("incomplete_body",
                            f"The body could not be read to its end ({type(exc).__name__} after "
                            f"{size:,} bytes). Nothing was stored; send it again.",
                            [{"received_bytes": size}]) from None
    return b"".join(pieces)


def api_path(settings: Settings) -> str:
    """The request's path without URL_PREFIX, e.g. /api/v1/features (what a signature covers)."""
    path = request.path
    prefix = settings.url_prefix
    return "/" + path[len(prefix):] if path.startswith(prefix) else path


def _check_signature(settings: Settings, raw: bytes) -> None:
    header = request.headers.get(SIGNATURE_HEADER)
    if not settings.require_signature and not (header or "").strip():
        return
    business, source = identity()
    signed = SignedRequest(request.method, api_path(settings), business, source,
                           build_label())
    verify(settings.signing_secret, header, signed, raw, required=settings.require_signature,
           legacy_allowed=settings.signature_legacy, now=time.time())


def idempotency(route: str, business: str, source: str, body: bytes, label: str | None):
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > 200:
        raise InvalidPayload("bad_idempotency_key",
                           "Idempotency-Key must be 1 to 200 characters.")
    storable("Idempotency-Key", key, "bad_idempotency_key")
    charset = (request.mimetype_params.get("charset") or "").lower()  # same bytes, other text
    return Idempotency(key, route, request_hash(route, business, source, label or "",
                                                media_type(), charset, body))


def build_label() -> str | None:
    label = header_text("Build-Id")
    if label is not None:
        label = label.strip()
        if len(label) > 200:
            raise InvalidPayload("bad_build_id", "Build-Id must be at most 200 characters.")
        storable("Build-Id", label, "bad_build_id")
    return label or None


def float_arg(name: str, default: float, lo: float = -math.inf, hi: float = math.inf) -> float:
    """A finite number query parameter in [lo, hi]; `default` when absent, 400 otherwise."""
    return _number_arg(name, default, float, "a finite number", lo, hi)


def int_arg(name: str, default: int | None, lo: int, hi: int) -> int | None:
    """A whole-number query parameter in [lo, hi]; `default` when absent, 400 otherwise."""
    return _number_arg(name, default, int, "a whole number", lo, hi)


def single_arg(name: str) -> str | None:
    """A query parameter given at most once (None when absent); 400 when it is repeated."""
    values = request.args.getlist(name)
    if len(values) > 1:
        raise ApiError(400, "bad_parameter", f"{name} is given {len(values)} times "
                       f"({', '.join(map(repr, values))}); give it once.")
    return values[0] if values else None


def _number_arg(name: str, default, convert, what: str, lo: float, hi: float):
    raw = single_arg(name)
    if raw is None:
        return default
    try:
        value = convert(raw)
    except ValueError:
        raise ApiError(400, "bad_parameter", f"{name} must be {what}, got {raw!r}.") from None
    if not (math.isfinite(value) and lo <= value <= hi):
        raise ApiError(400, "bad_parameter",
                           f"{name} must be {what} between {lo} and {hi}, got {raw!r}.")
    return value


def flag_arg(name: str) -> bool:
    """A yes/no query parameter: 1/true/yes or 0/false/no in any letter case (absent: no);
    400 otherwise, empty included (api/openapi.py FLAG says the same)."""
    raw = single_arg(name)
    if raw is None:
        return False
    word = raw.lower() if raw.isascii() else raw
    if word in ("0", "false", "no"):
        return False
    if word in ("1", "true", "yes"):
        return True
    raise ApiError(400, "bad_parameter", f"{name} must be 1 or 0 (or true / false), got {raw!r}.")


def choice_arg(name: str, choices, default: str) -> str:
    """A query parameter that must be one of `choices`, exactly (absent: `default`); 400
    otherwise, and when it is given twice."""
    raw = single_arg(name)
    if raw is None:
        return default
    if raw not in choices:
        raise ApiError(400, "bad_parameter",
                       f"{name} must be one of {', '.join(choices)}, got {raw!r}.")
    return raw


def build_arg(name: str = "build") -> int | None:
    """The `build` query parameter (or another id parameter `name`: build_a, metrics...): an
    id, or None for the current one (absent, empty or 'current'; for metrics also 'latest')."""
    build = single_arg(name)
    build_id = None
    words = (CURRENT, LATEST) if name == "metrics" else (CURRENT,)  # a build is never "latest"
    if build not in (None, "") and build not in words:
        try:
            build_id = int(build)
        except ValueError:
            raise ApiError(400, "bad_parameter",
                           f"{name} must be an id (a whole number) or "
                           f"{' / '.join(map(repr, words))}, got {build!r}.") from None
    if build_id is not None and not 1 <= build_id <= MAX_ID:
        raise ApiError(400, "bad_parameter",
                           f"{name} must be an id between 1 and {MAX_ID}, got {build!r}.")
    return build_id


def text_arg(name: str) -> str | None:
    """A free-text query parameter (a feature or person name), None when absent or empty."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    if "\x00" in raw or len(raw) > 1000:
        raise ApiError(400, "bad_parameter", f"{name} is over 1000 characters or contains NUL.")
    return raw


def metrics_arg() -> int | None:
    """The `metrics` query parameter: a metrics delivery id, or None for the latest (absent,
    empty, 'current' or 'latest')."""
    return build_arg("metrics")
