"""The Fixes page's callbacks: the picked image source's fixes, filtered, counted and exported.
Thin: read the controls, ask the store's caches, call data/stats/fix_history.py and
figures/fixes.py."""

from __future__ import annotations

import pandas as pd
from dash import Input, Output, State, no_update

from callbacks import picker
from data.domain.errors import DomainError
from data.domain.filters import finite_float
from data.stats.fix_history import (conflicts, counts_per_feature, export_csv, export_records,
                                    select_fixes)
from figures.fixes import counts_figure, export_filename, summary
from layouts.fixes import conflicts_list, ids

TABLE_LIMIT = 2000  # rows sent to the page's table; the download has them all

OUTPUTS = {
    "summary": Output(ids.SUMMARY, "children"),
    "counts": Output(ids.COUNTS, "figure"),
    "rows": Output(ids.TABLE, "rowData"),
    "conflicts": Output(ids.CONFLICTS, "children"),
    "features": Output(ids.FEATURE, "options"),
    "people": Output(ids.PERSON, "options"),
}
CONTROLS = {
    "business": Input(ids.PICKER.business, "value"),
    "image_source": Input(ids.PICKER.image_source, "value"),
    "feature": Input(ids.FEATURE, "value"), "person": Input(ids.PERSON, "value"),
    "only": Input(ids.ONLY, "value"), "threshold": Input(ids.THRESHOLD, "value"),
}


def register(app, services) -> None:
    picker.register(app, services, ids.PICKER)

    def chosen(business, image_source, feature, person, only, threshold, limit):
        """(tables, saved thresholds, threshold, the selected fixes) or None without a source."""
        try:
            ref = services.cache.locate(business, image_source)
        except DomainError:  # no dataset chosen, or not one this person may read
            return None
        if ref is None:
            return None
        tables = services.fixed.tables(ref)
        saved = services.labels.saved_thresholds(ref.id)
        t = finite_float(threshold, 0.0)
        only = set(only or ())
        conflict = True if "conflicts" in only else False if "no_conflicts" in only else None
        rows = select_fixes(tables.history, feature=_text(feature), person=_text(person),
                            disagree="disagree" in only, conflicts=conflict, thresholds=saved,
                            threshold=t, limit=limit)
        return tables, saved, t, rows

    @app.callback(output=OUTPUTS, inputs=CONTROLS)
    def render(business, image_source, feature, person, only, threshold):
        picked = chosen(business, image_source, feature, person, only, threshold, TABLE_LIMIT)
        if picked is None:
            return {"summary": "Choose a business and an image source.",
                    "counts": counts_figure(pd.DataFrame()), "rows": [],
                    "conflicts": [], "features": [], "people": []}
        tables, saved, t, rows = picked
        counts = counts_per_feature(tables, saved, t)
        history = tables.history
        contested = conflicts(tables, limit=200)
        return {
            "summary": summary(len(history), len(rows), len(tables.latest),
                               int(tables.latest["conflict"].sum()) if len(tables.latest) else 0,
                               int(counts["disagree"].sum()), history["by"].nunique()),
            "counts": counts_figure(counts),
            "rows": export_records(rows),
            "conflicts": conflicts_list(contested),
            "features": [{"label": f"{f} ({n})", "value": f}
                         for f, n in zip(counts["feature"], counts["fixes"])],
            "people": [{"label": p, "value": p} for p in sorted(history["by"].unique())],
        }

    @app.callback(Output(ids.DOWNLOAD, "data"), Input(ids.DOWNLOAD_BUTTON, "n_clicks"),
                  *[State(c.component_id, c.component_property) for c in CONTROLS.values()],
                  prevent_initial_call=True)
    def download(_clicks, business, image_source, feature, person, only, threshold):
        picked = chosen(business, image_source, feature, person, only, threshold, None)
        if picked is None:
            return no_update
        return {"content": export_csv(export_records(picked[3])),
                "filename": export_filename(business, image_source), "type": "text/csv"}


def _text(value) -> str | None:
    return value if isinstance(value, str) and value else None
