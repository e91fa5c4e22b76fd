"""Request signatures (X-Signature-256): an HMAC-SHA256, with the shared INGEST_SIGNING_SECRET,
of a canonical string that binds the body to the request it came with.

    X-Signature-256: t=<unix seconds>,v1=<hex HMAC-SHA256 of the canonical string>

The canonical string is six lines and then the body bytes exactly as sent (after gzip, if
gzipped):

    <t>\\n<METHOD>\\n<path>\\n<business>\\n<image source>\\n<Build-Id or empty>\\n<body>

where path is the API path without URL_PREFIX or query (e.g. /api/v1/features), and the names
are UTF-8. So a captured body and signature cannot be replayed with another Build-Id, image
source, business or route, nor more than TOLERANCE_SECONDS away from t (either way: a
signature from the future is refused too). With bash and openssl (README, "Signed requests"):

    T=$(date +%s)
    SIG=$({ printf '%s\\n' "$T" PUT /api/v1/features "$BUSINESS" "$IMAGE_SOURCE" "$BUILD_ID";
            cat out/features.json; } | openssl dgst -sha256 -hmac "$SECRET" -r | cut -d' ' -f1)
    curl ... -H "X-Signature-256: t=$T,v1=$SIG"

The older form `sha256=<hex HMAC of the body alone>` binds nothing but the body; it is accepted
only when the operator allows it (SIGNATURE_LEGACY=1) while senders move to the new form.

Pure: no HTTP, no clock (the caller passes `now`).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from data.domain.errors import NotAuthenticated

SIGNATURE_HEADER = "X-Signature-256"
TOLERANCE_SECONDS = 300
LEGACY_PREFIX = "sha256="
_FORM = f"{SIGNATURE_HEADER}: t=<unix seconds>,v1=<hex HMAC-SHA256>"


@dataclass(frozen=True)
class SignedRequest:
    """What a signature covers besides the body."""

    method: str
    path: str
    business: str
    image_source: str
    build_id: str | None = None

    def head(self, timestamp: int) -> bytes:
        """The canonical string's lines before the body (each ends with a newline)."""
        lines = (str(timestamp), self.method.upper(), self.path, self.business,
                 self.image_source, self.build_id or "")
        return "".join(line + "\n" for line in lines).encode("utf-8")


def canonical_string(timestamp: int, request: SignedRequest, body: bytes) -> bytes:
    """The bytes a signature is the HMAC of (see the module docstring)."""
    return request.head(timestamp) + body


def sign(secret: str, timestamp: int, request: SignedRequest, body: bytes) -> str:
    """The X-Signature-256 value for `request` with `body`, signed at `timestamp`."""
    return f"t={timestamp},v1={_hmac(secret, timestamp, request, body)}"


def legacy_signature(secret: str, body: bytes) -> str:
    """The old body-only value: 'sha256=' + hex HMAC-SHA256 of `body`."""
    return LEGACY_PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _hmac(secret: str, timestamp: int, request: SignedRequest, body: bytes) -> str:
    mac = hmac.new(secret.encode(), request.head(timestamp), hashlib.sha256)
    mac.update(body)  # no copy of a large body into one canonical string
    return mac.hexdigest()


def verify(secret: str | None, header: str | None, request: SignedRequest, body: bytes, *,
           required: bool, legacy_allowed: bool, now: float) -> None:
    """NotAuthenticated unless the signature in `header` is valid for `request` and `body` at
    time `now`. A signature that is sent must verify; `required` makes one mandatory."""
    header = (header or "").strip()
    if not header:
        if required:
            raise NotAuthenticated("missing_signature", f"This server requires {_FORM} "
                                   "(README, \"Signed requests\", shows how to compute it).")
        return
    if not secret:
        raise NotAuthenticated("signature_not_configured",
                               f"{SIGNATURE_HEADER} was sent but this server has no signing "
                               "secret (INGEST_SIGNING_SECRET) to check it with; stop sending it "
                               "or ask the operator to configure the secret.")
    if header.lower().startswith(LEGACY_PREFIX):
        _verify_legacy(secret, header, body, legacy_allowed)
        return
    timestamp, given = _parse(header)
    if abs(now - timestamp) > TOLERANCE_SECONDS:
        raise NotAuthenticated(
            "stale_signature",
            f"The signature's time t={timestamp} is {abs(now - timestamp):,.0f} s "
            f"{'behind' if timestamp < now else 'ahead of'} the server's clock; it must be within "
            f"{TOLERANCE_SECONDS} s. Sign each request when it is sent, and keep the sender's "
            "clock right (NTP).", [{"t": timestamp, "server_time": int(now)}])
    fields = (request.business, request.image_source, request.build_id or "")
    if any("\n" in f or "\r" in f for f in fields):
        raise NotAuthenticated("unsignable_request",
                               "A signed request's business, image source and Build-Id cannot "
                               "contain line breaks (the signed string separates them by lines).")
    expected = _hmac(secret, timestamp, request, body).encode()
    if not any(hmac.compare_digest(expected, v.encode()) for v in given):
        raise NotAuthenticated(
            "bad_signature",
            f"{SIGNATURE_HEADER} does not match this request. Sign the lines t, method, path "
            f"({request.path}), business, image source and Build-Id (empty when not sent), each "
            "followed by a newline, then the body bytes exactly as sent, with HMAC-SHA256 and the "
            "shared secret.")


def _parse(header: str) -> tuple[int, list[str]]:
    """(t, the v1 values) of a `t=...,v1=...` header; NotAuthenticated when it is not one."""
    timestamp, given = None, []
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        key, value = key.strip().lower(), value.strip().lower()
        if key == "t" and value.isascii() and value.isdigit() and len(value) <= 12:
            timestamp = int(value)
        elif key == "v1" and value:
            given.append(value)
    if timestamp is None or not given:
        raise NotAuthenticated("bad_signature", f"{SIGNATURE_HEADER} must be of the form "
                               "t=<unix seconds>,v1=<hex HMAC-SHA256> (README, \"Signed "
                               "requests\").")
    return timestamp, given


def _verify_legacy(secret: str, header: str, body: bytes, legacy_allowed: bool) -> None:
    if not legacy_allowed:
        raise NotAuthenticated(
            "legacy_signature",
            f"The body-only signature form {LEGACY_PREFIX}<hex> is not accepted: it can be "
            f"replayed with another Build-Id or image source. Send {_FORM} over the canonical "
            "string (README, \"Signed requests\"); the operator can accept the old form for a "
            "while with SIGNATURE_LEGACY=1.")
    if not hmac.compare_digest(header.lower().encode(), legacy_signature(secret, body).encode()):
        raise NotAuthenticated("bad_signature",
                               f"{SIGNATURE_HEADER} does not match the body. Sign the exact bytes "
                               "sent (after gzip, if gzipped) with HMAC-SHA256 and the shared "
                               "secret.")
