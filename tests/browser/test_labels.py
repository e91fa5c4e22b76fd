"""Label fixes and the threshold advisor in a real browser (docs/api.md, "Label fixes and thresholds"): a fix made in the image
panel is kept with the person's name, survives a new build and changes the statistics when
"Apply label fixes" is on; the advisor's numbers at a threshold are the API's; the new pages pass
axe-core."""

from __future__ import annotations

from urllib.parse import urlencode

import requests
from selenium.webdriver.common.keys import Keys

from app import create_app
from config import Settings
from layouts.dashboard.ids import ids
from layouts.shell import shell_ids
from layouts.thresholds import ids as advisor_ids
from tests.browser.accessibility import severe_violations
from tests.browser.dashboard import (api_features, bar_impact_matches, click_point,
                                     status_text, wait_until)
from tests.support.ports import free_port

BUSINESS = "Fix & Co"
SOURCE = "covers/2026"
IDENT = {"business": BUSINESS, "image_source": SOURCE}
# image -> (features, ctr); image names sort in this order (a build's images are sorted)
IMAGES = {
    "a.png": ({"text": 0.92, "sky": 0.4}, 0.010),
    "b.png": ({"text": 0.61}, 0.031),
    "c.png": ({"text": 0.75, "sky": 0.8}, 0.012),
    "d.png": ({"sky": 0.3}, 0.020),
    "e.png": ({"text": 0.88}, 0.014),
    "f.png": ({"sky": 0.95, "text": 0.58}, 0.028),
}
GRID_INTERNALS = (".ag-full-width-container", ".ag-pinned-left-sticky-top",
                  ".ag-sticky-top-viewport", ".ag-sticky-top-full-width-container")


def api(base_url: str, method: str, route: str, params: dict | None = None,
        **kwargs) -> requests.Response:
    resp = requests.request(method, base_url.rstrip("/") + "/api/v1/" + route,
                            params={**IDENT, **(params or {})}, timeout=30, **kwargs)
    assert resp.status_code in (200, 201), resp.text
    return resp


def start(dash_duo, database_url: str, path: str = "", **query) -> str:
    dash_duo.start_server(create_app(Settings(database_url=database_url, load_demo=False,
                                              live_poll_ms=1000)), port=free_port())
    base = dash_duo.server_url
    api(base, "PUT", "features", json={n: f for n, (f, _) in IMAGES.items()})
    api(base, "PUT", "metrics", json={n: {"ctr": y} for n, (_, y) in IMAGES.items()})
    dash_duo.wait_for_page(base + "/" + path + "?" + urlencode({**IDENT, **query}))
    return base


def say_my_name(dash_duo, name: str) -> None:
    field = dash_duo.wait_for_element(f"#{shell_ids.WHO_NAME}")
    field.send_keys(name)
    field.send_keys(Keys.ENTER)
    dash_duo.wait_for_contains_text(f"#{shell_ids.WHO_NOTE}", name, timeout=30)


def test_a_fix_in_the_panel_keeps_the_name_survives_a_new_build_and_counts_when_applied(
        dash_duo, database_url):
    base = start(dash_duo, database_url, threshold=0.5)
    wait_until(lambda: "images: 6" in status_text(dash_duo), timeout=30, message="first render")

    # Without a name nothing is stored.
    click_point(dash_duo, 1)  # b.png: text 0.61, its only feature
    dash_duo.wait_for_contains_text(f"#{ids.DETAIL_BODY} .image-detail-name", "b.png")
    wait_until(lambda: dash_duo.find_element(f"#{ids.FIX_FEATURE}").text.strip() == "text",
               message="the panel offers the image's own feature first")
    dash_duo.find_element(f"#{ids.FIX_ABSENT}").click()
    dash_duo.wait_for_contains_text(f"#{ids.FIX_RESULT}", "Type your name in the bar", timeout=30)
    assert api(base, "GET", "fixes").json()["count"] == 0
    dash_duo.find_element(".image-detail .btn-close").click()
    dash_duo.wait_for_no_elements(".image-detail.offcanvas.show")

    say_my_name(dash_duo, "Ana Lýsa")
    click_point(dash_duo, 1)
    dash_duo.wait_for_contains_text(f"#{ids.DETAIL_BODY} .image-detail-name", "b.png")
    dash_duo.find_element(f"#{ids.FIX_NOTE}").send_keys("only a logo")
    dash_duo.find_element(f"#{ids.FIX_ABSENT}").click()
    dash_duo.wait_for_contains_text(f"#{ids.FIX_RESULT}", "Saved", timeout=30)
    dash_duo.wait_for_contains_text(f"#{ids.DETAIL_FIXES}", "Ana Lýsa")
    history = dash_duo.find_element(f"#{ids.DETAIL_HISTORY} details")
    history.find_element("css selector", "summary").click()  # the history, on demand
    wait_until(lambda: "only a logo" in history.text and "Ana Lýsa" in history.text,
               message="the history lists the fix with the name and the note")
    (fix,) = api(base, "GET", "fixes").json()["fixes"]
    assert (fix["image"], fix["feature"], fix["present"], fix["by"], fix["model_value"]) == \
        ("b.png", "text", False, "Ana Lýsa", 0.61)
    dash_duo.find_element(".image-detail .btn-close").click()
    dash_duo.wait_for_no_elements(".image-detail.offcanvas.show")

    # "Apply label fixes": the figures and the status follow the API's fixed statistics.
    dash_duo.find_element(f"label[for='{ids.APPLY_FIXES}']").click()
    wait_until(lambda: "apply_fixes=1" in dash_duo.driver.current_url, message="URL follows")
    wait_until(lambda: "fixes changed 1 value" in status_text(dash_duo),
               message="the status says what the fixes changed")
    applied = api_features(base, **IDENT, threshold=0.5, apply_fixes=1)
    plain = api_features(base, **IDENT, threshold=0.5)
    assert applied["features"] != plain["features"]
    wait_until(lambda: bar_impact_matches(dash_duo, applied), message="bars = fixed stats")

    # A new build: the fix is kept by image name and still applies.
    new = {n: {k: round(v * 0.99, 4) for k, v in f.items()} for n, (f, _) in IMAGES.items()}
    assert api(base, "PUT", "features", json=new).json()["build"] == 2
    wait_until(lambda: "#2" in status_text(dash_duo), timeout=30, message="new build on screen")
    after = api_features(base, **IDENT, threshold=0.5, apply_fixes=1)
    assert after["build"] == 2 and after["fixes_applied"] == 1 and after["fixes_changed"] == 1
    wait_until(lambda: bar_impact_matches(dash_duo, after), message="bars = fixed stats, build 2")
    # b.png's only feature is fixed absent, so it has no point while fixes apply: switch off.
    dash_duo.find_element(f"label[for='{ids.APPLY_FIXES}']").click()
    wait_until(lambda: "apply_fixes" not in dash_duo.driver.current_url, message="switched off")
    click_point(dash_duo, 1)
    dash_duo.wait_for_contains_text(f"#{ids.DETAIL_FIXES}", "Ana Lýsa")
    assert "0.6039" in dash_duo.find_element(f"#{ids.DETAIL_FIXES}").text  # the new model value
    # The panel's new markup (the feature table, under the open panel, is checked by
    # tests/browser/test_accessibility.py with the panel closed).
    assert severe_violations(dash_duo.driver, exclude=(f"#{ids.TABLE}",) + GRID_INTERNALS) == []


def test_the_advisors_numbers_at_a_threshold_are_the_apis(dash_duo, database_url):
    base = start(dash_duo, database_url)
    api(base, "PUT", "fixes", json=[
        {"image": "a.png", "feature": "text", "present": True},
        {"image": "b.png", "feature": "text", "present": False},
        {"image": "c.png", "feature": "text", "present": True},
        {"image": "d.png", "feature": "text", "present": True},
        {"image": "e.png", "feature": "text", "present": True},
        {"image": "f.png", "feature": "text", "present": False}])
    dash_duo.wait_for_page(base + "/thresholds?" + urlencode({**IDENT, "feature": "text"}))
    want = api(base, "GET", "thresholds", params={"feature": "text"}).json()
    assert want["suggested"] == 0.75
    field = dash_duo.wait_for_element(f"#{advisor_ids.THRESHOLD}", timeout=30)
    wait_until(lambda: field.get_attribute("value") == "0.75",
               message="the threshold starts at the suggestion")
    for point in want["points"]:
        field.clear()
        field.send_keys(str(point["threshold"]), Keys.TAB)

        def shown():
            # All cells in one read: the table may be re-rendered between two reads.
            cells = dash_duo.driver.execute_script(
                "var out = {}; arguments[0].forEach(function (name) {"
                " var el = document.querySelector('.advisor-' + name);"
                " out[name] = el ? el.textContent : null; }); return out;",
                ["true_positive", "false_positive", "predicted", "precision"])
            return cells if cells["predicted"] == f"{point['predicted']:,}" else None

        cells = wait_until(shown, message=f"the counts at {point['threshold']}")
        assert cells["true_positive"] == str(point["true_positive"])
        assert cells["false_positive"] == str(point["predicted"] - point["true_positive"])
        precision = "—" if point["precision"] is None else f"{point['precision']:.1%}"
        assert cells["precision"] == precision
    # A threshold above every labelled value is flagged.
    field.clear()
    field.send_keys("7.5", Keys.TAB)
    dash_duo.wait_for_contains_text(f"#{advisor_ids.RANGE_NOTE}", "Out of range")
    assert dash_duo.get_logs() == []


def test_the_fixes_and_thresholds_pages_have_no_severe_axe_violations(dash_duo, database_url):
    base = start(dash_duo, database_url, path="fixes")
    api(base, "PUT", "fixes", json=[{"image": "a.png", "feature": "text", "present": False,
                                     "note": "logo"}])
    dash_duo.wait_for_page(base + "/fixes?" + urlencode(IDENT))
    dash_duo.wait_for_element(".fixes-table .ag-row", timeout=30)
    assert severe_violations(dash_duo.driver, exclude=GRID_INTERNALS) == []
    dash_duo.wait_for_page(base + "/thresholds?" + urlencode(IDENT))
    dash_duo.wait_for_element(".advisor-confusion", timeout=30)
    assert severe_violations(dash_duo.driver) == []
