"""Feature table callbacks: rows for the view in ids.FILTERS, and the CSV of what is shown."""

from __future__ import annotations

from dash import Input, Output, State, no_update

from data.analysis import feature_stats
from data.payloads import RequestError
from figures.table import csv_filename, csv_text, shown_features
from layouts.ids import ids


def register(app, services) -> None:
    """Attach the table's callbacks to `app`."""

    @app.callback(Output(ids.TABLE, "rowData"), Output(ids.TABLE_NOTE, "children"),
                  Input(ids.FILTERS, "data"))
    def fill_table(filters):
        if not filters or not filters.get("business") or not filters.get("image_source"):
            return [], "Choose a business and an image source."
        try:
            ds = services.cache.get(filters["business"], filters["image_source"],
                                    filters.get("build"))
        except RequestError as exc:
            return [], exc.message
        stats = feature_stats(ds.index, float(filters.get("threshold") or 0.0),
                              float(filters.get("min_pct") or 0.0),
                              float(_or(filters.get("max_pct"), 100.0)))
        rows = shown_features(stats, filters).records()
        hidden = len(stats) - len(rows)
        note = f"{len(rows)} shown" + (f", {hidden} more hidden by the filters" if hidden else "")
        return rows, note

    @app.callback(Output(ids.TABLE_CSV, "data"), Input(ids.TABLE_CSV_BUTTON, "n_clicks"),
                  State(ids.TABLE, "virtualRowData"), State(ids.TABLE, "rowData"),
                  State(ids.FILTERS, "data"), prevent_initial_call=True)
    def download_csv(_clicks, shown_rows, rows, filters):
        if not rows:
            return no_update
        # virtualRowData is the grid's rows in the order the user sorted them; use it only while
        # it holds the same features as the current rows (it is updated after a render).
        if shown_rows and {r["feature"] for r in shown_rows} == {r["feature"] for r in rows}:
            rows = shown_rows
        filters = filters or {}
        name = csv_filename(filters.get("business") or "", filters.get("image_source") or "",
                            filters.get("build"), float(filters.get("threshold") or 0.0))
        return {"content": csv_text(rows), "filename": name, "type": "text/csv"}


def _or(value, default):
    return default if value is None else value
