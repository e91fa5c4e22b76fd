"""Feature table in a real browser: the rows are the features API's for the same filters, and the
CSV download holds exactly those rows."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests

from app import create_app
from config import Settings
from data.stats.features import STAT_COLUMNS
from data.demo import DEMO_BUSINESS, DEMO_IMAGE_SOURCE
from figures.dashboard.table import csv_filename, csv_text
from layouts.dashboard.ids import ids
from tests.browser.dashboard import wait_until
from tests.support.ports import free_port


def view(**changes) -> dict:
    base = {"business": DEMO_BUSINESS, "image_source": DEMO_IMAGE_SOURCE, "threshold": 0.2,
            "min_pct": 0.3, "max_pct": 60.0}
    base.update(changes)
    return base


def open_page(dash_duo, database_url: str, query: dict) -> None:
    """The real page on the demo data, opened at a URL that holds the view."""
    app = create_app(Settings(database_url=database_url, load_demo=True))
    dash_duo.start_server(app, port=free_port())
    load(dash_duo, query)


def load(dash_duo, query: dict) -> None:
    dash_duo.wait_for_page(dash_duo.server_url + "?" + urlencode(query, doseq=True))
    # Bootstrap scrolls smoothly; Selenium clicks where an element is before the scroll ends.
    dash_duo.driver.execute_script("document.documentElement.style.scrollBehavior = 'auto'")


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
    return wait_until(lambda: (lambda rows: rows if len(rows) == count else None)(
        grid_rows(dash_duo)), timeout=30, message=f"the grid holds {count} rows")


def downloaded_csv(dash_duo) -> list[dict]:
    folder = Path(dash_duo.download_path)
    done = wait_until(lambda: sorted(folder.glob("*.csv")), timeout=30,
                      message=f"a CSV downloaded into {folder}")
    with done[0].open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def as_number(text: str):
    return None if text == "" else float(text)


def test_table_shows_the_api_features_for_the_view_and_the_csv_holds_exactly_them(
        dash_duo, database_url):
    filters = view()
    open_page(dash_duo, database_url, {**filters, "top_k": "all"})
    expected = api_features(dash_duo.server_url, filters)
    assert 30 < len(expected) < 442, "the view should keep some features and drop others"

    rows = wait_for_rows(dash_duo, len(expected))
    # The grid holds the API's fields (and, beside them, the adjusted impact of the view).
    assert [{k: r.get(k) for k in expected[0]} for r in rows] == expected
    assert all("adjusted_impact" in r for r in rows)

    dash_duo.find_element(f"#{ids.TABLE_CSV_BUTTON}").click()
    exported = downloaded_csv(dash_duo)
    assert [r["feature"] for r in exported] == [f["feature"] for f in expected]
    assert list(exported[0]) == list(STAT_COLUMNS)
    for got, want in zip(exported, expected):
        for name in STAT_COLUMNS[1:]:
            value = as_number(got[name])
            assert value == (None if want[name] is None else pytest.approx(want[name], rel=1e-12))
    assert dash_duo.get_logs() == []


def test_table_follows_top_k_pins_exclusions_and_order_like_the_charts(dash_duo, database_url):
    filters = view()
    open_page(dash_duo, database_url, {**filters, "top_k": "all"})
    every = api_features(dash_duo.server_url, filters)
    by_size = sorted(every, key=lambda f: (f["impact"] is None, -abs(f["impact"] or 0),
                                           f["feature"]))
    excluded = by_size[0]["feature"]
    pinned = by_size[-1]["feature"]
    expected = sorted({f["feature"] for f in by_size[1:11]} | {pinned})

    load(dash_duo, {**filters, "top_k": 10, "exclude": excluded, "pin": pinned, "sort": "name",
                    "rank": "abs_impact"})
    rows = wait_for_rows(dash_duo, len(expected))
    assert [r["feature"] for r in rows] == expected
    dash_duo.wait_for_contains_text(f"#{ids.TABLE_NOTE}", "hidden by the top-K cut")
    assert "1 excluded" in dash_duo.find_element(f"#{ids.TABLE_NOTE}").text
    assert dash_duo.get_logs() == []


def test_csv_follows_the_order_the_user_sorted_the_grid_in(dash_duo, database_url):
    filters = view()
    open_page(dash_duo, database_url, {**filters, "top_k": 10})
    rows = wait_for_rows(dash_duo, 10)
    header = dash_duo.find_element(f"#{ids.TABLE} .ag-header-cell[col-id='prevalence_pct']")
    header.click()  # ascending
    want = sorted(rows, key=lambda r: r["prevalence_pct"])
    wait_until(lambda: [r["feature"] for r in grid_rows(dash_duo)] == [r["feature"] for r in want],
               timeout=30, message="the grid sorted")

    dash_duo.find_element(f"#{ids.TABLE_CSV_BUTTON}").click()
    exported = downloaded_csv(dash_duo)
    assert [r["feature"] for r in exported] == [r["feature"] for r in want]
    assert dash_duo.get_logs() == []


def test_csv_keeps_full_precision_leaves_nulls_empty_and_defuses_spreadsheet_formulas():
    row = {"feature": '=HYPERLINK("http://x")', "n_with": 3, "n_without": 7,
           "prevalence_pct": 30.0, "ctr_with": 0.1234567890123456, "ctr_without": 0.01,
           "impact": 0.1134567890123456, "ci_low": None, "ci_high": None, "p_value": None,
           "q_value": None}
    plain = dict(row, feature='comma, "quote" and <b>tag</b>')
    [got, got_plain] = list(csv.DictReader(io.StringIO(csv_text([row, plain]))))
    assert got["feature"] == "'" + row["feature"]
    assert got_plain["feature"] == plain["feature"]
    assert float(got["impact"]) == row["impact"] and float(got["ctr_with"]) == row["ctr_with"]
    assert got["n_with"] == "3" and got["ci_low"] == "" and got["q_value"] == ""


def test_csv_file_name_says_what_it_holds_and_is_safe_on_any_file_system():
    name = csv_filename('Büro/"Design"', "spring: hero\\2026", 12, 0.2)
    assert name == "features_Büro-Design_spring-hero-2026_build12_t0.2.csv"
    assert csv_filename("a", "b", None, 0.0) == "features_a_b_current_t0.csv"
