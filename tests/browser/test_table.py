"""Feature table in a real browser: the rows are the features API's for the same filters, and the
CSV download holds exactly those rows."""

from __future__ import annotations

import csv
import time
from pathlib import Path

import dash_bootstrap_components as dbc
import pytest
import requests
from dash import dcc, html

from app import create_app
from callbacks import table as table_callbacks
from config import Settings
from data.analysis import STAT_COLUMNS
from data.demo import DEMO_BUSINESS, DEMO_IMAGE_SOURCE
from layouts import table
from layouts.ids import ids

PORT = 8150


def parts_app(database_url: str, filters: dict):
    """The real app (API, store, demo data) with a page of only the table, fed a fixed view."""
    app = create_app(Settings(database_url=database_url, load_demo=True))
    services = app.server.extensions["image_dashboard"]
    app.layout = html.Div([dcc.Store(id=ids.FILTERS, data=filters), table.layout()])
    table_callbacks.register(app, services)
    return app


def view(**changes) -> dict:
    base = {"business": DEMO_BUSINESS, "image_source": DEMO_IMAGE_SOURCE, "build": None,
            "version": 1, "threshold": 0.2, "min_pct": 2.0, "max_pct": 60.0, "top_k": None,
            "sort": "impact", "pinned": [], "excluded": []}
    base.update(changes)
    return base


def api_features(base_url: str, filters: dict) -> list[dict]:
    params = {k: filters[k] for k in ("business", "image_source", "threshold", "min_pct",
                                      "max_pct")}
    resp = requests.get(base_url.rstrip("/") + "/api/v1/features", params=params, timeout=30)
    resp.raise_for_status()
    return resp.json()["features"]


def grid_rows(dash_duo) -> list[dict]:
    """Every row the grid holds, in the order it shows them (not only the rendered ones)."""
    return dash_duo.driver.execute_script(
        "const api = window.dash_ag_grid.getApi(arguments[0]); const rows = [];"
        "api.forEachNodeAfterFilterAndSort(n => rows.push(n.data)); return rows;", ids.TABLE)


def wait_for_rows(dash_duo, count: int) -> list[dict]:
    dash_duo.wait_for_element(f"#{ids.TABLE} .ag-row")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        rows = grid_rows(dash_duo)
        if len(rows) == count:
            return rows
        time.sleep(0.1)
    raise AssertionError(f"the grid holds {len(grid_rows(dash_duo))} rows, expected {count}")


def downloaded_csv(dash_duo) -> list[dict]:
    folder = Path(dash_duo.download_path)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        done = [p for p in folder.glob("*.csv")]
        if done:
            with done[0].open(newline="", encoding="utf-8") as fh:
                return list(csv.DictReader(fh))
        time.sleep(0.1)
    raise AssertionError(f"no CSV downloaded into {folder}")


def console_errors(dash_duo) -> list[dict]:
    """Browser console entries, less the Bootstrap stylesheet when this machine has no internet
    (the page links it from a CDN)."""
    return [e for e in dash_duo.get_logs() or [] if "cdn.jsdelivr.net" not in e["message"]]


def as_number(text: str):
    return None if text == "" else float(text)


def test_table_shows_the_api_features_for_the_view_and_the_csv_holds_exactly_them(
        dash_duo, database_url):
    filters = view()
    app = parts_app(database_url, filters)
    dash_duo.start_server(app, port=PORT)
    expected = api_features(dash_duo.server_url, filters)
    assert 5 < len(expected) < 480, "the view should keep some features and drop others"

    rows = wait_for_rows(dash_duo, len(expected))
    assert rows == expected

    dash_duo.find_element(f"#{ids.TABLE_CSV_BUTTON}").click()
    exported = downloaded_csv(dash_duo)
    assert [r["feature"] for r in exported] == [f["feature"] for f in expected]
    assert list(exported[0]) == list(STAT_COLUMNS)
    for got, want in zip(exported, expected):
        for name in STAT_COLUMNS[1:]:
            value = as_number(got[name])
            assert value == (None if want[name] is None else pytest.approx(want[name], rel=1e-12))
    assert console_errors(dash_duo) == []


def test_table_keeps_the_top_k_by_absolute_impact_without_excluded_plus_pinned(
        dash_duo, database_url):
    probe = view()
    app = parts_app(database_url, probe)
    dash_duo.start_server(app, port=PORT + 1)
    every = api_features(dash_duo.server_url, probe)
    by_size = sorted(every, key=lambda f: -abs(f["impact"] if f["impact"] is not None else -1))
    excluded = by_size[0]["feature"]
    pinned = by_size[-1]["feature"]
    expected = {f["feature"] for f in by_size[1:6]} | {pinned}

    dash_duo.driver.execute_script(
        "window.dash_clientside.set_props(arguments[0], {data: arguments[1]});",
        ids.FILTERS, view(top_k=5, excluded=[excluded], pinned=[pinned]))

    rows = wait_for_rows(dash_duo, len(expected))
    assert {r["feature"] for r in rows} == expected
    impacts = [r["impact"] for r in rows]
    assert impacts == sorted(impacts, reverse=True), "rows keep the page's impact order"
    assert "hidden" in dash_duo.find_element(f"#{ids.TABLE_NOTE}").text
    assert console_errors(dash_duo) == []
