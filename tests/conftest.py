"""Shared fixtures: a fresh database per test, on the backend TEST_DATABASE names, and the real
app in a separate process on that database.

TEST_DATABASE=sqlite (default) gives a new SQLite file under the test's tmp_path;
TEST_DATABASE=postgresql creates a new database on the local PostgreSQL server
(TEST_PG_HOST, default /var/run/postgresql) and drops it afterwards.

- `database_url`: a new empty database for this test.
- `settings`: Settings for an in-process app on it (no demo).
- `live_server`: the app under gunicorn (1 worker) on `database_url`, healthy, no tokens
  (loopback writes); see tests/support/server.py for its API.
- `live_server_factory(**kwargs)`: start more or differently configured servers on this test's
  database (kwargs of LiveServer, e.g. workers=2, env={"INGEST_TOKENS": "t"}); all are stopped
  after the test.
- `module_database_url`: one database shared by a module's tests, for suites that only read it
  or that prove nothing changed (each test compares against its own "before").
- `module_live_server`: one server on `module_database_url` for a module's tests (each test
  uses its own business name).
When a test fails, the logs of its live servers are added to the report.
"""

from __future__ import annotations

import os

import pytest

from config import Settings
from tests.support.backend import backend_name
from tests.support.databases import new_database as _new_database
from tests.support.server import LiveServer

PG_HOST = os.environ.get("TEST_PG_HOST", "/var/run/postgresql")


def pytest_configure(config):
    backend_name()  # a misspelt TEST_DATABASE stops the run before any test


def new_database(directory):
    """URL of a new, empty database on this run's backend (see tests/support/databases.py)."""
    return _new_database(backend_name(), directory, pg_host=PG_HOST)


@pytest.fixture(scope="session")
def database_backend() -> str:
    """'sqlite' or 'postgresql': the SQLAlchemy dialect name of the databases these tests use."""
    return backend_name()


@pytest.fixture
def database_url(tmp_path) -> str:
    """URL of a new, empty database for this test only."""
    with new_database(tmp_path) as url:
        yield url


@pytest.fixture(scope="module")
def module_database_url(tmp_path_factory) -> str:
    """URL of a new, empty database shared by the tests of one module."""
    with new_database(tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture
def settings(database_url) -> Settings:
    """Settings for a test app: fresh database, no demo, loopback writes."""
    return Settings(database_url=database_url, load_demo=False)


@pytest.fixture
def live_server_factory(database_url, request):
    """Start LiveServer(database_url, **kwargs) servers for this test; stopped afterwards."""
    servers: list[LiveServer] = []
    request.node._live_servers = servers

    def start(**kwargs) -> LiveServer:
        srv = LiveServer(kwargs.pop("database_url", database_url), **kwargs)
        servers.append(srv)
        return srv.start()

    yield start
    for srv in servers:
        srv.stop()


@pytest.fixture
def live_server(live_server_factory) -> LiveServer:
    """The real app under gunicorn (one worker) on this test's fresh database."""
    return live_server_factory()


@pytest.fixture(scope="module")
def module_live_server(module_database_url) -> LiveServer:
    """One real app (gunicorn, one worker, no tokens) shared by a module's tests, on the
    module's database. Tests keep out of each other's way by using their own business names."""
    with LiveServer(module_database_url) as srv:
        yield srv


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        servers = list(getattr(item, "_live_servers", []))
        servers += [v for v in getattr(item, "funcargs", {}).values()
                    if isinstance(v, LiveServer) and v not in servers]
        for i, srv in enumerate(servers):
            report.sections.append((f"live server {i} log ({srv.base_url})",
                                    srv.log_text()[-8000:]))


# Fixtures through which a test reaches a database (directly or through other fixtures).
DATABASE_FIXTURES = {"database_url", "module_database_url", "database_backend"}


def uses_database(item) -> bool:
    """Whether a test touches a database: through a fixture above, or a module that makes its
    own databases (tests/support/databases.py)."""
    if DATABASE_FIXTURES.intersection(getattr(item, "fixturenames", ())):
        return True
    module = getattr(item, "module", None)
    return "new_database" in vars(module) if module is not None else True


def runs_here(item) -> bool:
    """Whether the test belongs in this backend's run. On PostgreSQL only the tests that touch
    a database run: the others (statistics, figures, body decoding, ...) do not depend on the
    backend and ran on SQLite already. A test marked backend("x") runs only in x's run."""
    backend = backend_name()
    marker = item.get_closest_marker("backend")
    if marker is not None and marker.args[0] != backend:
        return False
    if backend != "postgresql" or os.environ.get("TEST_ALL_ON_POSTGRESQL") == "1":
        return True
    return uses_database(item)


def pytest_collection_modifyitems(config, items):
    """Tests that do not belong in this run are deselected, not skipped (the run says how
    many)."""
    keep = [item for item in items if runs_here(item)]
    if len(keep) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if not runs_here(i)])
        items[:] = keep
