"""Time as the product stores and shows it: timezone-aware UTC, ISO 8601 with a Z."""

from __future__ import annotations

from datetime import datetime, timezone


def utcnow() -> datetime:
    """Now, in UTC, timezone-aware."""
    return datetime.now(timezone.utc)


def iso(ts: datetime | None) -> str | None:
    """UTC timestamp as ISO 8601 with Z (SQLite hands back naive UTC); None stays None."""
    if ts is None:
        return None
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=timezone.utc)
    return ts.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
