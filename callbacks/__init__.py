"""Dash callbacks: thin glue from inputs to analysis and figure builders.

Data flows selectors → ids.SELECTION → filters → ids.FILTERS → charts (and the table and the
image detail, which listen to ids.FILTERS too); live re-runs the selectors when the server
changes; hover runs in the browser only.
"""

from callbacks import charts, detail, filters, hover, live, selectors, table, upload


def register_callbacks(app, services) -> None:
    """Attach every callback of the page to `app`."""
    for part in (selectors, filters, charts, hover, live, table, detail, upload):
        part.register(app, services)
