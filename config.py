"""Configuration, read from the environment in one place (README: Configuration)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent
DEFAULT_DATABASE_URL = f"sqlite:///{ROOT / 'instance' / 'dashboard.sqlite3'}"
API_PREFIX = "api/v1"  # the API's path under URL_PREFIX
DEFAULT_LIVE_POLL_MS = 3000


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() not in ("0", "false", "no", "off")


def _prefix(value: str | None) -> str:
    """Normalise URL_PREFIX to '/' or '/a/b/' (leading and trailing slash)."""
    value = (value or "/").strip()
    parts = [p for p in value.split("/") if p]
    return "/" + "".join(p + "/" for p in parts)


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    ingest_tokens: tuple[str, ...] = field(default=(), repr=False)  # never printed
    host: str = "127.0.0.1"
    port: int = 8050
    load_demo: bool = True
    url_prefix: str = "/"
    frame_ancestors: str = "'self'"
    max_ingest_bytes: int = 1024 * 1024 * 1024  # features/metrics bodies, after gunzip
    debug: bool = False
    live_poll_ms: int = DEFAULT_LIVE_POLL_MS
    max_body_bytes: int = 64 * 1024  # every other request body (e.g. PUT image-source)
    signing_secret: str | None = field(default=None, repr=False)  # HMAC key of X-Signature-256
    require_signature: bool = False
    rate_limit_per_minute: float = 60.0  # writes per token per worker; 0 turns the limit off
    rate_limit_burst: int = 30

    @classmethod
    def from_env(cls, env: os._Environ | dict | None = None) -> "Settings":
        env = os.environ if env is None else env
        tokens = tuple(t.strip() for t in env.get("INGEST_TOKENS", "").split(",") if t.strip())
        return cls(
            database_url=env.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
            ingest_tokens=tokens,
            host=env.get("HOST") or "127.0.0.1",
            port=int(env.get("PORT") or 8050),
            load_demo=_flag(env.get("LOAD_DEMO"), True),
            url_prefix=_prefix(env.get("URL_PREFIX")),
            frame_ancestors=(env.get("FRAME_ANCESTORS") or "'self'").strip(),
            max_ingest_bytes=int(env.get("MAX_INGEST_BYTES") or 1024 * 1024 * 1024),
            debug=_flag(env.get("DASH_DEBUG"), False),
            live_poll_ms=int(env.get("LIVE_POLL_MS") or DEFAULT_LIVE_POLL_MS),
            max_body_bytes=int(env.get("MAX_BODY_BYTES") or 64 * 1024),
            signing_secret=env.get("INGEST_SIGNING_SECRET") or None,
            require_signature=_flag(env.get("REQUIRE_SIGNATURE"), False),
            rate_limit_per_minute=float(env.get("RATE_LIMIT_PER_MINUTE") or 60),
            rate_limit_burst=int(env.get("RATE_LIMIT_BURST") or 30),
        )
