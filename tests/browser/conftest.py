"""Browser tests (dash_duo, headless Chromium): `python -m pytest --headless tests/browser`.

- Chromium gets `--enable-unsafe-swiftshader`: headless with --disable-gpu (dash's default) has
  no WebGL otherwise, and the scatter is WebGL.
- `page_port`: a free port of this run's range (tests/support/ports.py).
- `dashboard_app(**settings)`: the real app (create_app) on this test's database with the demo.
"""

from __future__ import annotations

import pytest
from selenium.webdriver.chrome.options import Options

from app import create_app
from config import Settings
from tests.support.ports import free_port


def pytest_setup_options():
    options = Options()
    options.add_argument("--enable-unsafe-swiftshader")
    options.add_argument("--window-size=1400,1100")
    return options


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
