"""Shared fixtures: a fresh database per test, on the backend TEST_DATABASE names.

TEST_DATABASE=sqlite (default) gives a new SQLite file under the test's tmp_path;
TEST_DATABASE=postgresql creates a new database on the local PostgreSQL server
(TEST_PG_HOST, default /var/run/postgresql) and drops it afterwards.
"""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text

from config import Settings

PG_HOST = os.environ.get("TEST_PG_HOST", "/var/run/postgresql")


def backend() -> str:
    return os.environ.get("TEST_DATABASE", "sqlite").strip().lower()


@pytest.fixture
def database_url(tmp_path) -> str:
    """URL of a new, empty database for this test only."""
    if backend() == "sqlite":
        yield f"sqlite:///{tmp_path / 'dashboard.sqlite3'}"
        return
    name = "t_" + uuid.uuid4().hex[:16]
    admin = create_engine(f"postgresql+psycopg:///postgres?host={PG_HOST}",
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql+psycopg:///{name}?host={PG_HOST}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def settings(database_url) -> Settings:
    """Settings for a test app: fresh database, no demo, loopback writes."""
    return Settings(database_url=database_url, load_demo=False)
