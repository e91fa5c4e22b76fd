"""The first page is quick: its charts draw after at most two serial rounds of callback requests
(the layout carries the first view, callbacks/dashboard/first_view.py), its scripts arrive
compressed, and the view is the one the URL asks for."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlparse

from plotly.offline import get_plotlyjs_version

from data.demo import DEMO_BUSINESS, DEMO_IMAGE_SOURCE
from layouts.dashboard.ids import ids
from tests.browser.dashboard import api_features, bar_impact_matches, wait_until

# performance.now() once the scatter has drawn points (plotly.js computed its trace), else null.
DRAWN_AT = """
var gd = document.querySelector('#%s .js-plotly-plot');
var drawn = gd && gd.calcdata && gd.calcdata.length && gd._fullLayout &&
  gd.data.some(function (t) { return t.x && t.x.length > 0; });
return drawn ? performance.now() : null;
""" % ids.SCATTER

# The page's callback requests and scripts as the browser timed them (Resource Timing).
REQUESTS = """
return performance.getEntriesByType('resource').map(function (e) {
  return {name: e.name, start: e.startTime, end: e.responseEnd,
          encoded: e.encodedBodySize, decoded: e.decodedBodySize};
});
"""


def callback_waves(entries: list[dict], before: float) -> list[list[dict]]:
    """Callback requests sent before `before` (ms), in serial rounds: a request sent after a
    response of the current round arrived starts the next round (it may have waited for it)."""
    calls = sorted((e for e in entries if "_dash-update-component" in e["name"]
                    and e["start"] <= before), key=lambda e: e["start"])
    waves: list[list[dict]] = []
    for call in calls:
        if waves and call["start"] < min(c["end"] for c in waves[-1]):
            waves[-1].append(call)
        else:
            waves.append([call])
    return waves


def test_the_charts_draw_after_at_most_two_callback_waves(dash_duo, dashboard_app, page_port):
    app = dashboard_app(live_poll_ms=600_000)
    dash_duo.start_server(app, navigate=False, port=page_port)
    base = dash_duo.server.url.rstrip("/")
    query = {"business": DEMO_BUSINESS, "image_source": DEMO_IMAGE_SOURCE, "threshold": 0.25,
             "min_pct": 2, "top_k": "all"}
    dash_duo.driver.get(base + "/?" + urlencode(query))

    drawn = wait_until(lambda: dash_duo.driver.execute_script(DRAWN_AT),
                       message="the scatter draws")
    entries = dash_duo.driver.execute_script(REQUESTS)
    waves = callback_waves(entries, drawn)
    assert len(waves) <= 2, f"callback requests per wave: {[len(w) for w in waves]}"

    # What drew is the view the URL asks for, and the address holds its canonical query.
    api = api_features(base, business=DEMO_BUSINESS, image_source=DEMO_IMAGE_SOURCE,
                       threshold=0.25, min_pct=2)
    wait_until(lambda: bar_impact_matches(dash_duo, api), message="the asked view")
    wait_until(lambda: parse_qs(urlparse(dash_duo.driver.current_url).query).get("max_pct")
               == ["100"], message="the canonical query in the address")

    # The feature names' room under the labelled charts was reserved by the server
    # (figures/base.py tick_label_margin): plotly.js's automargin found it enough and did not
    # lay the charts out a second time with a bigger one.
    for graph in (ids.SCATTER, ids.BAR_WITHOUT):
        asked, drawn = dash_duo.driver.execute_script(
            "var gd = document.querySelector('#' + arguments[0] + ' .js-plotly-plot');"
            "return [gd.layout.margin.b, gd._fullLayout._size.b];", graph)
        assert asked == drawn and asked > 40, (graph, asked, drawn)

    # plotly.js is the page's own partial bundle (vendor/js/build.js), the version plotly.py
    # writes figures for; Dash's whole plotly.min.js is never fetched, nor its polyfill (the
    # lazily loaded components above ran on assets/00-regenerator.min.js). It crossed compressed.
    assert dash_duo.driver.execute_script("return window.Plotly.version") == get_plotlyjs_version()
    scripts = [urlparse(e["name"]).path for e in entries]
    assert not any(path.endswith("/plotly.min.js") or "polyfill" in path for path in scripts)
    assert any(path.endswith("/00-regenerator.min.js") for path in scripts)
    plotly = next(e for e in entries if urlparse(e["name"]).path.endswith("/00-plotly.min.js"))
    assert 0 < plotly["encoded"] < plotly["decoded"] / 2
    # The scatter's image table came with its CTRs in single precision (half the bytes).
    tables = [e for e in entries if urlparse(e["name"]).path.endswith("/api/v1/images")]
    assert tables and all(parse_qs(urlparse(e["name"]).query).get("ctr") == ["f4"]
                          for e in tables)
    assert dash_duo.get_logs() == []
