"""Engine creation and schema migrations, for SQLite (embedded default) and PostgreSQL. A
database that cannot be opened or written at start is a DatabaseUnavailable in one line."""

from __future__ import annotations

import contextlib
import fcntl
import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, OperationalError

from data.domain.errors import DatabaseUnavailable
from data.storage.writable import first_line, os_reason, sqlite_file, unwritable_reason

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
log = logging.getLogger(__name__)


def _where(url: URL) -> str:
    """The database as an operator recognises it, without its password."""
    path = sqlite_file(url)
    return f"file {path}" if path is not None else url.render_as_string(hide_password=True)


def make_engine(url: str) -> Engine:
    """An engine for `url`. SQLite gets WAL, a busy timeout, foreign keys, and writers that take
    the write lock when they begin (so two ingests serialise instead of failing on upgrade)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)

    path = sqlite_file(parsed)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseUnavailable("database_not_writable", (
                f"cannot create the directory of the database file {path} "
                f"({os_reason(exc)})")) from None
    engine = create_engine(url, connect_args={"timeout": 60, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Let SQLAlchemy, not the driver, say when a transaction begins (see _on_begin).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=60000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        if conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
            return  # one-statement reads (StoreReads.locate): no transaction around them
        immediate = conn.get_execution_options().get("write_lock", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def writer(engine: Engine) -> Engine:
    """The same engine, with transactions that take the database's write lock at BEGIN on SQLite
    (PostgreSQL writers lock the image source row instead)."""
    return engine.execution_options(write_lock=True)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision. Safe when several workers start at once.
    DatabaseUnavailable, in one line, when the database cannot be opened, reached or (with
    migrations to apply) written."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    try:
        with _migration_lock(engine), engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    except DBAPIError as exc:
        reason = unwritable_reason(exc)
        if reason is None and not isinstance(exc, OperationalError):
            raise  # a mistake in a migration, not the database's state: keep the traceback
        raise DatabaseUnavailable("database_unavailable", (
            f"cannot open the database {_where(engine.url)}: "
            f"{reason or first_line(exc.orig)}")) from None


@contextlib.contextmanager
def _migration_lock(engine: Engine):
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(804215)"))
            conn.commit()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(804215)"))
                conn.commit()
    elif (path := sqlite_file(engine.url)) is not None:
        lock = path.with_name(path.name + ".migrate.lock")
        try:
            fh = open(lock, "w")
        except OSError as exc:
            raise DatabaseUnavailable("database_not_writable", (
                f"cannot write next to the database file {path} ({os_reason(exc)}): the "
                f"migration lock {lock.name} cannot be created there. SQLite writes its "
                "journal next to the file too: make the directory writable, or point "
                "DATABASE_URL elsewhere.")) from None
        with fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
    else:
        yield


