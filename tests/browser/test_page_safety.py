"""Names are untrusted text: an image, business or feature named like markup shows as typed on
the page (selectors, hover labels, axis) and runs nothing."""

from __future__ import annotations

from urllib.parse import urlencode

import requests

from layouts.dashboard.ids import ids
from tests.browser.dashboard import figure, move_mouse_to, wait_until

EVIL_IMAGE = "<img src=x onerror=alert(1)>"
EVIL_BUSINESS = "<b>Biz</b> & Co"
EVIL_SOURCE = "<script>alert(2)</script>"
EVIL_FEATURE = "<i>logo</i>"

_TRAP_ALERTS = ("window.__alerts = [];"
                "window.alert = function (m) { window.__alerts.push(String(m)); };")


def test_names_that_look_like_html_show_as_text_and_run_nothing(
        dash_duo, dashboard_app, page_port):
    app = dashboard_app(load_demo=False, live_poll_ms=600_000)
    dash_duo.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument",
                                    {"source": _TRAP_ALERTS})
    dash_duo.start_server(app, port=page_port)
    base = dash_duo.server_url
    features = {EVIL_IMAGE: {"text": 0.9, EVIL_FEATURE: 0.8},
                **{f"plain {i}.jpg": {"text": 0.2 + i / 100, EVIL_FEATURE: (i % 2) * 0.7}
                   for i in range(12)}}
    metrics = {name: {"impressions": 1000, "clicks": 5 + i}
               for i, name in enumerate(features)}
    headers = {"X-Business": EVIL_BUSINESS,
               "X-Image-Source": EVIL_SOURCE}
    assert requests.put(base + "/api/v1/features", json=features, headers=headers).status_code == 201
    assert requests.put(base + "/api/v1/metrics", json=metrics, headers=headers).ok

    query = urlencode({"business": EVIL_BUSINESS, "image_source": EVIL_SOURCE, "top_k": "all"})
    dash_duo.wait_for_page(url=f"{base}/?{query}")
    wait_until(lambda: len(figure(dash_duo, ids.SCATTER)["data"][0]["x"]) == 20,
               message="scatter drawn")
    assert EVIL_BUSINESS in dash_duo.find_element(f"#{ids.BUSINESS}").text
    assert EVIL_SOURCE in dash_duo.find_element(f"#{ids.IMAGE_SOURCE}").text
    ticks = dash_duo.driver.execute_script(
        "return Array.from(document.querySelectorAll('#' + arguments[0] + ' .xtick text'))"
        ".map(function (t) { return t.textContent; });", ids.SCATTER)
    assert EVIL_FEATURE in ticks

    # Hover the evil image's point on the `text` axis: the label shows the name as typed.
    plot = dash_duo.find_element(f"#{ids.SCATTER} .js-plotly-plot")
    dash_duo.driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", plot)
    where = dash_duo.driver.execute_script(
        "var gd = arguments[0], t = gd.data[0], xa = gd._fullLayout.xaxis,"
        " ya = gd._fullLayout.yaxis, box = gd.getBoundingClientRect();"
        "for (var i = 0; i < t.x.length; i++) { if (t.text[i].indexOf('&lt;img') === 0 &&"
        "  t.x[i] === 'text') { return [xa._offset + xa.d2p(t.x[i]),"
        "  ya._offset + ya.d2p(t.y[i]), box.width, box.height]; } } return null;", plot)
    assert where is not None
    move_mouse_to(dash_duo.driver, plot, *where)
    label = wait_until(lambda: dash_duo.driver.execute_script(
        "var h = document.querySelector('#' + arguments[0] + ' .hoverlayer .hovertext');"
        "return h ? h.textContent : '';", ids.SCATTER), message="hover label")
    assert EVIL_IMAGE in label

    assert dash_duo.driver.execute_script("return document.querySelectorAll('img[src=\"x\"]')"
                                          ".length + document.querySelectorAll('b, i').length"
                                          " + window.__alerts.length") == 0
    assert dash_duo.get_logs() == []
