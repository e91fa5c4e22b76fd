"""Configuration, read from the environment in one place (README: Configuration)."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field, fields
from pathlib import Path

from data.payloads.features import PARALLEL_PARSE_BYTES
from data.stats.quality import QualityLimits
from data.stats.quality_gate import parse_limits, parse_reject

ROOT = Path(__file__).resolve().parent
DEFAULT_DATABASE_URL = f"sqlite:///{ROOT / 'instance' / 'dashboard.sqlite3'}"
API_PREFIX = "api/v1"  # the API's path under URL_PREFIX
DEFAULT_LIVE_POLL_MS = 3000


def _flag(value: str) -> bool:
    return value.strip().lower() not in ("0", "false", "no", "off")


def _prefix(value: str | None) -> str:
    """Normalise URL_PREFIX to '/' or '/a/b/' (leading and trailing slash)."""
    value = (value or "/").strip()
    parts = [p for p in value.split("/") if p]
    return "/" + "".join(p + "/" for p in parts)


def _tokens(value: str) -> tuple[str, ...]:
    return tuple(t.strip() for t in value.split(",") if t.strip())


def _text(value: str) -> str:
    return value.strip()


def _networks(value: str) -> tuple:
    """Addresses or CIDRs, comma-separated; a bad one stops the start with its name."""
    nets = []
    for part in (p.strip() for p in value.split(",")):
        if part:
            try:
                nets.append(ipaddress.ip_network(part, strict=False))
            except ValueError:
                raise ValueError(f"TRUSTED_PROXIES: {part!r} is not an IP address or CIDR "
                                 "range") from None
    return tuple(nets)


def _optional(value: str) -> str | None:
    return value or None


def _hosts(value: str) -> tuple[str, ...]:
    """ALLOWED_HOSTS: names (any port), name:port, .example.com (and its subdomains) or *."""
    return tuple(h.strip().lower() for h in value.split(",") if h.strip())


READ_ACCESS_MODES = ("open", "granted")


def _read_access(value: str) -> str:
    mode = value.strip().lower()
    if mode not in READ_ACCESS_MODES:
        raise ValueError(f"READ_ACCESS must be one of {', '.join(READ_ACCESS_MODES)}, "
                         f"not {value!r}")
    return mode


MIN_EMBED_SECRET = 32  # characters: an HS256 key much shorter than its hash can be guessed offline


def _embed_secret(value: str) -> str:
    secret = value.strip()
    if len(secret) < MIN_EMBED_SECRET:
        raise ValueError(f"EMBED_SECRET must be at least {MIN_EMBED_SECRET} characters (e.g. "
                         "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`)")
    return secret


def env(name: str, parse=str, **kwargs):
    """A Settings field read from the environment variable `name` with `parse` (an unset or
    empty variable keeps the default)."""
    return field(metadata={"env": name, "parse": parse}, **kwargs)


@dataclass(frozen=True)
class Settings:
    """Every setting, with the environment variable it comes from and its default."""

    database_url: str = env("DATABASE_URL", default=DEFAULT_DATABASE_URL)
    ingest_tokens: tuple[str, ...] = env("INGEST_TOKENS", _tokens, default=(), repr=False)
    host: str = env("HOST", default="127.0.0.1")
    port: int = env("PORT", int, default=8050)
    load_demo: bool = env("LOAD_DEMO", _flag, default=True)
    url_prefix: str = env("URL_PREFIX", _prefix, default="/")
    frame_ancestors: str = env("FRAME_ANCESTORS", _text, default="'self'")
    # features/metrics bodies, after gunzip
    max_ingest_bytes: int = env("MAX_INGEST_BYTES", int, default=1024 * 1024 * 1024)
    debug: bool = env("DASH_DEBUG", _flag, default=False)
    # compress responses for clients that ask (api/compression.py); 0 behind a proxy that does
    compress: bool = env("COMPRESS", _flag, default=True)
    live_poll_ms: int = env("LIVE_POLL_MS", int, default=DEFAULT_LIVE_POLL_MS)
    # every other request body (e.g. PUT image-source)
    max_body_bytes: int = env("MAX_BODY_BYTES", int, default=64 * 1024)
    # HMAC key of X-Signature-256, never printed
    signing_secret: str | None = env("INGEST_SIGNING_SECRET", _optional, default=None, repr=False)
    require_signature: bool = env("REQUIRE_SIGNATURE", _flag, default=False)
    # also accept the old body-only `sha256=<hex>` signature, which can be replayed with other
    # headers (data/people/signatures.py); only while senders move to t=...,v1=...
    signature_legacy: bool = env("SIGNATURE_LEGACY", _flag, default=False)
    # writes per token per worker; 0 turns the limit off
    rate_limit_per_minute: float = env("RATE_LIMIT_PER_MINUTE", float, default=60.0)
    rate_limit_burst: int = env("RATE_LIMIT_BURST", int, default=30)
    # wrong or revoked tokens per client address per worker, then 429; 0 turns the limit off
    auth_failures_per_minute: float = env("AUTH_FAILURES_PER_MINUTE", float, default=20.0)
    auth_failures_burst: int = env("AUTH_FAILURES_BURST", int, default=10)
    # the header a single-sign-on proxy sets to the person's name (e.g. X-Forwarded-User);
    # believed only from TRUSTED_PROXIES. Unset: people type their name once (a cookie).
    trusted_user_header: str | None = env("TRUSTED_USER_HEADER", _optional, default=None)
    # addresses or CIDRs of the proxies in front of the app, comma-separated
    trusted_proxies: tuple = env("TRUSTED_PROXIES", _networks, default=_networks("127.0.0.1/8,::1"))
    # Host names browsers' writes may carry (DNS rebinding). None: the loopback names while no
    # token exists, any host once tokens are configured (api/hosts.py).
    allowed_hosts: tuple[str, ...] | None = env("ALLOWED_HOSTS", _hosts, default=None)
    # largest Dash callback request body: the largest the page sends is the table's CSV
    # download (its rows twice, ~0.6 KB per feature: 259 KB for the demo's 442 features), so
    # 4 MiB fits ~7,000 features (docs/people.md "Callback bodies")
    max_callback_bytes: int = env("MAX_CALLBACK_BYTES", int, default=4 * 1024 * 1024)
    # "open": anyone who reaches the server reads everything; "granted": people read the
    # businesses granted to them (cli.py grant), API reads need a token of the business
    read_access: str = env("READ_ACCESS", _read_access, default="open")
    # HS256 key of signed embed links (cli.py embed-url); unset: signed links are refused
    embed_secret: str | None = env("EMBED_SECRET", _embed_secret, default=None, repr=False)
    # limits of the quality checks run on every build (docs/statistics.md, build quality), "name=number,..." over the
    # defaults of data/stats/quality.py QualityLimits
    quality_limits: QualityLimits = env("QUALITY_LIMITS", parse_limits, default=QualityLimits())
    # checks whose alarm makes PUT /features a 422 with nothing stored, comma-separated
    reject_on_alarm: frozenset = env("REJECT_ON_ALARM", parse_reject, default=frozenset())
    # where builds' arrays are written once and memory-mapped by every worker (docs/scaling.md);
    # empty: next to the SQLite file, or instance/build-files; "off": each worker keeps its own
    build_files_dir: str = env("BUILD_FILES_DIR", _text, default="")
    # threads of the BLAS/LAPACK library numpy and scipy call (OpenBLAS); 0 keeps its default
    # (one per core). One is faster for the page's small products and leaves the other cores
    # to other requests (docs/statistics.md, adjusted impact)
    blas_threads: int = env("BLAS_THREADS", int, default=1)
    # JSON and NDJSON features bodies from this many bytes up are parsed and checked by two
    # processes at once (a forked child reads the first half, data/payloads/json_halves.py);
    # 0: always one
    parallel_parse_bytes: int = env("PARALLEL_PARSE_BYTES", int, default=PARALLEL_PARSE_BYTES)

    @classmethod
    def from_env(cls, environ: os._Environ | dict | None = None) -> "Settings":
        """Settings from the environment (`environ`, default os.environ)."""
        environ = os.environ if environ is None else environ
        values = {}
        for f in fields(cls):
            raw = environ.get(f.metadata["env"])
            if raw is not None and raw.strip() != "":
                values[f.name] = f.metadata["parse"](raw)
        return cls(**values)

    def build_files_path(self) -> Path | None:
        """The directory of the memory-mapped build files (None: keep builds in memory)."""
        if self.build_files_dir.lower() == "off":
            return None
        if self.build_files_dir:
            return Path(self.build_files_dir)
        from sqlalchemy.engine import make_url

        url = make_url(self.database_url)
        if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
            name = url.database
            if url.query.get("uri") == "true" and name.startswith("file:"):
                name = name[len("file:"):]  # sqlite:///file:/path/db?mode=ro&uri=true
                if name.startswith("//"):  # file://host/path: sqlite takes the path only
                    name = "/" + name[2:].partition("/")[2]
            if "mode=memory" not in str(url) and name:
                db = Path(name)
                return db.with_name(db.name + ".builds")
        return ROOT / "instance" / "build-files"

    @classmethod
    def variables(cls) -> tuple[str, ...]:
        """The names of every environment variable the settings read."""
        return tuple(f.metadata["env"] for f in fields(cls))
