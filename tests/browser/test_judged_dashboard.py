"""The dashboard with people's judgement as the outcome, in a real browser on the demo (which
comes with ratings and votes): the outcome switch moves every figure, the table and the status
line to what the features API says for that outcome; the image detail lists look-alikes."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlparse

import requests

from data.demo import DEMO_BUSINESS, DEMO_IMAGE_SOURCE
from layouts.dashboard.ids import ids
from tests.browser.dashboard import api_features, bar_impact_matches, figure, status_text, wait_until

DEMO = {"business": DEMO_BUSINESS, "image_source": DEMO_IMAGE_SOURCE}


def axis_titles(dash_duo) -> dict:
    return dash_duo.driver.execute_script(
        "var out = {}; arguments[0].forEach(function (id) {"
        " var gd = document.querySelector('#' + id + ' .js-plotly-plot');"
        " out[id] = gd && gd.layout.yaxis && gd.layout.yaxis.title ? gd.layout.yaxis.title.text"
        " : null; }); return out;", [ids.SCATTER, ids.BAR_WITH, ids.BAR_IMPACT, ids.BAR_WITHOUT])


def table_headers(dash_duo) -> list[str]:
    """Every column header of the feature table, from the grid itself: AG Grid puts only the
    columns in view into the page (column virtualisation)."""
    return dash_duo.driver.execute_script(
        "return dash_ag_grid.getApi(arguments[0]).getColumns()"
        ".map(function (c) { return c.getColDef().headerName || ''; });", ids.TABLE)


def every_figure_follows(dash_duo, api: dict) -> bool:
    """The four figures show the API's features and numbers for its outcome."""
    features = api["features"]
    names = [f["feature"] for f in features]
    if not bar_impact_matches(dash_duo, api):
        return False
    with_ = figure(dash_duo, ids.BAR_WITH)["data"][0]
    without = figure(dash_duo, ids.BAR_WITHOUT)["data"][0]
    scatter = figure(dash_duo, ids.SCATTER)["data"][0]

    def close(a, b):
        return len(a) == len(b) and all((u is None and v is None) or (
            u is not None and v is not None and abs(u - v) < 1e-9) for u, v in zip(a, b))

    return (with_["x"] == names and close(with_["y"], [f["ctr_with"] for f in features])
            and close(without["y"], [f["ctr_without"] for f in features])
            and len(scatter["x"]) == sum(f["n_with"] for f in features))


def test_the_outcome_switch_moves_every_figure_the_table_and_the_status(
        dash_duo, dashboard_app, page_port):
    dash_duo.start_server(dashboard_app(live_poll_ms=600_000), port=page_port)
    base = dash_duo.server_url
    dash_duo.wait_for_page(base + "/?" + urlencode({**DEMO, "threshold": 0.2, "top_k": "all"}))
    wait_until(lambda: every_figure_follows(dash_duo, api_features(base, **DEMO, threshold=0.2)),
               message="the CTR view")
    for outcome, name in (("score", "mean score"), ("strength", "strength")):
        dash_duo.find_element(f"#{ids.OUTCOME} input[value='{outcome}']").click()
        api = api_features(base, **DEMO, threshold=0.2, outcome=outcome)
        assert api["images_without_outcome"] > 0
        wait_until(lambda: every_figure_follows(dash_duo, api), message=f"the {outcome} view")
        titles = axis_titles(dash_duo)
        assert titles[ids.SCATTER] == f"image {name}" and titles[ids.BAR_WITH] == name
        assert name in titles[ids.BAR_IMPACT]
        wait_until(lambda: f"without {name}: {api['images_without_outcome']:,}"
                   in status_text(dash_duo).replace("\n", " "), message="status line")
        wait_until(lambda: f"{name} with" in table_headers(dash_duo), message="table headers")
        assert parse_qs(urlparse(dash_duo.driver.current_url).query)["outcome"] == [outcome]
    assert dash_duo.get_logs() == []


def test_the_image_detail_lists_its_look_alikes_as_the_similar_api_does(
        dash_duo, dashboard_app, page_port):
    dash_duo.start_server(dashboard_app(live_poll_ms=600_000), port=page_port)
    base = dash_duo.server_url
    dash_duo.wait_for_page(base + "/?" + urlencode({**DEMO, "threshold": 0.2}))
    wait_until(lambda: figure(dash_duo, ids.SCATTER)["data"][0]["customdata"],
               message="scatter drawn")
    image = figure(dash_duo, ids.SCATTER)["data"][0]["customdata"][0]
    # The click itself is covered by test_detail.py; here the scatter says it was clicked.
    dash_duo.driver.execute_script(
        "window.dash_clientside.set_props(arguments[0], {clickData: {points: ["
        "{curveNumber: 0, customdata: arguments[1]}]}});", ids.SCATTER, image)
    dash_duo.wait_for_element(f"#{ids.DETAIL_BODY} .image-detail-similar-item", timeout=20)
    # Selenium reads only shown text: wait until the panel shows the name (a loaded run once
    # read it while the panel was still coming in, and asked the API for image "").
    name = wait_until(lambda: dash_duo.find_element(f"#{ids.DETAIL_BODY} .image-detail-name").text,
                      message="the image's name shown in the panel")
    similar = requests.get(base + "/api/v1/similar", params={**DEMO, "image": name},
                           timeout=30).json()["neighbours"]
    items = dash_duo.find_elements(f"#{ids.DETAIL_BODY} .image-detail-similar-item")
    assert [i.find_element("css selector", ".image-detail-similar-name").text
            for i in items] == [n["image"] for n in similar]
    assert len(items) == 12
    first = items[0].text
    assert f"similarity {similar[0]['similarity']:.3f}" in first
    # The demo source has no URL template: each look-alike shows its name as the placeholder.
    assert items[0].find_element("css selector", ".image-detail-placeholder").is_displayed()
    assert dash_duo.get_logs() == []
