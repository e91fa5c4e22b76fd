"""Callbacks of the upload part of the page (see layouts/upload.py)."""


def register(app, services) -> None:
    """Attach this part's callbacks to `app`."""
