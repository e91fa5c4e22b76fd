"""Builds over time in the browser (docs/statistics.md, build quality): a build with quality alarms is marked in the build
selector and the status line and opens the quality page; the compare page shows the compare API's
numbers; a feature's history is one click from the dashboard's table; a new image source appears
in an open page's selectors."""

from __future__ import annotations

from urllib.parse import urlencode

import requests

from data.demo import DEMO_BUSINESS, DEMO_IMAGE_SOURCE, generate_demo
from layouts.compare_builds import ids as compare_ids
from layouts.dashboard.ids import ids
from layouts.history import ids as history_ids
from layouts.quality import ids as quality_ids
from tests.browser.accessibility import severe_violations
from tests.browser.dashboard import figure, status_text, wait_until

DEMO = {"Business": DEMO_BUSINESS, "Image-Source": DEMO_IMAGE_SOURCE}
QUERY = {"business": DEMO_BUSINESS, "image_source": DEMO_IMAGE_SOURCE}
GRID_INTERNALS = (".ag-full-width-container", ".ag-pinned-left-sticky-top",
                  ".ag-sticky-top-viewport", ".ag-sticky-top-full-width-container")


def _put_broken_build(base: str) -> dict:
    """The demo's images again, 60% of them empty: the featurizer failed on them."""
    features, _ = generate_demo(659, seed=7)
    for name in list(features)[: int(0.6 * len(features))]:
        features[name] = {}
    r = requests.put(base + "/api/v1/features", json=features,
                     headers={**DEMO, "Build-Id": "nightly-broken"}, timeout=60)
    assert r.status_code == 201, r.text
    assert "empty_images" in [w["check"] for w in r.json()["warnings"]]
    return r.json()


def _text(dash_duo, css: str) -> str:
    return dash_duo.driver.execute_script(
        "var el = document.querySelector(arguments[0]); return el ? el.innerText : '';", css)


def test_a_build_with_alarms_is_marked_in_the_selector_and_status_and_opens_its_checks(
        dash_duo, dashboard_app, page_port):
    dash_duo.start_server(dashboard_app(), port=page_port)
    base = dash_duo.server_url
    broken = _put_broken_build(base)
    alarms = broken["warnings"]
    dash_duo.wait_for_page(url=f"{base}/?{urlencode(QUERY)}")
    mark = f"⚠ {len(alarms)} alarm"
    wait_until(lambda: mark in status_text(dash_duo), timeout=40,
               message="the alarm in the status line")
    assert "empty_images" in status_text(dash_duo)
    assert f"#{broken['build']}" in status_text(dash_duo)
    wait_until(lambda: mark in _text(dash_duo, f"#{ids.BUILD}"),
               message="the alarm in the build selector's label")

    dash_duo.find_element(".status-quality a").click()  # to the quality page of that build
    wait_until(lambda: "/quality" in dash_duo.driver.current_url, message="quality page")
    row = f"#{quality_ids.CHECKS} tr[data-check=empty_images]"
    wait_until(lambda: "alarm" in _text(dash_duo, row), message="the empty_images row")
    assert "send the build again" in _text(dash_duo, row)
    summary = _text(dash_duo, f"#{quality_ids.SUMMARY}")
    assert f"Build #{broken['build']}" in summary and mark in summary
    assert "ok" in _text(dash_duo, f"#{quality_ids.CHECKS} tr[data-check=value_range]")
    assert severe_violations(dash_duo.driver) == []
    assert dash_duo.get_logs() == []


def test_the_compare_page_shows_the_compare_api_and_a_chart_of_impact_a_against_b(
        dash_duo, dashboard_app, page_port):
    dash_duo.start_server(dashboard_app(), port=page_port)
    base = dash_duo.server_url
    features, _ = generate_demo(600, seed=21)  # another draw: images changed, some removed
    assert requests.put(base + "/api/v1/features", json=features, headers=DEMO).status_code == 201
    params = {**QUERY, "threshold": 0.3, "min_pct": 1, "max_pct": 90}
    api = requests.get(base + "/api/v1/compare", params=params, timeout=30).json()
    dash_duo.wait_for_page(url=f"{base}/compare-builds?{urlencode(params)}")

    wait_until(lambda: f"{api['images_removed']:,} removed" in _text(
        dash_duo, f"#{compare_ids.SUMMARY}"), message="the summary")
    both = [r for r in api["features"] if r["impact_delta"] is not None]
    chart = wait_until(lambda: (f := figure(dash_duo, compare_ids.CHART)) and len(f["data"]) == 2
                       and f, message="the chart")
    points = chart["data"][1]
    assert points["x"] == [r["impact_a"] for r in both]
    assert points["y"] == [r["impact_b"] for r in both]
    assert [c[0] for c in points["customdata"]] == [r["feature"] for r in both]  # hover names it
    rows = wait_until(lambda: dash_duo.driver.execute_script(
        "return document.querySelectorAll(arguments[0]).length;",
        f"#{compare_ids.TABLE} .ag-center-cols-container .ag-row"), message="table rows")
    assert rows > 0
    assert dash_duo.find_element(f"#{compare_ids.THRESHOLD}").get_attribute("value") == "0.3"
    assert severe_violations(dash_duo.driver, exclude=GRID_INTERNALS) == []
    assert dash_duo.get_logs() == []


def test_a_features_history_link_in_the_table_opens_its_history(dash_duo, dashboard_app,
                                                                  page_port):
    dash_duo.start_server(dashboard_app(), port=page_port)
    base = dash_duo.server_url
    features, _ = generate_demo(659, seed=8)
    assert requests.put(base + "/api/v1/features", json=features, headers=DEMO).status_code == 201
    dash_duo.wait_for_page(url=f"{base}/?{urlencode({**QUERY, 'threshold': 0.2})}")
    # Bootstrap scrolls smoothly; Selenium clicks where an element is before the scroll ends.
    dash_duo.driver.execute_script("document.documentElement.style.scrollBehavior = 'auto'")
    link = dash_duo.wait_for_element(f"#{ids.TABLE} .feature-history-link", timeout=30)
    feature = dash_duo.find_element(f"#{ids.TABLE} .ag-row [col-id=feature]").text
    dash_duo.driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", link)
    link.click()
    wait_until(lambda: "/history" in dash_duo.driver.current_url, message="history page")
    api = requests.get(base + "/api/v1/history", params={**QUERY, "feature": feature,
                                                         "threshold": 0.2}, timeout=30).json()
    impact = wait_until(lambda: (f := figure(dash_duo, history_ids.IMPACT)) and f["data"]
                        and f, message="the impact chart")
    assert impact["data"][0]["y"] == [r["impact"] for r in api["builds"]]
    assert len(impact["data"][0]["x"]) == 2
    assert feature in _text(dash_duo, f"#{history_ids.NOTE}")
    assert dash_duo.get_logs() == []


def test_a_new_business_appears_in_the_open_pages_selector(dash_duo, dashboard_app, page_port):
    dash_duo.start_server(dashboard_app(live_poll_ms=500), port=page_port)
    base = dash_duo.server_url
    dash_duo.wait_for_page(url=f"{base}/?{urlencode(QUERY)}")
    wait_until(lambda: "#1" in status_text(dash_duo), timeout=40, message="the demo on screen")
    features, _ = generate_demo(50, seed=3)
    assert requests.put(base + "/api/v1/features", json=features,
                        headers={"Business": "Brand New Co", "Image-Source": "spring"}).ok
    wait_until(lambda: "new business or image source" in dash_duo.find_element(
        f"#{ids.LIVE_NOTICE}").text, message="the notice")
    assert "Brand New Co" not in _text(dash_duo, "body")
    dash_duo.find_element(f"#{ids.BUSINESS}").click()  # the options open (in a popover)
    wait_until(lambda: "Brand New Co" in _text(dash_duo, "body"),
               message="the new business among the options")
    assert DEMO_BUSINESS in _text(dash_duo, f"#{ids.BUSINESS}")  # still on the demo
    assert "#1" in status_text(dash_duo)
    assert dash_duo.get_logs() == []
