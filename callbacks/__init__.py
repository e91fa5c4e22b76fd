"""Dash callbacks: thin glue from inputs to analysis and figure builders."""


def register_callbacks(app, services) -> None:
    """Attach every callback of the page to `app`."""
