"""Where a SQLite database lives, and whether the database can be written: the readiness
check (GET /api/v1/ready) and the words for a write that fails because it cannot (a 503 at the
API, one line on the command line) rather than because of the request."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError

from data.domain.errors import DatabaseUnavailable

# Below this much free space on the SQLite file's disk the database counts as not writable: a
# build's first 32 MB part would not fit, and SQLite needs room for its journal.
MIN_FREE_BYTES = 32 * 1024 * 1024


def sqlite_file(url: str | URL) -> Path | None:
    """The file of a SQLite URL (also in its `file:` URI form, `sqlite:///file:/x/db?mode=ro&uri=
    true`); None for an in-memory database or another backend."""
    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database or ""
    if database.startswith("file:"):
        if parsed.query.get("mode") == "memory":
            return None
        database = database[len("file:"):].split("?", 1)[0]
    if not database or database == ":memory:":
        return None
    return Path(database)


# Why a write failed, when the database (not the request) is the reason: SQLite result codes
# (the primary code, the low byte of an extended one) and PostgreSQL SQLSTATEs.
_SQLITE_UNWRITABLE = {3: "permission denied on the database file",
                      8: "the database is read-only (a read-only file, file system or mode=ro)",
                      10: "a disk I/O error", 13: "the disk is full",
                      14: "the database file cannot be opened"}
_POSTGRES_UNWRITABLE = {"25006": "the database is read-only (default_transaction_read_only, "
                                 "or a standby server)",
                        "53100": "the database server's disk is full",
                        "42501": "the database role may not write (permission denied)"}


def unwritable_reason(exc: BaseException) -> str | None:
    """Why the database refused a write, in words, when `exc` says it cannot be written at all
    (read-only, disk full, no permission); None for any other error."""
    orig = getattr(exc, "orig", exc)
    code = getattr(orig, "sqlite_errorcode", None)
    if code is not None:
        return _SQLITE_UNWRITABLE.get(code & 0xFF)
    return _POSTGRES_UNWRITABLE.get(getattr(orig, "sqlstate", None) or "")


@contextlib.contextmanager
def writes_or_unavailable():
    """Turn a write that fails because the database cannot be written into
    DatabaseUnavailable (503 at the API, one line on the command line)."""
    try:
        yield
    except DBAPIError as exc:
        reason = unwritable_reason(exc)
        if reason is None:
            raise
        raise DatabaseUnavailable("database_not_writable", (
            f"The database does not accept writes: {reason}. Nothing was written; retry "
            "later (GET /api/v1/ready answers 200 again once it does).")) from None


def write_problem(engine: Engine) -> str | None:
    """None when the database accepts writes now; else why not, in words. Tries a write that
    changes nothing (an UPDATE of no row, rolled back), so a read-only file, file system,
    database or role is found as a real write would find it; on SQLite also checks the free
    space of the file's disk. A write lock held by an ingest counts as writable (it is
    writing), and is waited for at most a second."""
    path = sqlite_file(engine.url)
    if path is not None:
        try:
            st = os.statvfs(path.parent)
        except OSError as exc:
            return f"the database directory {path.parent} cannot be read ({os_reason(exc)})"
        if st.f_bavail * st.f_frsize < MIN_FREE_BYTES:
            return (f"the disk holding {path} is full ({st.f_bavail * st.f_frsize:,} bytes "
                    "free)")
    probe = "UPDATE image_source SET version = version WHERE 1 = 0"
    with engine.connect() as conn:
        sqlite = engine.dialect.name == "sqlite"
        try:
            if sqlite:
                conn.exec_driver_sql("PRAGMA busy_timeout=1000")
            else:
                conn.exec_driver_sql("SET LOCAL lock_timeout = '1s'")
            conn.exec_driver_sql(probe)
        except DBAPIError as exc:
            reason = unwritable_reason(exc)
            if reason is not None:
                return reason
            if not _is_busy(exc):
                return f"a write fails: {first_line(exc.orig)}"
        finally:
            conn.rollback()
            if sqlite:
                conn.exec_driver_sql("PRAGMA busy_timeout=60000")  # make_engine's setting
                conn.rollback()
    return None


def _is_busy(exc: DBAPIError) -> bool:
    """A lock held by another writer (SQLite 'database is locked', PostgreSQL lock timeout)."""
    code = getattr(exc.orig, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (5, 6)  # SQLITE_BUSY, SQLITE_LOCKED
    return getattr(exc.orig, "sqlstate", None) == "55P03"


def os_reason(exc: OSError) -> str:
    return (exc.strerror or str(exc)).lower()


def first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
