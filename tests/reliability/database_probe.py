"""Looking at a server's database from outside the server: is a write transaction open right
now, and is the database whole after a crash."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool


def sqlite_path(database_url: str) -> str | None:
    url = make_url(database_url)
    return url.database if url.get_backend_name() == "sqlite" else None


class Probe:
    def __init__(self, database_url: str):
        self.url = database_url
        self.path = sqlite_path(database_url)
        self.engine = None if self.path else create_engine(database_url, poolclass=NullPool)

    def writer_active(self) -> bool:
        """True while another connection holds a write transaction that has written: SQLite's
        write lock is taken, or a PostgreSQL backend of this database has a transaction id."""
        if self.path:
            conn = sqlite3.connect(self.path, timeout=0, isolation_level=None)
            try:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("ROLLBACK")
                return False
            except sqlite3.OperationalError as exc:
                if "locked" in str(exc) or "busy" in str(exc):
                    return True
                raise
            finally:
                conn.close()
        with self.engine.connect() as conn:
            return conn.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL")).scalar() > 0

    @contextmanager
    def parts_held(self):
        """PostgreSQL: while open, a SHARE lock on build_part makes a build's write transaction,
        once it has written (its build row: it has a transaction id), wait at its parts, so a
        kill lands inside it however fast it would have run (`writer_waiting`). SQLite: nothing
        (its writer takes the whole database; `writer_active` is the moment)."""
        if self.path:
            yield
            return
        with self.engine.connect() as conn:
            with conn.begin():
                conn.execute(text("LOCK TABLE build_part IN SHARE MODE"))
                yield

    def writer_waiting(self) -> bool:
        """PostgreSQL: a write transaction of another connection waits on a lock (the one
        `parts_held` takes); SQLite: `writer_active`."""
        if self.path:
            return self.writer_active()
        with self.engine.connect() as conn:
            return conn.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL "
                "AND wait_event_type = 'Lock'")).scalar() > 0

    def integrity(self) -> str:
        """'ok' when the database is whole: SQLite's PRAGMA integrity_check, plus (both backends)
        the store's own invariants: every part belongs to a build, one current build per image
        source, parts numbered without gaps."""
        problems = []
        if self.path:
            conn = sqlite3.connect(self.path)
            try:
                result = [r[0] for r in conn.execute("PRAGMA integrity_check")]
            finally:
                conn.close()
            if result != ["ok"]:
                problems.append("integrity_check: " + "; ".join(result))
        engine = self.engine or create_engine(self.url, poolclass=NullPool)
        with engine.connect() as conn:
            checks = {
                "orphan parts": "SELECT count(*) FROM build_part WHERE build_id NOT IN "
                                "(SELECT id FROM build)",
                "sources with 2+ current builds": "SELECT count(*) FROM (SELECT image_source_id "
                    "FROM build WHERE is_current GROUP BY image_source_id HAVING count(*) > 1) x",
                "builds with gaps in parts": "SELECT count(*) FROM (SELECT build_id FROM build_part "
                    "GROUP BY build_id HAVING max(part) + 1 <> count(*)) x",
                "builds without parts": "SELECT count(*) FROM build WHERE id NOT IN "
                                        "(SELECT build_id FROM build_part)",
            }
            for name, sql in checks.items():
                n = conn.execute(text(sql)).scalar()
                if n:
                    problems.append(f"{name}: {n}")
        if engine is not self.engine:
            engine.dispose()
        return "ok" if not problems else "; ".join(problems)

    def builds(self) -> list[tuple[int, bool]]:
        """(id, is_current) of every build, oldest first."""
        engine = self.engine or create_engine(self.url, poolclass=NullPool)
        with engine.connect() as conn:
            rows = [tuple(r) for r in conn.execute(text("SELECT id, is_current FROM build ORDER BY id"))]
        if engine is not self.engine:
            engine.dispose()
        return [(i, bool(c)) for i, c in rows]

    def close(self) -> None:
        if self.engine is not None:
            self.engine.dispose()
