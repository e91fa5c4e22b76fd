"""Hovering a scatter point draws the red dotted line (a layout shape) through every point of
that image, in the browser: no callback request reaches the server."""

from __future__ import annotations

from urllib.parse import urlencode

from selenium.webdriver.common.keys import Keys

from data.demo import DEMO_BUSINESS, DEMO_IMAGE_SOURCE
from layouts.dashboard.ids import ids
from tests.browser.dashboard import dash_requests, figure, move_mouse_to, wait_until

# For each marker: its pixel position relative to the plot div, and its image (customdata).
_POINTS_JS = """
var gd = document.querySelector('#' + arguments[0] + ' .js-plotly-plot');
var xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, t = gd.data[0];
var out = [];
for (var i = 0; i < t.x.length; i++) {
    out.push([xa._offset + xa.d2p(t.x[i]), ya._offset + ya.d2p(t.y[i]), t.customdata[i]]);
}
var box = gd.getBoundingClientRect();
return {points: out, width: box.width, height: box.height};
"""


def _isolated_point_of_a_multi_feature_image(points: list) -> tuple[int, float, float]:
    """(image, x, y) of a marker at least 14 px from every other marker, whose image has
    three or more markers: hovering it can only pick that image."""
    count: dict[int, int] = {}
    for _x, _y, image in points:
        count[image] = count.get(image, 0) + 1
    for i, (x, y, image) in enumerate(points):
        if count[image] < 3:
            continue
        if all((x - u) ** 2 + (y - v) ** 2 >= 14 ** 2
               for j, (u, v, _) in enumerate(points) if j != i):
            return image, x, y
    raise AssertionError("no isolated marker of a multi-feature image to hover")


def test_hovering_a_point_draws_the_line_through_its_image_without_a_server_request(
        dash_duo, dashboard_app, page_port):
    app = dashboard_app(live_poll_ms=600_000)  # no live poll requests during the test
    dash_duo.start_server(app, port=page_port)
    query = urlencode({"business": DEMO_BUSINESS, "image_source": DEMO_IMAGE_SOURCE,
                       "threshold": 0.2, "min_pct": 5, "top_k": "all"})
    dash_duo.wait_for_page(url=f"{dash_duo.server_url}/?{query}")
    wait_until(lambda: len(figure(dash_duo, ids.SCATTER)["data"][0]["x"]) > 100,
               message="scatter drawn")
    plot = dash_duo.find_element(f"#{ids.SCATTER} .js-plotly-plot")
    dash_duo.driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", plot)
    wait_until(lambda: not dash_duo.redux_state_is_loading, message="initial callbacks done")
    layout = dash_duo.driver.execute_script(_POINTS_JS, ids.SCATTER)
    image, px, py = _isolated_point_of_a_multi_feature_image(layout["points"])
    markers = figure(dash_duo, ids.SCATTER)["data"][0]
    want = [(x, y) for x, y, c in zip(markers["x"], markers["y"], markers["customdata"])
            if c == image]

    before = dash_requests(dash_duo)
    move_mouse_to(dash_duo.driver, plot, px, py, layout["width"], layout["height"])

    shapes = wait_until(lambda: (lambda s: s if s and s[0]["name"] == f"image:{image}" else None)(
        figure(dash_duo, ids.SCATTER)["layout"]["shapes"]), message=f"the line for image {image}")
    line, dots = shapes[0], shapes[1:]
    assert line["line"]["color"] == "#d62728" and line["line"]["dash"] == "dot"
    categories = figure(dash_duo, ids.SCATTER)["layout"]["categories"]
    want_xy = [(categories.index(x), y) for x, y in want]
    drawn = [tuple(float(v) for v in step[1:].split(",")) for step in line["path"].split(" ")]
    assert drawn == want_xy and len(want) >= 3
    assert [(d["x"], d["y"]) for d in dots] == want_xy
    wait_until(lambda: not dash_duo.redux_state_is_loading, message="no callback in flight")
    assert dash_requests(dash_duo) == before, "hovering sent a callback request"
    # The counter does see callbacks: a filter change is one.
    dash_duo.find_element(f"#{ids.CONFIDENCE} [role=slider]").send_keys(Keys.ARROW_RIGHT)
    wait_until(lambda: dash_requests(dash_duo) > before, message="a filter change is counted")
    assert dash_duo.get_logs() == []
