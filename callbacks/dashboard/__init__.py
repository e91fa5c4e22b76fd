"""The dashboard's callbacks.

Data flows selectors → ids.SELECTION → filters → ids.FILTERS → charts (one computation per
filter change fills every figure, the status and the feature table); the image detail listens to
ids.FILTERS too, and shows and stores the image's label fixes (fixes.py); live re-runs the
selectors when the server changes; the scatter's points are expanded and hover runs in the
browser. On load none of that chain runs: first_view.py answers it in the layout itself.
"""

from callbacks.dashboard import (charts, detail, filters, fixes, hover, live, points, selectors,
                                 table,
                                 upload)


def register(app, services) -> None:
    """Attach every callback of the dashboard to `app`."""
    for part in (selectors, filters, charts, points, hover, live, table, detail, fixes, upload):
        part.register(app, services)
