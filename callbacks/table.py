"""Callbacks of the table part of the page (see layouts/table.py)."""


def register(app, services) -> None:
    """Attach this part's callbacks to `app`."""
