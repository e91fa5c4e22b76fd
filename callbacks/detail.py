"""Callbacks of the detail part of the page (see layouts/detail.py)."""


def register(app, services) -> None:
    """Attach this part's callbacks to `app`."""
