"""What the dashboard's browser tests share: reading figures and text off the page, waiting for
them to settle, and asking the server's own API the same question."""

from __future__ import annotations

from selenium.webdriver.common.action_chains import ActionChains

import time

import requests

from layouts.dashboard.ids import ids

FIGURES = (ids.SCATTER, ids.BAR_WITH, ids.BAR_IMPACT, ids.BAR_WITHOUT)


def figure(dash_duo, graph_id: str) -> dict | None:
    """The figure plotly.js is drawing in dcc.Graph `graph_id` ({"data", "layout"}), or None;
    layout.categories is the x-axis as plotly.js lays it out."""
    return dash_duo.driver.execute_script(
        "var gd = document.querySelector('#' + arguments[0] + ' .js-plotly-plot');"
        "if (!gd || !gd.data) { return null; }"
        "return {data: gd.data.map(function (t) { return {x: Array.from(t.x || []),"
        " y: Array.from(t.y || []), customdata: Array.from(t.customdata || []),"
        " text: t.text ? Array.from(t.text) : null, meta: t.meta === undefined ? null : t.meta,"
        " error_y: t.error_y ? {array: Array.from(t.error_y.array || []),"
        "   arrayminus: Array.from(t.error_y.arrayminus || [])} : null}; }),"
        " layout: {annotations: (gd.layout.annotations || []).map(function (a) {"
        "   return a.text; }),"
        " shapes: (gd.layout.shapes || []).map(function (s) {"
        "   return {type: s.type, name: s.name || null, path: s.path || null,"
        "           x: s.xanchor === undefined ? null : s.xanchor,"
        "           y: s.yanchor === undefined ? null : s.yanchor,"
        "           line: s.line || null}; }),"
        " categories: gd._fullLayout.xaxis ? Array.from(gd._fullLayout.xaxis._categories)"
        "   : null}};", graph_id)


def wait_until(check, timeout: float = 30.0, interval: float = 0.1, message: str = ""):
    """Call `check` until it returns something truthy; return that, or fail after `timeout`."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = check()
        except Exception as exc:  # the page may be mid-render; try again
            last = exc
        else:
            if last:
                return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s: {message} (last: {last!r})")


def element_text(dash_duo, element_id: str) -> str:
    """The element's text as shown, '' while it is not on the page."""
    return dash_duo.driver.execute_script(
        "var el = document.getElementById(arguments[0]); return el ? el.innerText : '';",
        element_id)


def status_text(dash_duo) -> str:
    return element_text(dash_duo, ids.STATUS)


def api_features(base_url: str, **params) -> dict:
    resp = requests.get(base_url.rstrip("/") + "/api/v1/features", params=params, timeout=30)
    resp.raise_for_status()
    return resp.json()


def bar_impact_matches(dash_duo, api: dict) -> bool:
    """The impact bars show exactly the API's features, in its order, with its impacts."""
    fig = figure(dash_duo, ids.BAR_IMPACT)
    if not fig or not fig["data"]:
        return False
    want_x = [f["feature"] for f in api["features"]]
    scale = 100 if api.get("outcome", "ctr") == "ctr" else 1  # CTR impact in percentage points
    want_y = [None if f["impact"] is None else f["impact"] * scale for f in api["features"]]
    got = fig["data"][0]
    return got["x"] == want_x and _close(got["y"], want_y, tol=1e-9)


def _close(a: list, b: list, tol: float = 1e-12) -> bool:
    if len(a) != len(b):
        return False
    for u, v in zip(a, b):
        if (u is None) != (v is None):
            return False
        if u is not None and abs(u - v) > tol:
            return False
    return True


def dash_requests(dash_duo) -> int:
    """How many callback requests the page has sent so far (resource timing entries)."""
    return dash_duo.driver.execute_script(
        "performance.setResourceTimingBufferSize(100000);"
        "return performance.getEntriesByType('resource').filter(function (e) {"
        " return e.name.indexOf('_dash-update-component') !== -1; }).length;")


def move_mouse_to(driver, element, x: float, y: float, width: float, height: float) -> None:
    """Move the real mouse to (x, y) px from the element's top-left corner. Selenium measures
    the offset from the top-left before 4.3 and from the centre since."""
    from selenium import __version__ as selenium_version

    major, minor = (int(p) for p in selenium_version.split(".")[:2])
    if (major, minor) >= (4, 3):
        x, y = x - width / 2, y - height / 2
    ActionChains(driver).move_to_element_with_offset(element, int(x), int(y)).perform()


def click_point(dash_duo, image: int, timeout: float = 30.0) -> None:
    """Click, with the real mouse, a point of image number `image` (its index in the build) on
    the WebGL scatter, once the chart has stopped moving; waits for the detail panel to open."""
    from selenium.common.exceptions import TimeoutException

    graph = dash_duo.wait_for_element(f"#{ids.SCATTER} .js-plotly-plot", timeout=timeout)
    dash_duo.driver.execute_script("document.documentElement.style.scrollBehavior = 'auto';"
                                   "arguments[0].scrollIntoView({block: 'start'})", graph)
    deadline = time.monotonic() + timeout
    last = None
    while True:
        assert time.monotonic() < deadline, f"could not click a point of image {image}"
        where = dash_duo.driver.execute_script("""
            const gd = arguments[0], t = gd._fullData && gd._fullData[0];
            if (!t || !t.customdata) { return null; }
            const j = Array.from(t.customdata).indexOf(arguments[1]);
            if (j < 0) { return null; }
            const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
            const box = gd.getBoundingClientRect();
            return [Math.round(box.left + xa._offset + xa.c2p(xa.d2c(t.x[j]))),
                    Math.round(box.top + ya._offset + ya.c2p(t.y[j]))];""", graph, image)
        if where is None or where != last:
            last = where
            time.sleep(0.3)
            continue
        actions = ActionChains(dash_duo.driver)
        actions.w3c_actions.pointer_action.move_to_location(*where)
        actions.w3c_actions.pointer_action.click()
        actions.perform()
        try:
            dash_duo.wait_for_element(".image-detail.offcanvas.show", timeout=3)
            break
        except TimeoutException:
            last = None  # the chart moved under the mouse: look again
    dash_duo.wait_for_element(".image-detail.offcanvas.show:not(.offcanvas-toggling)")
