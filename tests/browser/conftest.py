"""Browser tests (dash_duo, headless Chromium): `python -m pytest --headless tests/browser`.

- Chromium gets `--enable-unsafe-swiftshader`: headless with --disable-gpu (dash's default) has
  no WebGL otherwise, and the scatter is WebGL.
- `page_port`: a free port of this run's range (tests/support/ports.py).
- `dashboard_app(**settings)`: the real app (create_app) on this test's database with the demo.
- Every wait for state (dash_duo's wait_for_* and tests/browser/dashboard.py's wait_until) gives
  up after WAIT_SECONDS: the CI machine runs two suites on 2 cores, and a chain of callbacks
  there can take several times what it takes on a quiet machine. A wait ends as soon as the
  state is reached, so a longer bound costs nothing when the page is right.
"""

from __future__ import annotations

import pytest
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.support.wait import WebDriverWait

from app import create_app
from config import Settings
from tests.support.ports import free_port

WAIT_SECONDS = 30


def pytest_setup_options():
    options = Options()
    options.add_argument("--enable-unsafe-swiftshader")
    options.add_argument("--window-size=1400,1100")
    return options


@pytest.fixture(autouse=True)
def _patient_waits(request):
    """dash_duo's waits bounded by WAIT_SECONDS instead of its 10 s."""
    if "dash_duo" in request.fixturenames:
        duo = request.getfixturevalue("dash_duo")
        duo._wait_timeout = WAIT_SECONDS
        duo._wd_wait = WebDriverWait(duo.driver, WAIT_SECONDS)
    yield


@pytest.fixture
def page_port() -> int:
    """A free port of this run's range (tests/support/ports.py)."""
    return free_port()


@pytest.fixture
def dashboard_app(database_url):
    """Build the real app on this test's database: dashboard_app(load_demo=..., **Settings)."""

    def make(**kwargs):
        kwargs.setdefault("load_demo", True)
        return create_app(Settings(database_url=database_url, **kwargs))

    return make
