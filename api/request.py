"""What an API request says, read and checked: which dataset, who the body is, its type and
size, its idempotency key and build label, and the query parameters.

Each function reads Flask's current request and either returns plain values or raises an
error that tells the client what to fix (ApiError, or a domain error the edge translates); none
of them writes anything.
"""

from __future__ import annotations

import ipaddress
import math
import zlib

from flask import request

from api.errors import ApiError
from config import Settings
from data.domain.errors import InvalidPayload, MalformedBody, MissingDataset
from data.domain.filters import CURRENT, MAX_ID
from data.domain.names import check_dataset_names
from data.people.tokens import SIGNATURE_HEADER, verify_signature
from data.storage.store import Idempotency, request_hash

BUSINESS_HEADERS = ("Business", "X-Business")
SOURCE_HEADERS = ("Image-Source", "X-Image-Source")
JSON_TYPES = ("application/json",)
CSV_TYPES = ("text/csv",)


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
    """(business, image source) from headers or query parameters; 400 naming what is missing."""
    business = next((v for h in BUSINESS_HEADERS if (v := header_text(h))), None) \
        or request.args.get("business")
    source = next((v for h in SOURCE_HEADERS if (v := header_text(h))), None) \
        or request.args.get("image_source")
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


def is_loopback(addr: str | None) -> bool:
    try:
        return addr is not None and ipaddress.ip_address(addr).is_loopback
    except ValueError:
        return False


def media_type() -> str:
    return (request.mimetype or "").lower()


def require_type(allowed: tuple[str, ...], example: str) -> str:
    mt = media_type()
    if mt not in allowed and not (mt.startswith("application/") and mt.endswith("+json")
                                  and "application/json" in allowed):
        raise ApiError(415, "unsupported_media_type",
                           f"Content-Type {mt or '(none)'} is not accepted here; send {example}.",
                           [{"content_type": mt or None, "accepted": list(allowed)}])
    return mt


def read_body(settings: Settings, limit: int | None = None) -> bytes:
    """The request body (MAX_INGEST_BYTES unless `limit`), signature-checked, gunzipped when
    Content-Encoding says so; 413 past the size limit."""
    limit = settings.max_ingest_bytes if limit is None else limit
    if request.content_length is not None and request.content_length > limit:
        raise too_large(limit)
    # Read in pieces: a chunked body has no length, and one read(limit) would allocate the
    # whole limit up front on some servers.
    pieces, size = [], 0
    while piece := request.stream.read(min(1 << 20, limit + 1 - size)):
        pieces.append(piece)
        size += len(piece)
        if size > limit:
            raise too_large(limit)
    raw = b"".join(pieces)
    verify_signature(settings.signing_secret, settings.require_signature,
                     request.headers.get(SIGNATURE_HEADER), raw)
    encoding = (request.headers.get("Content-Encoding") or "identity").strip().lower()
    if encoding in ("", "identity"):
        return raw
    if encoding not in ("gzip", "x-gzip"):
        raise ApiError(415, "unsupported_encoding",
                           f"Content-Encoding {encoding!r} is not supported; send gzip or none.")
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(raw, limit + 1)
        if len(out) > limit or inflater.unconsumed_tail:
            raise too_large(limit, decompressed=True)
        out += inflater.flush()
    except zlib.error as exc:
        raise MalformedBody("bad_gzip", f"The gzip body cannot be decompressed: {exc}.") from None
    if len(out) > limit:
        raise too_large(limit, decompressed=True)
    return out


def too_large(limit: int, decompressed: bool = False) -> ApiError:
    what = "decompressed body" if decompressed else "body"
    return ApiError(413, "body_too_large",
                        f"The {what} is over the {limit:,}-byte limit of this route (MAX_INGEST_BYTES "
                        "for features and metrics). Split the delivery or ask the operator to raise "
                        "the limit.")


def idempotency(route: str, business: str, source: str, body: bytes, label: str | None):
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > 200:
        raise InvalidPayload("bad_idempotency_key",
                           "Idempotency-Key must be 1 to 200 characters.")
    return Idempotency(key, route, request_hash(route, business, source, label or "",
                                                media_type(), body))


def build_label() -> str | None:
    label = header_text("Build-Id")
    if label is not None:
        label = label.strip()
        if len(label) > 200:
            raise InvalidPayload("bad_build_id", "Build-Id must be at most 200 characters.")
    return label or None


def float_arg(name: str, default: float, lo: float = -math.inf, hi: float = math.inf) -> float:
    """A finite number query parameter in [lo, hi]; `default` when absent, 400 otherwise."""
    return _number_arg(name, default, float, "a finite number", lo, hi)


def int_arg(name: str, default: int | None, lo: int, hi: int) -> int | None:
    """A whole-number query parameter in [lo, hi]; `default` when absent, 400 otherwise."""
    return _number_arg(name, default, int, "a whole number", lo, hi)


def _number_arg(name: str, default, convert, what: str, lo: float, hi: float):
    raw = request.args.get(name)
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


def build_arg() -> int | None:
    """The `build` query parameter: a build id, or None for the current build (absent, empty
    or 'current')."""
    build = request.args.get("build")
    build_id = None
    if build not in (None, "", CURRENT):
        try:
            build_id = int(build)
        except ValueError:
            raise ApiError(400, "bad_parameter",
                               f"build must be a build id (a whole number) or 'current', got {build!r}.") from None
    if build_id is not None and not 1 <= build_id <= MAX_ID:
        raise ApiError(400, "bad_parameter",
                           f"build must be a build id between 1 and {MAX_ID}, got {build!r}.")
    return build_id
