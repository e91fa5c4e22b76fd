"""Crafted callback requests against the real server: every server callback of the page, each
input and state in turn given values the page never sends (text for numbers, lists for text,
dicts, nulls, ids past 2^31, NUL characters), and envelopes that are not the page's at all. None
may answer 5xx — on PostgreSQL too, where a build id past 2^31 or a NUL in a name used to reach
the database. The values are coerced where they enter (data/domain/filters.py); the envelope is
checked before Dash reads it, and a script path Dash does not serve is a 404
(callbacks/envelope.py)."""

from __future__ import annotations

import json

import pytest
import requests

from tests.support.dash_requests import (callback_body, dependency_keys, has_patterns,
                                        server_callbacks)
from tests.support.server import LiveServer

BUSINESS, SOURCE = "Crafted inputs", "covers"
FEATURES = {"a.png": {"dog": 0.9, "cat": 0.1}, "b.png": {"dog": 0.3}, "c.png": {"cat": 0.8},
            "d.png": {"dog": 0.5, "cat": 0.5}}
METRICS = {"a.png": {"ctr": 0.1}, "b.png": {"ctr": 0.2}, "c.png": {"ctr": 0.05},
           "d.png": {"ctr": 0.3}}

# What a real page holds, so that each crafted value is tried with everything else plausible.
SELECTION = {"business": BUSINESS, "image_source": SOURCE, "build": None, "version": 2,
             "current_build_id": 1}
FILTERS = {"business": BUSINESS, "image_source": SOURCE, "build": None, "version": 2,
           "threshold": 0.2, "min_pct": 0.0, "max_pct": 100.0, "top_k": 30, "sort": "impact",
           "pinned": [], "excluded": []}
PLAUSIBLE = {
    ("selection", "data"): SELECTION,
    ("filters-store", "data"): FILTERS,
    ("url", "search"): f"?business={BUSINESS}&image_source={SOURCE}",
    ("url-restored", "data"): True,
    ("business", "value"): BUSINESS,
    ("image-source", "value"): SOURCE,
    ("build", "value"): "current",
    ("scatter", "clickData"): {"points": [{"customdata": [0]}]},
    ("feature-table", "rowData"): [{"feature": "dog", "n_with": 3}],
    ("feature-table", "virtualRowData"): [{"feature": "dog", "n_with": 3}],
    ("upload", "is_open"): True,
    ("upload-response", "data"): {"steps": [{"kind": "features", "status": 201,
                                             "body": {"build": 1, "images": 4}}],
                                  "business": BUSINESS, "image_source": SOURCE, "at": 1},
    ("page-location", "pathname"): "/",
    ("who-name", "value"): "Ada",
}
HUGE = 2**40  # past PostgreSQL's integer ids
# Values the page never sends, tried in every input and state.
CRAFTED = ["abc", "", -1, HUGE, 1.7e308, True, None, [1, "x", None], [[["deep"]]], {"a": 1},
           "\x00", "x" * 5000]
# Shaped like the page's stores and event data (selection, filters, clickData, the upload's
# answer, the table's rows), so the coercion's inner checks are reached: tried in the inputs
# that hold such objects.
SHAPED = [
    {"business": ["x"], "image_source": {"a": 1}, "build": HUGE, "version": "v",
     "threshold": "abc", "min_pct": [1], "max_pct": {"a": 1}, "top_k": 1.7e308, "sort": ["impact"],
     "pinned": 5, "excluded": {"a": 1}, "current_build_id": HUGE},
    {**FILTERS, "business": BUSINESS + "\x00"},
    {**FILTERS, "image_source": "x" * 600},
    {**FILTERS, "build": 2**31},
    {**FILTERS, "build": -5, "top_k": HUGE, "threshold": 1.7e308},
    {**SELECTION, "build": HUGE, "current_build_id": "x"},
    {"points": "x"}, {"points": [{"customdata": HUGE}]}, {"points": [{"customdata": [1.5e308]}]},
    {"points": [{"customdata": [-1]}]}, {"points": [5]},
    {"steps": "x", "business": ["x"]},
    {"steps": [{"kind": "metrics", "status": "abc", "body": {"details": {"a": 1}}}]},
    {"steps": [{"kind": "features", "status": 201, "body": {"images": "x", "features": [1]}}]},
    {"steps": [{"kind": "metrics", "status": 200.0,
                "body": {"images_received": {}, "unmatched_examples": "x", "build": 1,
                         "build_images_without_metrics": "many"}}],
     "business": BUSINESS + "\x00", "image_source": HUGE},
    [{"feature": ["x"]}, 5, {"no": "feature"}],
]


@pytest.fixture(scope="module")
def server(module_database_url):
    with LiveServer(module_database_url) as srv:
        headers = {"Business": BUSINESS, "Image-Source": SOURCE}
        assert requests.put(srv.url("api/v1/features"), json=FEATURES, headers=headers,
                            timeout=30).status_code == 201
        assert requests.put(srv.url("api/v1/metrics"), json=METRICS, headers=headers,
                            timeout=30).status_code == 200
        yield srv


def _post(srv: LiveServer, session: requests.Session, body) -> requests.Response:
    data = body if isinstance(body, (bytes, str)) else json.dumps(body, allow_nan=True)
    return session.post(srv.url("_dash-update-component"), data=data, timeout=60,
                        headers={"Content-Type": "application/json"})


def test_no_crafted_value_in_any_callback_input_gets_a_5xx(server):
    callbacks = server_callbacks(requests.get(server.url("_dash-dependencies"), timeout=30).json())
    assert len(callbacks) >= 10
    failures, sent = [], 0
    with requests.Session() as session:
        for cb in callbacks:
            plausible = _post(server, session, callback_body(cb, PLAUSIBLE)).status_code
            # A pattern-matching callback's request lists the components that match, which a
            # test without a browser does not have: it must still never be a 5xx.
            assert plausible == 200 or (has_patterns(cb) and plausible < 500), cb["output"]
            for _kind, component, prop in dependency_keys(cb):
                shaped = isinstance(PLAUSIBLE.get((component, prop)), (dict, list))
                for value in CRAFTED + (SHAPED if shaped else []):
                    body = callback_body(cb, {**PLAUSIBLE, (component, prop): value},
                                         changed=(component, prop))
                    resp = _post(server, session, body)
                    sent += 1
                    if resp.status_code >= 500:
                        failures.append((cb["output"][:60], component, prop,
                                         repr(value)[:60], resp.status_code))
    assert not failures, f"{len(failures)} of {sent} requests got a 5xx: {failures[:20]}"
    assert sent > 500


def test_envelopes_the_page_never_sends_are_a_400_not_a_500(server):
    callbacks = server_callbacks(requests.get(server.url("_dash-dependencies"), timeout=30).json())
    good = callback_body(next(c for c in callbacks if "filters-store.data" in c["output"]
                              and "url.search" in c["output"]), PLAUSIBLE)
    bad_bodies = [
        b"not json", b"[]", b"{}", b"null", b"[" * 100_000, b'{"output": NaN}',
        {"output": "nope.children", "outputs": {"id": "nope", "property": "children"},
         "inputs": [], "state": []},
        {**good, "inputs": good["inputs"][:-1]},
        {**good, "inputs": "x"},
        {**good, "state": [{"id": "other", "property": "data"}] * len(good["state"])},
        {**good, "outputs": {"id": "x"}},
        {**good, "outputs": good["outputs"][:1]},
        {**good, "changedPropIds": ["{not json.value"]},
        {**good, "changedPropIds": "selection.data"},
        {**good, "output": ["x"]},
    ]
    scatter_hover = next(c for c in requests.get(server.url("_dash-dependencies"),
                                                  timeout=30).json()
                         if c.get("clientside_function"))
    bad_bodies.append(callback_body(scatter_hover, {}))  # runs in the browser, not here
    with requests.Session() as session:
        for body in bad_bodies:
            resp = _post(server, session, body)
            assert resp.status_code == 400, (repr(body)[:80], resp.status_code, resp.text[:200])
            assert resp.json()["error"] == "bad_callback_request"


def test_the_page_routes_answer_crafted_requests_without_a_5xx(server):
    resp = requests.get(server.url("_dash-layout"), headers={"Referer": "http://[::1"},
                        timeout=30)
    assert resp.status_code == 200  # a Referer that is no URL: the browser routes instead
    for path in ("_dash-component-suites/nope/x.js", "_dash-component-suites/dash/nope.js",
                 "_dash-component-suites/dash/%2E%2E/%2E%2E/app.py"):
        assert requests.get(server.url(path), timeout=30).status_code == 404, path
    for path in ("%00", "x" * 3000):  # no such page (unknown pages are 404: docs/deploy.md)
        assert requests.get(server.url(path), timeout=30).status_code == 404, path[:40]
    resp = requests.get(server.url("?business=%00&build=99999999999999999999"), timeout=30)
    assert resp.status_code == 200
