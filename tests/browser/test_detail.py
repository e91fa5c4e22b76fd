"""Image detail in a real browser: a click on a scatter point opens the image's panel; names are
text; the picture falls back to a placeholder."""

from __future__ import annotations

from urllib.parse import quote, urlencode

import requests
from selenium.common.exceptions import NoAlertPresentException

from app import create_app
from config import Settings
from figures.dashboard.detail import picture_url
from layouts.dashboard.ids import ids
from tests.browser.dashboard import click_point, wait_until
from tests.support.ports import free_port

BUSINESS = "Büro <Design> & Co"
SOURCE = "spring/2026 \"hero\""
EVIL = "<img src=x onerror=alert(1)>"
EVIL_FEATURE = "<img src=y onerror=alert(2)>"
# image -> (features, impressions, clicks)
IMAGES = {
    EVIL: ({"<b>bold</b>": 0.91, "red": 0.35, "dog": 0.05}, 2000, 37),
    "a.png": ({"red": 0.5, EVIL_FEATURE: 0.6}, 1000, 10),
    "b.png": ({"dog": 0.7, EVIL_FEATURE: 0.8}, 1500, 30),
    "c.png": ({"red": 0.25, "<b>bold</b>": 0.4}, 800, 4),
}


def put(base_url: str, route: str, body) -> requests.Response:
    resp = requests.put(base_url.rstrip("/") + "/api/v1/" + route, json=body, timeout=30,
                        params={"business": BUSINESS, "image_source": SOURCE})
    assert resp.status_code in (200, 201), resp.text
    return resp


def load(base_url: str, url_template: str | None = None) -> None:
    put(base_url, "features", {name: feats for name, (feats, _, _) in IMAGES.items()})
    put(base_url, "metrics", {name: {"impressions": imp, "clicks": clk}
                              for name, (_, imp, clk) in IMAGES.items()})
    if url_template is not None:
        put(base_url, "image-source", {"url_template": url_template})


def open_page(dash_duo, database_url: str, url_template: str | None = None) -> None:
    """The real page (no demo) showing this test's dataset, loaded through the API."""
    dash_duo.start_server(create_app(Settings(database_url=database_url, load_demo=False)),
                          port=free_port())
    load(dash_duo.server_url, url_template)
    dash_duo.wait_for_page(dash_duo.server_url + "?" + urlencode(
        {"business": BUSINESS, "image_source": SOURCE, "threshold": 0.3}))
    # Bootstrap scrolls smoothly; Selenium clicks where an element is before the scroll ends.
    dash_duo.driver.execute_script("document.documentElement.style.scrollBehavior = 'auto'")


def click_image(dash_duo, name: str) -> None:
    """Click, with the mouse, a point of image `name` on the WebGL scatter (a build's image
    names are sorted, so its index is its place among IMAGES); waits for the panel."""
    click_point(dash_duo, sorted(IMAGES).index(name))
    dash_duo.wait_for_element(f"#{ids.DETAIL_BODY} .image-detail-name")


def close_panel(dash_duo) -> None:
    dash_duo.find_element(".image-detail .btn-close").click()
    dash_duo.wait_for_no_elements(".image-detail.offcanvas.show")


def console_errors(dash_duo, allowed: str | None = None) -> list[dict]:
    """Console errors, less those that mention `allowed` (the browser's own report of a
    picture that is not there)."""
    return [e for e in dash_duo.get_logs() or []
            if allowed is None or allowed not in e["message"]]


def test_clicking_a_point_shows_that_images_outcome_and_features_as_text(dash_duo, database_url):
    open_page(dash_duo, database_url)

    click_image(dash_duo, EVIL)
    dash_duo.wait_for_text_to_equal(f"#{ids.DETAIL_BODY} .image-detail-name", EVIL)
    body = dash_duo.find_element(f"#{ids.DETAIL_BODY}")
    assert body.find_element("css selector", ".image-detail-ctr").text == "1.8500%"
    assert body.find_element("css selector", ".image-detail-impressions").text == "2,000"
    assert body.find_element("css selector", ".image-detail-clicks").text == "37"
    rows = [[td.text for td in tr.find_elements("css selector", "td")]
            for tr in body.find_elements("css selector", ".image-detail-features tbody tr")]
    assert rows == [["<b>bold</b>", "0.91", "yes"], ["red", "0.35", "yes"], ["dog", "0.05", ""]]
    # The names are text: no element came from them and nothing ran.
    assert dash_duo.driver.find_elements("css selector", "img[src='x'], img[src='y'], b") == []
    table_text = dash_duo.find_element(f"#{ids.TABLE}").get_attribute("textContent")
    assert "<b>bold</b>" in table_text and EVIL_FEATURE in table_text
    try:
        dash_duo.driver.switch_to.alert
        raise AssertionError("an alert ran")
    except NoAlertPresentException:
        pass
    # Without a URL template the placeholder says why.
    assert "no URL template" in body.find_element("css selector", ".image-detail-placeholder").text
    assert body.find_elements("css selector", "img") == []

    # The same point again, after closing, opens the panel again.
    close_panel(dash_duo)
    click_image(dash_duo, EVIL)
    dash_duo.wait_for_text_to_equal(f"#{ids.DETAIL_BODY} .image-detail-name", EVIL)

    close_panel(dash_duo)
    click_image(dash_duo, "b.png")
    dash_duo.wait_for_text_to_equal(f"#{ids.DETAIL_BODY} .image-detail-name", "b.png")
    assert dash_duo.find_element(".image-detail-ctr").text == "2.0000%"
    assert console_errors(dash_duo) == []


def test_picture_comes_from_the_url_template_with_the_quoted_name(dash_duo, database_url):
    # The app's favicon is a real picture at a URL that ignores the query string.
    open_page(dash_duo, database_url, "/_favicon.ico?image={name}")

    click_image(dash_duo, EVIL)
    img = dash_duo.wait_for_element(f"#{ids.DETAIL_BODY} img.image-detail-img")
    assert img.get_attribute("src").endswith("/_favicon.ico?image=" + quote(EVIL, safe=""))
    wait_until(lambda: dash_duo.driver.execute_script("return arguments[0].complete", img),
               message="the picture loaded")
    assert dash_duo.driver.execute_script("return arguments[0].naturalWidth", img) > 0
    assert img.is_displayed()
    assert dash_duo.find_elements(".image-detail-failed") == []
    assert console_errors(dash_duo) == []


def test_picture_that_fails_to_load_gives_way_to_the_placeholder(dash_duo, database_url):
    open_page(dash_duo, database_url, "/no-such-pictures/{name}.png")

    click_image(dash_duo, "a.png")
    dash_duo.wait_for_element(f"#{ids.DETAIL_BODY} .image-detail-picture.image-detail-failed")
    placeholder = dash_duo.find_element(".image-detail-placeholder")
    assert placeholder.is_displayed()
    assert "could not be loaded" in placeholder.text
    assert not dash_duo.find_element("img.image-detail-img").is_displayed()

    # The next image starts afresh: its own (also missing) picture, its own failure mark.
    close_panel(dash_duo)
    click_image(dash_duo, "c.png")
    dash_duo.wait_for_text_to_equal(f"#{ids.DETAIL_BODY} .image-detail-name", "c.png")
    dash_duo.wait_for_element(f"#{ids.DETAIL_BODY} .image-detail-picture.image-detail-failed")
    # The browser reports the 404s themselves; nothing else may appear.
    assert console_errors(dash_duo, allowed="/no-such-pictures/") == []


def test_picture_url_quotes_the_name_and_accepts_only_http_or_site_paths():
    assert picture_url("https://cdn.example.com/x/{name}.png", "a b/c?#") == \
        "https://cdn.example.com/x/a%20b%2Fc%3F%23.png"
    assert picture_url("/pictures/{name}", EVIL) == "/pictures/" + quote(EVIL, safe="")
    assert picture_url(None, "a.png") is None
    assert picture_url("https://cdn.example.com/fixed.png", "a.png") is None
    for template in ("javascript:alert(1)//{name}", "data:image/svg+xml,{name}",
                     " javascript:{name}", "JAVASCRIPT:{name}"):
        assert picture_url(template, "a.png") is None
