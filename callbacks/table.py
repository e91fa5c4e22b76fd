"""Feature table callbacks: rows for the view in ids.FILTERS, and the CSV of what is shown."""

from __future__ import annotations

from dash import Input, Output, State, no_update

from data.analysis import feature_stats
from data.payloads import RequestError
from figures.table import csv_filename, csv_text
from figures.view import normalize_filters, select_features, take
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
        f = normalize_filters(filters)
        stats = feature_stats(ds.index, f["threshold"], f["min_pct"], f["max_pct"])
        positions, hidden = select_features(stats, f)
        rows = take(stats, positions).records()
        return rows, _note(len(rows), hidden, len(stats) - len(rows) - hidden)

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
        f = normalize_filters(filters)
        name = csv_filename(f["business"] or "", f["image_source"] or "", f["build"],
                            f["threshold"])
        return {"content": csv_text(rows), "filename": name, "type": "text/csv"}


def _note(shown: int, hidden: int, excluded: int) -> str:
    parts = [f"{shown} shown"]
    if hidden:
        parts.append(f"{hidden} hidden by the top-K cut")
    if excluded:
        parts.append(f"{excluded} excluded")
    return ", ".join(parts)
