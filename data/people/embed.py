"""Signed embed links: a JWT (HS256, EMBED_SECRET) that shows one dataset with fixed filters.

Claims: `business`, `image_source`, `exp` (required), and optionally locked filters
`threshold`, `min_pct`, `max_pct`. A portal's server signs them (or `python cli.py embed-url`);
the page at `/?embed=<token>` shows that dataset only (docs/people.md "Signed embedding").
Pure: no HTTP, no database.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import jwt

from data.domain.errors import EmbedRefused

ALGORITHM = "HS256"
LOCKABLE = ("threshold", "min_pct", "max_pct")  # filters a token may fix
CLOCK_SKEW_SECONDS = 10  # leeway for `exp` between the signer's clock and ours


@dataclass(frozen=True)
class EmbedView:
    """What a valid embed token shows: one image source, with `locks` (filter -> value) fixed."""

    business: str
    image_source: str
    expires_at: int  # unix seconds
    locks: dict = field(default_factory=dict)


def sign_embed(secret: str, business: str, image_source: str, minutes: float,
               locks: dict | None = None, now: float | None = None) -> str:
    """A token for `business` / `image_source` valid for `minutes`, fixing `locks`."""
    if not minutes > 0:
        raise ValueError("an embed link must be valid for more than 0 minutes")
    locks = {k: v for k, v in (locks or {}).items() if v is not None}
    unknown = set(locks) - set(LOCKABLE)
    if unknown:
        raise ValueError(f"only {', '.join(LOCKABLE)} can be locked, not {sorted(unknown)}")
    issued = int(time.time() if now is None else now)
    claims = {"business": business, "image_source": image_source, "iat": issued,
              "exp": issued + int(math.ceil(minutes * 60)), **locks}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def verify_embed(secret: str | None, token: str) -> EmbedView:
    """The view `token` grants; EmbedRefused (saying why, in words a viewer can act on) when
    signed embedding is off, the token is forged or malformed, or it has expired."""
    if not secret:
        raise EmbedRefused("embedding_disabled",
                           "This server does not accept signed embed links (its operator has "
                           "not set EMBED_SECRET).")
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM], leeway=CLOCK_SKEW_SECONDS,
                            options={"require": ["exp", "business", "image_source"]})
    except jwt.ExpiredSignatureError:
        raise EmbedRefused("embed_expired", "This embedded view's link has expired. Reload "
                                            "the page that shows it to get a fresh one.") from None
    except jwt.InvalidTokenError:
        raise EmbedRefused("embed_invalid", "This embedded view's link is not valid (it was "
                                            "changed, or signed with another key).") from None
    business, source = claims.get("business"), claims.get("image_source")
    locks = {k: claims[k] for k in LOCKABLE if k in claims}
    if not (isinstance(business, str) and business and isinstance(source, str) and source) \
            or not all(_finite(v) for v in locks.values()):
        raise EmbedRefused("embed_invalid", "This embedded view's link is not valid (its "
                                            "dataset or filters are malformed).")
    return EmbedView(business, source, int(claims["exp"]), {k: float(v) for k, v in locks.items()})


def _finite(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
