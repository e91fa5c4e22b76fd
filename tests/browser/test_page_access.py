"""Access in a real browser: a signed embed link shows one dataset with its locked filters and
no selectors or navigation, and the whole dashboard works under the Content-Security-Policy
(charts drawn, hover line drawn, no policy violation, no console error)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlparse

from selenium.webdriver.common.by import By

from data.demo import DEMO_BUSINESS, DEMO_IMAGE_SOURCE
from data.people.embed import sign_embed
from layouts.dashboard.ids import ids
from layouts.shell import shell_ids
from tests.browser.dashboard import (api_features, bar_impact_matches, figure, move_mouse_to,
                                     wait_until)
from tests.support.datasets import store_small_dataset

SECRET = "browser-embed-secret-" + "z" * 20

# Collects every CSP violation from the first script of each document on.
RECORD_VIOLATIONS = ("window.__cspViolations = [];"
                     "document.addEventListener('securitypolicyviolation', function (e) {"
                     " window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI +"
                     " ' ' + e.sourceFile + ':' + e.lineNumber); });")


def test_a_signed_embed_link_shows_its_one_dataset_without_selectors_or_navigation(
        dash_duo, dashboard_app, page_port):
    app = dashboard_app(live_poll_ms=600_000, embed_secret=SECRET)
    store_small_dataset(app.server.extensions["image_dashboard"].store, "Other Business", "pics")
    dash_duo.start_server(app, navigate=False, port=page_port)
    token = sign_embed(SECRET, DEMO_BUSINESS, DEMO_IMAGE_SOURCE, 10, {"threshold": 0.2})
    # The URL asks for another business and threshold: the token decides both.
    query = {"business": "Other Business", "image_source": "pics", "threshold": 0.9,
             "top_k": "all", "embed": token}
    dash_duo.wait_for_page(url=dash_duo.server.url + "/?" + urlencode(query))
    api = api_features(dash_duo.server.url, business=DEMO_BUSINESS,
                       image_source=DEMO_IMAGE_SOURCE, threshold=0.2)
    wait_until(lambda: bar_impact_matches(dash_duo, api), timeout=30,
               message="the embed's dataset at its locked threshold")
    driver = dash_duo.driver
    assert driver.find_elements(By.ID, shell_ids.NAV) == []
    assert driver.find_elements(By.ID, shell_ids.WHO) == []
    assert not driver.find_element(By.ID, ids.HEADER).is_displayed()
    assert not driver.find_element(By.ID, ids.SELECTORS_PANEL).is_displayed()
    assert driver.find_element(By.ID, ids.SCATTER).is_displayed()
    slider = driver.find_element(By.CSS_SELECTOR, f"#{ids.CONFIDENCE} [role=slider]")
    assert slider.get_attribute("data-disabled") is not None  # the locked threshold
    assert slider.get_attribute("aria-valuenow") == "0.2"
    wait_until(lambda: parse_qs(urlparse(driver.current_url).query).get("business")
               == [DEMO_BUSINESS], message="the URL follows the embed's dataset")
    assert parse_qs(urlparse(driver.current_url).query)["embed"] == [token]
    assert dash_duo.get_logs() == []


def test_the_dashboard_works_under_the_content_security_policy(dash_duo, dashboard_app,
                                                                page_port):
    app = dashboard_app(live_poll_ms=600_000)
    dash_duo.start_server(app, navigate=False, port=page_port)
    driver = dash_duo.driver
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": RECORD_VIOLATIONS})
    query = urlencode({"business": DEMO_BUSINESS, "image_source": DEMO_IMAGE_SOURCE,
                       "threshold": 0.2, "min_pct": 5, "top_k": 10})
    dash_duo.wait_for_page(url=f"{dash_duo.server.url}/?{query}")
    wait_until(lambda: len(figure(dash_duo, ids.SCATTER)["data"][0]["x"]) > 50,
               timeout=30, message="scatter drawn")
    plot = dash_duo.find_element(f"#{ids.SCATTER} .js-plotly-plot")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});",
                          plot)
    wait_until(lambda: not dash_duo.redux_state_is_loading, message="initial callbacks done")
    # Hover the scatter's markers one after another until the hover line is drawn (plotly's
    # WebGL picking is what needs 'unsafe-eval').
    points = driver.execute_script(
        "var gd = arguments[0], xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis,"
        " t = gd.data[0], box = gd.getBoundingClientRect(), out = [];"
        "for (var i = 0; i < t.x.length; i += 7) {"
        " out.push([xa._offset + xa.d2p(t.x[i]), ya._offset + ya.d2p(t.y[i])]); }"
        "return {points: out, width: box.width, height: box.height};", plot)

    def hovered() -> bool:
        x, y = points["points"][hovered.next % len(points["points"])]
        hovered.next += 1
        move_mouse_to(driver, plot, x, y, points["width"], points["height"])
        return bool(figure(dash_duo, ids.SCATTER)["layout"]["shapes"])

    hovered.next = 0
    wait_until(hovered, timeout=30, interval=0.3, message="the hover line drawn")
    assert driver.execute_script("return window.__cspViolations") == []
    assert dash_duo.get_logs() == []
