"""The dashboard passes axe-core: no critical or serious violation of our own markup (a `lang`,
labelled controls, landmarks), and its controls work from the keyboard alone."""

from __future__ import annotations

from selenium.webdriver.common.keys import Keys

from layouts.dashboard.ids import ids
from tests.browser.accessibility import severe_violations
from tests.browser.dashboard import wait_until

# AG Grid's own containers (role=rowgroup without rows while empty): not our markup.
GRID_INTERNALS = (".ag-full-width-container", ".ag-pinned-left-sticky-top",
                  ".ag-sticky-top-viewport", ".ag-sticky-top-full-width-container")


def test_the_dashboard_has_no_severe_axe_violations(dash_duo, dashboard_app, page_port):
    dash_duo.start_server(dashboard_app(), port=page_port)
    dash_duo.wait_for_element(f"#{ids.SCATTER} .js-plotly-plot", timeout=30)
    dash_duo.wait_for_element(f"#{ids.TABLE} .ag-row", timeout=30)
    assert dash_duo.driver.execute_script("return document.documentElement.lang") == "en"
    assert severe_violations(dash_duo.driver, exclude=GRID_INTERNALS) == []


def test_the_threshold_moves_from_the_keyboard_alone(dash_duo, dashboard_app, page_port):
    dash_duo.start_server(dashboard_app(), port=page_port)
    dash_duo.wait_for_element(f"#{ids.SCATTER} .js-plotly-plot", timeout=30)
    thumb = dash_duo.find_element(f"#{ids.CONFIDENCE} [role=slider]")
    thumb.send_keys(Keys.PAGE_UP)  # focus by keyboard event only, no click
    wait_until(lambda: "threshold=0.1" in dash_duo.driver.current_url,
               message="the URL follows the keyboard-moved threshold")
    wait_until(lambda: "confidence ≥ 0.1" in dash_duo.find_element(f"#{ids.THRESHOLD_NOTE}").text,
               message="the page follows the keyboard-moved threshold")
