"""The page in a real browser: a URL restores its view, every filter moves every figure the way
the features API says, the page works under a URL prefix, embed=1 hides the chrome."""

from __future__ import annotations

import threading
from urllib.parse import parse_qs, urlencode, urlparse

import requests
from flask import request
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from data.demo import DEMO_BUSINESS, DEMO_IMAGE_SOURCE
from layouts.dashboard.ids import ids
from tests.browser.dashboard import (FIGURES, api_features, bar_impact_matches, figure,
                                     status_text, wait_until)

DEMO = {"business": DEMO_BUSINESS, "image_source": DEMO_IMAGE_SOURCE}


def _url(base: str, prefix: str = "/", **query) -> str:
    return base.rstrip("/") + prefix + "?" + urlencode(query)


def _every_figure_agrees(dash_duo, api: dict) -> bool:
    """All four figures show the API's features, in its order, with its numbers; the scatter
    holds one point per (image, present feature)."""
    features = api["features"]
    names = [f["feature"] for f in features]
    if not bar_impact_matches(dash_duo, api):
        return False
    with_ = figure(dash_duo, ids.BAR_WITH)["data"][0]
    without = figure(dash_duo, ids.BAR_WITHOUT)["data"][0]
    scatter = figure(dash_duo, ids.SCATTER)
    xs = scatter["data"][0]["x"]
    in_order = list(dict.fromkeys(xs))
    return (with_["x"] == names and without["x"] == names
            and _close(with_["y"], [f["ctr_with"] for f in features])
            and _close(without["y"], [f["ctr_without"] for f in features])
            and scatter["layout"]["categories"] == names
            and in_order == names
            and len(xs) == sum(f["n_with"] for f in features))


def _close(a, b, tol=1e-12):
    return len(a) == len(b) and all(
        (u is None and v is None) or (u is not None and v is not None and abs(u - v) <= tol)
        for u, v in zip(a, b))


def _input_value(dash_duo, selector: str) -> str:
    return dash_duo.find_element(selector).get_attribute("value")


def test_a_url_restores_its_view_including_another_business(dash_duo, dashboard_app, page_port):
    app = dashboard_app(live_poll_ms=600_000)
    dash_duo.start_server(app, port=page_port)
    base = dash_duo.server_url
    other = {"business": "Apple Music", "image_source": "spring / 2024"}
    features = {f"img{i}.png": {"text": (i % 10) / 10, "girl": 0.9 if i % 3 else 0.0,
                                "smile": 0.3 if i % 2 else 0.8} for i in range(40)}
    metrics = {f"img{i}.png": {"impressions": 1000, "clicks": 10 + i} for i in range(40)}
    headers = {"Business": other["business"], "Image-Source": other["image_source"]}
    assert requests.put(base + "/api/v1/features", json=features, headers=headers).status_code == 201
    assert requests.put(base + "/api/v1/metrics", json=metrics, headers=headers).status_code == 200

    query = {**other, "threshold": 0.35, "min_pct": 5, "max_pct": 90, "top_k": "all"}
    dash_duo.wait_for_page(url=_url(base, **query))

    api = api_features(base, **other, threshold=0.35, min_pct=5, max_pct=90)
    assert len(api["features"]) >= 2
    wait_until(lambda: _every_figure_agrees(dash_duo, api), message="figures match the API")
    assert "Apple Music" in dash_duo.find_element(f"#{ids.BUSINESS}").text
    assert "spring / 2024" in dash_duo.find_element(f"#{ids.IMAGE_SOURCE}").text
    assert _input_value(dash_duo, f"#{ids.CONFIDENCE} input") == "0.35"
    assert _input_value(dash_duo, f"#{ids.SPARSITY} input.dash-range-slider-min-input") == "5"
    assert _input_value(dash_duo, f"#{ids.SPARSITY} input.dash-range-slider-max-input") == "90"
    state = parse_qs(urlparse(dash_duo.driver.current_url).query)
    assert state["business"] == ["Apple Music"] and state["threshold"] == ["0.35"]
    assert state["min_pct"] == ["5"] and state["max_pct"] == ["90"] and state["top_k"] == ["all"]
    assert "40" in status_text(dash_duo)
    assert dash_duo.get_logs() == []


def test_a_top_k_from_the_url_outside_the_choices_is_shown_and_applied(dash_duo, dashboard_app,
                                                                       page_port):
    app = dashboard_app(load_demo=True, live_poll_ms=600_000)
    dash_duo.start_server(app, navigate=False, port=page_port)
    dash_duo.wait_for_page(url=_url(dash_duo.server.url, threshold=0.2, top_k=7))

    wait_until(lambda: len(((figure(dash_duo, ids.BAR_IMPACT) or {}).get("layout") or {})
                           .get("categories") or []) == 7, message="seven features on the axis")
    wait_until(lambda: dash_duo.find_element(f"#{ids.TOP_K}").text.strip().startswith("7"),
               message="the top-K selector shows 7")
    assert parse_qs(urlparse(dash_duo.driver.current_url).query)["top_k"] == ["7"]
    assert dash_duo.get_logs() == []


class _AnswersAfterTheDropdowns:
    """Holds the answer to each page load's first selectors callback until the test has seen the
    Build dropdown drawn, as a busy server does (one worker still sending plotly.js): the
    dropdowns are on screen, and have said their first word, before the page knows what to show."""

    def __init__(self, server):
        self.drawn = threading.Event()
        server.before_request(self._hold)

    def _hold(self):
        if request.path.endswith("_dash-update-component"):
            body = request.get_json(silent=True) or {}
            first = not body.get("changedPropIds")
            if first and f"{ids.BUSINESS}.options" in str(body.get("output")):
                self.drawn.wait(timeout=30)

    def open(self, dash_duo, url: str) -> None:
        self.drawn.clear()
        dash_duo.driver.get(url)
        wait_until(lambda: dash_duo.driver.execute_script(
            "return document.getElementById(arguments[0] + '-value') !== null;", ids.BUILD),
            message="the Build dropdown drawn")
        self.drawn.set()


def _put_source(base: str, business: str, image_source: str, n_images: int) -> None:
    """A build and its metrics for one image source; its features are named after it, so each
    source's figures and status are told apart."""
    features = {f"{image_source}_{i}.png": {f"{image_source}_text": (i % 10) / 10,
                                            f"{image_source}_girl": 0.9 if i % 3 else 0.0,
                                            f"{image_source}_smile": 0.3 if i % 2 else 0.8}
                for i in range(n_images)}
    metrics = {name: {"impressions": 1000, "clicks": 10 + i}
               for i, name in enumerate(features)}
    headers = {"Business": business, "Image-Source": image_source}
    assert requests.put(base + "/api/v1/features", json=features, headers=headers).status_code == 201
    assert requests.put(base + "/api/v1/metrics", json=metrics, headers=headers).status_code == 200


def _shows(dash_duo, base: str, asked: dict, n_images: int, **view) -> None:
    """The selectors, filters, status line, figures and URL all show the view asked for."""
    api = api_features(base, **asked, **view)
    assert len(api["features"]) >= 2
    wait_until(lambda: _every_figure_agrees(dash_duo, api),
               message=f"figures show {asked['image_source']}")
    assert dash_duo.find_element(f"#{ids.BUSINESS}").text.strip() == asked["business"]
    assert dash_duo.find_element(f"#{ids.IMAGE_SOURCE}").text.strip() == asked["image_source"]
    assert _input_value(dash_duo, f"#{ids.CONFIDENCE} input") == str(view["threshold"])
    assert _input_value(dash_duo, f"#{ids.SPARSITY} input.dash-range-slider-min-input") == \
        str(view["min_pct"])
    assert _input_value(dash_duo, f"#{ids.SPARSITY} input.dash-range-slider-max-input") == \
        str(view["max_pct"])
    status = status_text(dash_duo)
    assert f"#{api['build']} " in status and f"images: {n_images}" in status
    state = parse_qs(urlparse(dash_duo.driver.current_url).query)
    assert state["business"] == [asked["business"]]
    assert state["image_source"] == [asked["image_source"]]
    assert {k: state[k] for k in view} == {k: [str(v)] for k, v in view.items()}


def test_a_link_to_a_later_image_source_opens_it_on_a_first_visit(
        dash_duo, dashboard_app, page_port):
    """The link is the browser's first page, and the page's first answer comes after its
    dropdowns are drawn; the image source it names is neither its business's first nor the
    one the page falls back to."""
    app = dashboard_app(load_demo=False, live_poll_ms=600_000)
    slow = _AnswersAfterTheDropdowns(app.server)
    dash_duo.start_server(app, navigate=False, port=page_port)
    base = dash_duo.server.url
    sizes = {("Shop", "alpha"): 30, ("Shop", "beta"): 40, ("Shop", "gamma"): 50,
             ("Studio", "north"): 35, ("Studio", "south"): 45}
    for (business, source), n_images in sizes.items():
        _put_source(base, business, source, n_images)

    third = {"business": "Shop", "image_source": "gamma"}
    view = {"threshold": 0.2, "min_pct": 5, "max_pct": 90}
    slow.open(dash_duo, _url(base, **third, **view, top_k="all"))
    _shows(dash_duo, base, third, 50, **view)
    assert dash_duo.get_logs() == []

    second = {"business": "Studio", "image_source": "south"}
    view = {"threshold": 0.3, "min_pct": 2, "max_pct": 95}
    slow.open(dash_duo, _url(base, **second, **view, top_k="all"))
    _shows(dash_duo, base, second, 45, **view)
    assert dash_duo.get_logs() == []


def test_moving_each_filter_changes_every_figure_as_the_features_api_says(
        dash_duo, dashboard_app, page_port):
    app = dashboard_app(live_poll_ms=600_000)
    dash_duo.start_server(app, port=page_port)
    base = dash_duo.server_url
    # rank=abs_impact: the top-K step below checks the largest |impact| (the default ranks by
    # evidence, checked in tests/browser/test_table.py and tests/test_figures.py).
    dash_duo.wait_for_page(url=_url(base, **DEMO, top_k="all", rank="abs_impact"))
    wait_until(lambda: _every_figure_agrees(dash_duo, api_features(base, **DEMO)),
               message="initial view matches the API at threshold 0")

    # Confidence: the slider's thumb, moved with the keyboard like a user would (3 x 10 steps).
    thumb = dash_duo.find_element(f"#{ids.CONFIDENCE} [role=slider]")
    thumb.click()
    for _ in range(3):
        thumb.send_keys(Keys.PAGE_UP)
    api = api_features(base, **DEMO, threshold=0.3)
    wait_until(lambda: _every_figure_agrees(dash_duo, api), message="threshold 0.3")

    # Sparsity: the upper thumb down to 40%, the lower bound typed into its box.
    upper = dash_duo.find_element(f"#{ids.SPARSITY} [role=slider][aria-label=Maximum]")
    upper.click()
    for _ in range(12):  # 12 x 10 steps of 0.5%
        upper.send_keys(Keys.PAGE_DOWN)
    lower = dash_duo.find_element(f"#{ids.SPARSITY} input.dash-range-slider-min-input")
    lower.send_keys(Keys.CONTROL, "a")
    lower.send_keys("1", Keys.TAB)  # the box commits on blur
    api = api_features(base, **DEMO, threshold=0.3, min_pct=1, max_pct=40)
    assert 2 <= len(api["features"]) < len(api_features(base, **DEMO, threshold=0.3)["features"])
    wait_until(lambda: _every_figure_agrees(dash_duo, api), message="sparsity 1-40%")
    state = parse_qs(urlparse(dash_duo.driver.current_url).query)
    assert state["threshold"] == ["0.3"] and state["min_pct"] == ["1"]
    assert state["max_pct"] == ["40"]

    # Top-K: 10 keeps the ten largest |impact| of the same features, in impact order.
    dash_duo.select_dcc_dropdown(f"#{ids.TOP_K}", "10")
    ranked = sorted(api["features"], key=lambda f: -abs(f["impact"]))[:10]
    top = {"features": [f for f in api["features"] if f in ranked]}
    wait_until(lambda: bar_impact_matches(dash_duo, top), message="top 10")
    note = dash_duo.find_element(f"#{ids.TOP_K_NOTE}").text
    assert f"{len(api['features']) - 10} hidden" in note
    assert dash_duo.get_logs() == []


def test_every_figure_says_why_it_is_empty_instead_of_going_blank(
        dash_duo, dashboard_app, page_port):
    app = dashboard_app(live_poll_ms=600_000)
    dash_duo.start_server(app, port=page_port)
    dash_duo.wait_for_page(url=_url(dash_duo.server_url, **DEMO, threshold=1.0))
    for graph in FIGURES:
        wait_until(lambda: any("Lower the confidence threshold" in a
                               for a in figure(dash_duo, graph)["layout"]["annotations"]),
                   message=f"{graph} explains itself")
    assert dash_duo.get_logs() == []


def test_the_page_and_its_api_work_under_a_url_prefix(dash_duo, dashboard_app, page_port):
    app = dashboard_app(url_prefix="/tools/images/", live_poll_ms=600_000)
    dash_duo.start_server(app, navigate=False, port=page_port)
    base = dash_duo.server.url
    dash_duo.server_url = _url(base, "/tools/images/", **DEMO, threshold=0.2, top_k="all")
    api = api_features(base + "/tools/images", **DEMO, threshold=0.2)
    wait_until(lambda: _every_figure_agrees(dash_duo, api), message="figures under the prefix")
    assert urlparse(dash_duo.driver.current_url).path == "/tools/images/"
    assert dash_duo.get_logs() == []


def test_embed_hides_the_header_and_selectors_and_keeps_the_flag(
        dash_duo, dashboard_app, page_port):
    app = dashboard_app(live_poll_ms=600_000)
    dash_duo.start_server(app, port=page_port)
    dash_duo.wait_for_page(url=_url(dash_duo.server_url, **DEMO, embed=1))
    wait_until(lambda: figure(dash_duo, ids.BAR_IMPACT)["data"], message="charts drawn")
    driver = dash_duo.driver
    assert not driver.find_element(By.ID, ids.HEADER).is_displayed()
    assert not driver.find_element(By.ID, ids.SELECTORS_PANEL).is_displayed()
    assert driver.find_element(By.ID, ids.SCATTER).is_displayed()
    assert driver.find_element(By.ID, ids.CONFIDENCE).is_displayed()
    thumb = dash_duo.find_element(f"#{ids.CONFIDENCE} [role=slider]")
    thumb.click()
    thumb.send_keys(Keys.ARROW_RIGHT)
    wait_until(lambda: "threshold=0.01" in driver.current_url, message="URL follows the filter")
    assert parse_qs(urlparse(driver.current_url).query)["embed"] == ["1"]
    assert dash_duo.get_logs() == []
