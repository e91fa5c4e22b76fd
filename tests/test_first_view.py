"""The dashboard's first view comes with the layout (callbacks/dashboard/first_view.py): the
selectors, controls, filters store and figures hold what the URL asks for, and the callbacks
that would only repeat it skip their initial call."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from app import create_app
from config import Settings
from data.demo import DEMO_BUSINESS, DEMO_IMAGE_SOURCE
from layouts.dashboard.ids import ids


@pytest.fixture(scope="module")
def client(module_database_url):
    app = create_app(Settings(database_url=module_database_url, load_demo=True))
    return app.server.test_client()


def _props(tree) -> dict:
    """Every component's props in a _dash-layout answer, by id."""
    found, stack = {}, [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            props = node.get("props")
            if isinstance(props, dict):
                if isinstance(props.get("id"), str):
                    found[props["id"]] = props
                stack.extend(props.values())
    return found


def test_the_layout_holds_the_view_the_address_asks_for(client):
    query = {"business": DEMO_BUSINESS, "image_source": DEMO_IMAGE_SOURCE, "threshold": 0.35,
             "min_pct": 5, "top_k": "all"}
    layout = client.get("/_dash-layout",
                        headers={"Referer": "http://localhost/?" + urlencode(query)}).get_json()
    props = _props(layout)
    assert props[ids.BUSINESS]["value"] == DEMO_BUSINESS
    assert props[ids.IMAGE_SOURCE]["value"] == DEMO_IMAGE_SOURCE
    assert props[ids.CONFIDENCE]["value"] == 0.35
    assert props[ids.SPARSITY]["value"] == [5.0, 100.0]
    assert props[ids.URL_RESTORED]["data"] is True
    filters = props[ids.FILTERS]["data"]
    assert (filters["threshold"], filters["min_pct"], filters["top_k"]) == (0.35, 5.0, None)
    api = client.get("/api/v1/features", query_string={**query, "top_k": None}).get_json()
    bars = props[ids.BAR_IMPACT]["figure"]["data"][0]
    assert list(bars["x"]) == [f["feature"] for f in api["features"]]
    assert props[ids.SCATTER_DATA]["data"]  # the compact points; the browser expands them
    assert props[ids.TABLE]["rowData"]


def test_without_an_address_the_page_is_routed_in_the_browser(client):
    props = _props(client.get("/_dash-layout").get_json())
    assert ids.FILTERS not in props  # the router's callback brings the page, filled


def test_the_callbacks_the_layout_answered_skip_their_initial_call(client):
    deps = client.get("/_dash-dependencies").get_json()

    def initial(output: str) -> bool:
        spec = next(d for d in deps if output in d["output"])
        return not spec.get("prevent_initial_call")

    for answered in (f"{ids.SELECTION}.data", f"{ids.CONFIDENCE}.value",
                     f"{ids.SCATTER_DATA}.data"):
        assert not initial(answered), answered
    assert initial(f"{ids.FILTERS}.data")  # writes the canonical query into the address
    # The compact points in the layout are expanded in the browser on load (no server round).
    expand = next(d for d in deps if d["output"] == f"{ids.SCATTER}.figure")
    assert expand.get("clientside_function") and not expand.get("prevent_initial_call")
