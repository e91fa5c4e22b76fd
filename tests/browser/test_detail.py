"""Image detail in a real browser: a click on a scatter point opens the image's panel; names are
text; the picture falls back to a placeholder."""

from __future__ import annotations

import time
from urllib.parse import quote

import requests
from dash import dcc, html
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.action_chains import ActionChains

from app import create_app
from callbacks import detail as detail_callbacks
from config import Settings
from layouts import detail
from layouts.ids import ids

PORT = 8160
BUSINESS = "Büro <Design> & Co"
SOURCE = "spring/2026 \"hero\""
EVIL = "<img src=x onerror=alert(1)>"
# image -> (features, impressions, clicks)
IMAGES = {
    EVIL: ({"<b>bold</b>": 0.91, "red": 0.35, "dog": 0.05}, 2000, 37),
    "a.png": ({"red": 0.5}, 1000, 10),
    "b.png": ({"dog": 0.7}, 1500, 30),
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


def parts_app(database_url: str):
    """The real app with a page of a plain (SVG) scatter whose points carry customdata
    [image index], as the page's scatter does, and the detail panel."""
    app = create_app(Settings(database_url=database_url, load_demo=False))
    services = app.server.extensions["image_dashboard"]
    names = sorted(IMAGES)  # a build's image_names are sorted
    figure = {"data": [{"type": "scatter", "mode": "markers", "x": list(range(len(names))),
                        "y": [1] * len(names), "customdata": [[i] for i in range(len(names))],
                        "marker": {"size": 18}, "hoverinfo": "none"}],
              "layout": {"width": 500, "height": 300, "margin": {"l": 40, "r": 40, "t": 20,
                                                                  "b": 20}}}
    filters = {"business": BUSINESS, "image_source": SOURCE, "build": None, "threshold": 0.3,
               "min_pct": 0, "max_pct": 100}
    app.layout = html.Div([dcc.Store(id=ids.FILTERS, data=filters),
                           dcc.Graph(id=ids.SCATTER, figure=figure), detail.layout()])
    detail_callbacks.register(app, services)
    return app


def click_image(dash_duo, name: str) -> None:
    index = sorted(IMAGES).index(name)
    points = dash_duo.find_elements(f"#{ids.SCATTER} .scatterlayer .points path")
    ActionChains(dash_duo.driver).move_to_element(points[index]).click().perform()
    dash_duo.wait_for_element(f"#{ids.DETAIL_BODY} .image-detail-name")


def console_errors(dash_duo, allowed: str | None = None) -> list[dict]:
    """Console entries, less the CDN stylesheet (no internet here) and an expected message."""
    return [e for e in dash_duo.get_logs() or [] if "cdn.jsdelivr.net" not in e["message"]
            and (allowed is None or allowed not in e["message"])]


def test_clicking_a_point_shows_that_images_outcome_and_features_as_text(dash_duo, database_url):
    app = parts_app(database_url)
    dash_duo.start_server(app, port=PORT)
    load(dash_duo.server_url)
    dash_duo.wait_for_element(f"#{ids.SCATTER} .scatterlayer .points path")

    click_image(dash_duo, EVIL)
    dash_duo.wait_for_text_to_equal(f"#{ids.DETAIL_BODY} .image-detail-name", EVIL)
    body = dash_duo.find_element(f"#{ids.DETAIL_BODY}")
    assert body.find_element("css selector", ".image-detail-ctr").text == "1.8500%"
    assert body.find_element("css selector", ".image-detail-impressions").text == "2,000"
    assert body.find_element("css selector", ".image-detail-clicks").text == "37"
    rows = [[td.text for td in tr.find_elements("css selector", "td")]
            for tr in body.find_elements("css selector", ".image-detail-features tbody tr")]
    assert rows == [["<b>bold</b>", "0.91", "yes"], ["red", "0.35", "yes"], ["dog", "0.05", ""]]
    # The name is text: no element came from it and nothing ran.
    assert dash_duo.driver.find_elements("css selector", "img[src='x'], b") == []
    try:
        dash_duo.driver.switch_to.alert
        raise AssertionError("an alert ran")
    except NoAlertPresentException:
        pass
    # Without a URL template the placeholder says why.
    assert "no URL template" in body.find_element("css selector", ".image-detail-placeholder").text
    assert body.find_elements("css selector", "img") == []

    # The panel leaves the chart usable: the next click shows the next image.
    click_image(dash_duo, "b.png")
    dash_duo.wait_for_text_to_equal(f"#{ids.DETAIL_BODY} .image-detail-name", "b.png")
    assert dash_duo.find_element(".image-detail-ctr").text == "2.0000%"
    assert console_errors(dash_duo) == []


def test_picture_comes_from_the_url_template_with_the_quoted_name(dash_duo, database_url):
    app = parts_app(database_url)
    dash_duo.start_server(app, port=PORT + 1)
    # The app's favicon is a real picture at a URL that ignores the query string.
    load(dash_duo.server_url, "/_favicon.ico?image={name}")
    dash_duo.wait_for_element(f"#{ids.SCATTER} .scatterlayer .points path")

    click_image(dash_duo, EVIL)
    img = dash_duo.wait_for_element(f"#{ids.DETAIL_BODY} img.image-detail-img")
    assert img.get_attribute("src").endswith("/_favicon.ico?image=" + quote(EVIL, safe=""))
    deadline = time.monotonic() + 5
    while not dash_duo.driver.execute_script("return arguments[0].complete", img):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert dash_duo.driver.execute_script("return arguments[0].naturalWidth", img) > 0
    assert img.is_displayed()
    assert dash_duo.find_elements(".image-detail-failed") == []
    assert console_errors(dash_duo) == []


def test_picture_that_fails_to_load_gives_way_to_the_placeholder(dash_duo, database_url):
    app = parts_app(database_url)
    dash_duo.start_server(app, port=PORT + 2)
    load(dash_duo.server_url, "/no-such-pictures/{name}.png")
    dash_duo.wait_for_element(f"#{ids.SCATTER} .scatterlayer .points path")

    click_image(dash_duo, "a.png")
    dash_duo.wait_for_element(f"#{ids.DETAIL_BODY} .image-detail-picture.image-detail-failed")
    placeholder = dash_duo.find_element(".image-detail-placeholder")
    assert placeholder.is_displayed()
    assert "could not be loaded" in placeholder.text
    assert not dash_duo.find_element("img.image-detail-img").is_displayed()

    # The next image starts afresh: its own (also missing) picture, its own failure mark.
    click_image(dash_duo, "c.png")
    dash_duo.wait_for_text_to_equal(f"#{ids.DETAIL_BODY} .image-detail-name", "c.png")
    dash_duo.wait_for_element(f"#{ids.DETAIL_BODY} .image-detail-picture.image-detail-failed")
    # The browser reports the 404s themselves; nothing else may appear.
    assert console_errors(dash_duo, allowed="/no-such-pictures/") == []
