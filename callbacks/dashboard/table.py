"""Feature table callback: the CSV of what is shown (the rows come with the render callback,
callbacks/dashboard/charts.py, from the same computation as the charts)."""

from __future__ import annotations

from dash import Input, Output, State, no_update

from data.domain.filters import normalize_filters
from figures.dashboard.table import csv_filename, csv_text
from layouts.dashboard.ids import ids


def register(app, services) -> None:
    """Attach the table's callbacks to `app`."""

    @app.callback(Output(ids.TABLE_CSV, "data"), Input(ids.TABLE_CSV_BUTTON, "n_clicks"),
                  State(ids.TABLE, "virtualRowData"), State(ids.TABLE, "rowData"),
                  State(ids.FILTERS, "data"), prevent_initial_call=True)
    def download_csv(_clicks, shown_rows, rows, filters):
        rows, shown_rows = table_rows(rows), table_rows(shown_rows)
        if not rows:
            return no_update
        # virtualRowData is the grid's rows in the order the user sorted them; use it only while
        # it holds the same features as the current rows (it is updated after a render).
        if shown_rows and sorted(_features(shown_rows)) == sorted(_features(rows)):
            rows = shown_rows
        f = normalize_filters(filters)
        name = csv_filename(f["business"] or "", f["image_source"] or "", f["build"],
                            f["threshold"], f)
        return {"content": csv_text(rows), "filename": name, "type": "text/csv"}


def table_rows(value: object) -> list[dict]:
    """The grid's rows as the page sends them: a list of row objects (anything else, from a
    crafted request, is left out)."""
    return [r for r in value if isinstance(r, dict)] if isinstance(value, list) else []


def _features(rows: list[dict]) -> list[str]:
    return [str(r.get("feature")) for r in rows]
