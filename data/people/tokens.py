"""Who may write: bearer tokens (here) and the optional request signature (signatures.py).

Two kinds of token are accepted:
- INGEST_TOKENS from the environment: valid for every business (the operator's own);
- tokens created with `python cli.py token create --name N --business B`: valid for business B
  only. The database stores the sha256 of the token, never the token, and revoking keeps the
  row (revoked_at) so the audit trail's names stay meaningful.
A token is 32 random bytes, so its sha256 cannot be reversed or guessed; looking it up by hash
leaks nothing useful through timing. Wrong tokens are limited per client address
(AUTH_FAILURES_PER_MINUTE, api/access.py), so guessing is slow as well as hopeless.

A server with INGEST_SIGNING_SECRET also checks `X-Signature-256: t=<unix>,v1=<hex>`, an
HMAC-SHA256 of the time, method, path, business, image source, Build-Id and body (signatures.py),
which Jenkins computes in a `sh` step:

    T=$(date +%s)
    SIG=$({ printf '%s\\n' "$T" PUT /api/v1/features "$BUSINESS" "$IMAGE_SOURCE" "$BUILD_NUMBER";
            cat out/features.json; } | openssl dgst -sha256 -hmac "$SECRET" -r | cut -d' ' -f1)
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import Engine, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from data.domain.clock import iso, utcnow
from data.domain.errors import NotAllowed, NotAuthenticated
from data.storage.db import writer
from data.storage.models import IngestToken

TOKEN_PREFIX = "imd_"


@dataclass(frozen=True)
class Principal:
    """The sender of a write. `business` None means every business (environment tokens and
    loopback writes on a server without tokens)."""

    name: str
    business: str | None
    rate_limited: bool = True

    def may_write(self, business: str) -> bool:
        return self.business is None or self.business == business


def token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(engine: Engine, name: str, business: str) -> str:
    """Store a new token for `business` under `name` and return it (the only time it is seen).
    ValueError when the name is taken or empty."""
    name, business = name.strip(), business.strip()
    if not name or not business:
        raise ValueError("a token needs a non-empty name and business")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    try:
        with Session(writer(engine)) as s, s.begin():
            s.add(IngestToken(name=name, business=business, token_sha256=token_sha256(token),
                              created_at=utcnow()))
    except IntegrityError:
        raise ValueError(f"a token named {name!r} already exists; pick another name "
                         "(revoked names stay taken, so the audit trail stays unambiguous)") from None
    return token


def list_tokens(engine: Engine) -> list[dict]:
    """Every token's name, business and dates (never the token or its hash), oldest first."""
    with Session(engine) as s:
        return [{"name": t.name, "business": t.business, "created_at": iso(t.created_at),
                 "revoked_at": iso(t.revoked_at)}
                for t in s.scalars(select(IngestToken).order_by(IngestToken.id))]


def revoke_token(engine: Engine, name: str) -> bool:
    """Revoke the token called `name` at once. False when there is no such active token."""
    with Session(writer(engine)) as s, s.begin():
        return s.execute(update(IngestToken)
                         .where(IngestToken.name == name, IngestToken.revoked_at.is_(None))
                         .values(revoked_at=utcnow())).rowcount > 0


def has_stored_tokens(engine: Engine) -> bool:
    with Session(engine) as s:
        return s.scalar(select(func.count()).select_from(IngestToken)) > 0


def authenticate(engine: Engine, env_tokens: tuple[str, ...], authorization: str | None) -> Principal:
    """The principal behind an `Authorization: Bearer <token>` header; NotAuthenticated when it
    is missing, unknown or revoked."""
    scheme, _, given = (authorization or "").partition(" ")
    given = given.strip()
    if scheme.lower() != "bearer" or not given:
        raise NotAuthenticated("missing_token",
                           "Send `Authorization: Bearer <token>` with a token from INGEST_TOKENS "
                           "or from `python cli.py token create`.")
    given_b = given.encode()
    # Every environment token is compared, always, each in constant time.
    match = 0
    for i, token in enumerate(env_tokens, start=1):
        if hmac.compare_digest(given_b, token.encode()):
            match = i
    if match:
        return Principal(f"INGEST_TOKENS#{match}", None)
    digest = token_sha256(given)
    with Session(engine) as s:
        row = s.scalars(select(IngestToken).where(IngestToken.token_sha256 == digest)).first()
    if row is None or not hmac.compare_digest(row.token_sha256, digest):
        raise NotAuthenticated("invalid_token", "The bearer token is not accepted by this server.")
    if row.revoked_at is not None:
        raise NotAuthenticated("revoked_token",
                           f"The token {row.name!r} was revoked; ask the operator for a new one.")
    return Principal(row.name, row.business)


def require_business(principal: Principal, business: str) -> None:
    """NotAllowed unless `principal` may write `business`."""
    if not principal.may_write(business):
        raise NotAllowed("wrong_business",
                           f"The token {principal.name!r} writes business {principal.business!r} "
                           f"only, not {business!r}. Use that business's token.")
