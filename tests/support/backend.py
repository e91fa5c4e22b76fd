"""Which database this test run uses: TEST_DATABASE=sqlite (default) or postgresql.

The one place the name is read and normalised; a misspelt name stops the run at once instead of
quietly testing SQLite twice.
"""

from __future__ import annotations

import os

BACKENDS = ("sqlite", "postgresql")


def backend_name() -> str:
    """The normalised backend name; RuntimeError for a name that is no backend."""
    name = os.environ.get("TEST_DATABASE", "sqlite").strip().lower()
    if name not in BACKENDS:
        raise RuntimeError(f"TEST_DATABASE={os.environ.get('TEST_DATABASE')!r} is not a test "
                           f"backend; use one of {', '.join(BACKENDS)}.")
    return name
