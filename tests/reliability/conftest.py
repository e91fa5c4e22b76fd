"""Fixtures of the reliability tests: an in-process app (Flask test client) on the test's own
database with chosen settings. Process tests use live_server_factory from tests/conftest.py."""

from __future__ import annotations

from dataclasses import replace

import pytest

from app import create_app
from config import Settings


@pytest.fixture
def make_app(database_url):
    """make_app(**settings) -> (Flask test client, Services) on this test's database."""

    def make(**overrides):
        settings = replace(Settings(database_url=database_url, load_demo=False), **overrides)
        server = create_app(settings).server
        return server.test_client(), server.extensions["image_dashboard"]

    return make
