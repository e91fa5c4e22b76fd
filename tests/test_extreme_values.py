"""Values the API accepts at their extremes — tiny (1e-300), near the float limit (1.7e308,
and the largest float), all equal, negative, one feature, one image — through the whole page:
the API, the dataset the page reads, the controls callback (slider range) and the render
callback, each answering with finite numbers. 1.7e308 used to crash the controls callback
(OverflowError in threshold_scale) and the page showed nothing."""

from __future__ import annotations

import json
import math
import sys

import pytest

from app import create_app
from config import Settings
from callbacks.dashboard.filters import threshold_scale
from figures.dashboard.view import render_view
from tests.support.dash_requests import callback_body, server_callbacks

BIGGEST = sys.float_info.max
BUILDS = {
    "tiny": {f"i{n}": {"a": 1e-300 * (n + 1), "b": 5e-324} for n in range(6)},
    "huge": {f"i{n}": {"a": 1.7e308, "b": 1e308 * (n % 2), "c": -1.7e308} for n in range(6)},
    "largest float": {f"i{n}": {"a": BIGGEST, "b": BIGGEST / (n + 1)} for n in range(6)},
    "all equal": {f"i{n}": {"a": 0.5, "b": 0.5, "c": 0.5} for n in range(6)},
    "one feature": {f"i{n}": {"only": 3.0} for n in range(6)},
    "one image": {"alone": {"a": 1.7e308, "b": 1e-300}},
}


@pytest.mark.parametrize("value", [0.0, 5e-324, 1e-300, 0.5, 1.0, 1.0000001, 99.5, 1e5, 1.7e308,
                                   BIGGEST, -1.7e308, math.inf, math.nan])
def test_threshold_scale_is_finite_and_covers_the_largest_value(value):
    top, step, marks = threshold_scale(value)
    assert math.isfinite(top) and math.isfinite(step) and step > 0
    assert all(math.isfinite(k) for k in marks)
    if math.isfinite(value):
        assert top >= value


@pytest.fixture(scope="module")
def page(module_database_url):
    """The real app in-process (test client) with one image source per extreme build."""
    app = create_app(Settings(database_url=module_database_url, load_demo=False))
    client = app.server.test_client()
    for source, features in BUILDS.items():
        headers = {"Business": "Extremes", "Image-Source": source}
        resp = client.put("/api/v1/features", json=features, headers=headers)
        assert resp.status_code == 201, resp.json
        metrics = {img: {"impressions": 1000, "clicks": 10 + i}
                   for i, img in enumerate(features)}
        assert client.put("/api/v1/metrics", json=metrics, headers=headers).status_code == 200
    callbacks = server_callbacks(client.get("/_dash-dependencies").json)
    yield app, client, callbacks
    app.server.extensions["image_dashboard"].store.engine.dispose()


def _callback(callbacks, output_part: str) -> dict:
    return next(c for c in callbacks if output_part in c["output"])


def _finite_json(text: str) -> dict:
    """The callback's answer, refusing NaN and Infinity (the browser's JSON.parse would)."""
    def refuse(name):
        raise AssertionError(f"{name} in a callback answer")
    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize("source", sorted(BUILDS))
def test_the_whole_page_draws_builds_with_extreme_values(page, source):
    app, client, callbacks = page
    api = client.get("/api/v1/features", query_string={"business": "Extremes",
                                                       "image_source": source})
    assert api.status_code == 200
    ds = app.server.extensions["image_dashboard"].cache.get("Extremes", source)
    top, step, _ = threshold_scale(ds.index.max_value)
    for threshold in (0.0, ds.index.max_value, top, top / 2):
        assert client.get("/api/v1/features", query_string={
            "business": "Extremes", "image_source": source, "threshold": repr(threshold)}
        ).status_code == 200
        view = render_view(ds, {"threshold": threshold, "top_k": None})
        assert view["scatter"] and view["status"]["threshold"] == threshold

    selection = {"business": "Extremes", "image_source": source, "build": None,
                 "version": ds.source.version, "current_build_id": ds.build.id}
    controls = client.post("/_dash-update-component", json=callback_body(
        _callback(callbacks, "confidence.max"),
        {("selection", "data"): selection, ("url", "search"): ""}, changed=("selection", "data")))
    assert controls.status_code == 200, controls.text[:300]
    sliders = _finite_json(controls.text)["response"]["confidence"]
    assert sliders["max"] >= ds.index.max_value and sliders["step"] > 0

    for threshold in (0.0, sliders["max"]):
        filters = {**selection, "threshold": threshold, "top_k": None}
        render = client.post("/_dash-update-component", json=callback_body(
            _callback(callbacks, "scatter-points.data...bar-with"), {("filters-store", "data"): filters},
            changed=("filters-store", "data")))
        assert render.status_code == 200, render.text[:300]
        answer = _finite_json(render.text)["response"]
        assert answer["status"]["children"] and answer["scatter-points"]["data"]["layout"]
