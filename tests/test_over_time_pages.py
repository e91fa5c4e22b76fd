"""The builds-over-time pages without a browser: each layout builds, and the pure content
(figures/quality.py, compare_builds.py, history.py, builds.py; data/domain/links.py) says what
the API says."""

from __future__ import annotations

import csv
import io

import pytest

from app import create_app
from data.domain.links import COMPARE_PAGE, HISTORY_PAGE, QUALITY_PAGE, href, parse
from figures import compare_builds, history, quality
from figures.builds import alarm_text, build_options, build_text, pick_source
from pages import PAGES


@pytest.fixture
def services(settings):
    app = create_app(settings)
    return app.server.extensions["image_dashboard"]


def test_every_page_lays_out_on_an_empty_server(services):
    for page in PAGES:
        assert page.layout(services) is not None
    assert {p.path for p in PAGES} >= {QUALITY_PAGE, COMPARE_PAGE, HISTORY_PAGE}


def test_links_round_trip_through_the_url():
    url = href("/tools/", HISTORY_PAGE, business="A & B", image_source="x/y", feature="red",
               threshold=0.25, metrics=3, build=None)
    assert url.startswith("/tools/history?business=A+%26+B&image_source=x%2Fy&feature=red")
    asked = parse(url.split("?", 1)[1])
    assert (asked["business"], asked["image_source"], asked["feature"]) == ("A & B", "x/y", "red")
    assert (asked["threshold"], asked["metrics"], asked["build"]) == (0.25, 3, None)
    assert parse("?min_pct=80&max_pct=20&threshold=-1&build_a=x") | {} == {
        **parse(""), "min_pct": 20.0, "max_pct": 80.0}


def test_a_build_is_named_with_its_alarms():
    b = {"id": 5, "build_label": "42", "received_at": "2026-01-02T03:04:05Z",
         "alarms": ["empty_images", "images_dropped"], "is_current": True}
    assert build_text(b) == "#5 · Build-Id 42 · 2026-01-02 03:04:05 UTC · ⚠ 2 alarms"
    assert alarm_text(["x"]) == "⚠ 1 alarm" and alarm_text([]) == alarm_text(None) == ""
    assert build_options([b])[0]["label"].endswith("⚠ 2 alarms (current)")
    assert "⚠" not in build_text({**b, "alarms": []})


def test_pick_source_prefers_real_data_with_a_build():
    datasets = [
        {"business": "Demo", "is_demo": True,
         "image_sources": [{"image_source": "d", "current_build": 1, "builds": []}]},
        {"business": "Empty", "is_demo": False, "image_sources": []},
        {"business": "Real", "is_demo": False,
         "image_sources": [{"image_source": "none", "current_build": None},
                           {"image_source": "r", "current_build": 2}]},
    ]
    assert pick_source(datasets, None, None)[:2] == ("Real", "r")
    assert pick_source(datasets, "Demo", "nope")[:2] == ("Demo", "d")
    assert pick_source([], None, None) == (None, None, None)


QUALITY = {"build": 7, "build_label": "42", "previous_build": 6, "stored": True,
           "checked_at": "2026-01-02T03:04:05Z", "alarms": ["empty_images"],
           "checks": [{"check": "empty_images", "value": 0.6, "limit": 0.2, "status": "alarm",
                       "message": "60.0% of images ..."},
                      {"check": "prevalence_shift", "value": 3.25, "limit": 20.0,
                       "status": "ok", "message": "No feature ..."},
                      {"check": "images_dropped", "value": None, "limit": 0.3, "status": "ok",
                       "message": "First build"}]}


def test_quality_rows_say_value_limit_status_and_what_to_do():
    rows = quality.check_rows(QUALITY)
    assert [(r["check"], r["value"], r["limit"], r["alarm"]) for r in rows] == [
        ("empty_images", "60.0%", "20.0%", True), ("prevalence_shift", "3.2 pp", "20.0 pp", False),
        ("images_dropped", "—", "30.0%", False)]
    assert all(r["meaning"] for r in rows)
    s = quality.summary(QUALITY)
    assert s["alarm"] and "⚠ 1 alarm (empty_images)" in s["text"]
    assert "against build #6" in s["note"]
    later = quality.summary({**QUALITY, "stored": False, "alarms": [], "checked_at": None,
                             "previous_build": None})
    assert not later["alarm"] and "stored before quality checks existed" in later["note"]


COMPARE = {"build_a": 1, "build_b": 2, "images_added": 3, "images_removed": 4,
           "images_changed": 5, "features": [
               {"feature": "=red", "prevalence_pct_a": 10.0, "prevalence_pct_b": 20.0,
                "impact_a": 0.01, "impact_b": -0.02, "impact_delta": -0.03, "n_with_a": 5,
                "n_with_b": 9},
               {"feature": "dog", "prevalence_pct_a": None, "prevalence_pct_b": 5.0,
                "impact_a": None, "impact_b": 0.005, "impact_delta": None, "n_with_a": None,
                "n_with_b": 2}]}


def test_compare_chart_and_csv_carry_the_api_rows():
    fig = compare_builds.impact_figure(COMPARE)
    points = fig["data"][1]
    assert (points["x"], points["y"]) == ([0.01], [-0.02])  # features with both impacts
    assert points["customdata"][0][0] == "=red" and "%{customdata[0]}" in points["hovertemplate"]
    diagonal = fig["data"][0]
    assert diagonal["x"] == diagonal["y"]
    s = compare_builds.summary(COMPARE)
    assert (s["added"], s["removed"], s["changed"], s["in_both"], s["only_b"]) == (3, 4, 5, 1, 1)
    table = compare_builds.table_rows(COMPARE)
    assert [r["prevalence_delta"] for r in table] == [10.0, None]
    rows = list(csv.DictReader(io.StringIO(compare_builds.csv_text(table))))
    assert rows[0]["feature"] == "'=red" and rows[0]["impact_delta"] == "-0.03"
    assert rows[0]["prevalence_delta"] == "10.0"
    assert rows[1]["impact_a"] == "" and rows[1]["n_with_b"] == "2"
    assert [c["field"] for c in compare_builds.column_defs()][0] == "feature"


def test_history_charts_follow_the_builds_oldest_first():
    row = {"build_label": None, "received_at": "2026-01-01T00:00:00Z", "alarms": None,
           "in_build": True, "images": 10, "images_without_ctr": 0, "n_without": 5,
           "ctr_with": 0.1, "ctr_without": 0.05, "p_value": 0.01, "q_value": 0.02}
    body = {"feature": "red", "builds": [
        {**row, "build": 1, "impact": 0.05, "ci_low": 0.01, "ci_high": 0.09, "n_with": 5,
         "prevalence_pct": 50.0},
        {**row, "build": 2, "alarms": ["empty_images"], "impact": None, "ci_low": None,
         "ci_high": None, "n_with": 0, "prevalence_pct": 0.0, "in_build": False}]}
    impact = history.impact_figure(body)["data"][0]
    assert impact["x"] == ["#1", "#2 ⚠"] and impact["y"] == [0.05, None]
    assert impact["error_y"]["array"][0] == pytest.approx(0.04)
    assert history.prevalence_figure(body)["data"][0]["y"] == [50.0, 0.0]
    rows = history.table_rows(body)
    assert rows[0]["build"] == "#2" and rows[0]["quality"] == "⚠ 1 alarm"
    assert rows[1]["interval"] == "+1.00% to +9.00%"


def _text(component) -> str:
    """The text of a Dash component tree."""
    if isinstance(component, (str, int, float)):
        return str(component)
    if isinstance(component, (list, tuple)):
        return "".join(_text(c) for c in component)
    return _text(getattr(component, "children", "") or "")


def test_the_status_line_says_which_metrics_delivery_and_links_to_the_pinned_view():
    from layouts.dashboard.charts import metrics_item, quality_item

    s = {"business": "B", "image_source": "S", "build_id": 4, "alarms": ["empty_images"],
         "delivery": {"id": 2, "received_at": "2026-01-02T03:04:05Z", "rows": 1200,
                      "who": "jenkins"}, "latest_delivery_id": 3, "metrics_pinned": True}
    assert _text(metrics_item(s)) == (
        "metrics: delivery 2 (pinned; delivery 3 is newer) · 1,200 rows · 2026-01-02 03:04:05Z"
        " by jenkins")
    assert "(latest)" in _text(metrics_item({**s, "latest_delivery_id": 2,
                                             "metrics_pinned": False}))
    assert _text(metrics_item({**s, "delivery": None})) == "metrics: none yet"
    item = quality_item(s, "/p/")
    assert _text(item) == "quality: ⚠ 1 alarm (empty_images)"
    assert item.children[1].href == "/p/quality?business=B&image_source=S&build=4"
    assert _text(quality_item({**s, "alarms": []}, "/")) == "quality: ok"


def test_the_pinned_link_carries_the_build_and_the_delivery(services):
    from figures.dashboard.view import render_view
    from tests.support.datasets import dataset
    from dataclasses import replace
    from data.domain.dataset import DeliveryInfo

    ds = dataset({"a": {"red": 0.5}, "b": {"red": 0.1}, "c": {}}, {"a": 0.1, "b": 0.2, "c": 0.3})
    ds = replace(ds, delivery=DeliveryInfo(5, "2026-01-01T00:00:00Z", 3, "cli"),
                 latest_delivery_id=6)
    status = render_view(ds, {"business": "Biz", "image_source": "src", "threshold": 0.2})["status"]
    assert status["permalink_query"].startswith("?business=Biz&image_source=src&build=7&metrics=5")
    assert status["delivery"]["id"] == 5 and status["latest_delivery_id"] == 6
