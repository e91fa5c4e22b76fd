"""Throwaway databases for tests and benchmarks: a SQLite file, or a PostgreSQL database on the
local server that is dropped afterwards."""

from __future__ import annotations

import contextlib
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

DEFAULT_PG_HOST = "/var/run/postgresql"


@contextlib.contextmanager
def new_database(backend: str, directory: Path, name: str = "dashboard",
                 pg_host: str = DEFAULT_PG_HOST):
    """URL of a new, empty database: `directory/<name>.sqlite3` for "sqlite", else a uniquely
    named PostgreSQL database on `pg_host`, dropped (even if still in use) on exit."""
    if backend == "sqlite":
        yield f"sqlite:///{Path(directory) / (name + '.sqlite3')}"
        return
    db = f"t_{name}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(f"postgresql+psycopg:///postgres?host={pg_host}",
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{db}"'))
    try:
        yield f"postgresql+psycopg:///{db}?host={pg_host}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
        admin.dispose()
