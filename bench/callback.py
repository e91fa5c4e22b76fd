"""The dashboard's filter-change callback, called over HTTP as the browser calls it.

Dash serves every callback at POST <prefix>_dash-update-component; the one that draws the page
takes the filters store (layouts.ids.FILTERS) as its input. Timing that POST measures what a
user waits for on the server side of a filter change: cache lookup, analysis, figures and
Dash's JSON serialisation, plus one loopback round trip.
"""

from __future__ import annotations

import time

import requests

from layouts.dashboard.ids import ids


class FilterCallback:
    """POSTs a filters dict to the page's render callback and returns (seconds, bytes)."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.http = requests.Session()
        deps = self.http.get(base_url + "_dash-dependencies").json()
        spec = next((d for d in deps
                     if [(i["id"], i["property"]) for i in d["inputs"]] == [(ids.FILTERS, "data")]
                     and f"{ids.SCATTER_DATA}.data" in d["output"]), None)
        if spec is None:
            raise LookupError("no callback takes the filters store and draws the scatter")
        self.output = spec["output"]
        self.outputs = [dict(zip(("id", "property"), part.rsplit(".", 1)))
                        for part in spec["output"].strip(".").split("...")]
        # The page sends its states too (the callback envelope refuses a request without them).
        self.state = [{"id": s["id"], "property": s["property"]} for s in spec.get("state", [])]

    def __call__(self, filters: dict) -> tuple[float, int]:
        body = {"output": self.output, "outputs": self.outputs,
                "inputs": [{"id": ids.FILTERS, "property": "data", "value": filters}],
                "changedPropIds": [f"{ids.FILTERS}.data"], "state": self.state}
        t0 = time.perf_counter()
        r = self.http.post(self.base_url + "_dash-update-component", json=body)
        elapsed = time.perf_counter() - t0
        r.raise_for_status()
        return elapsed, len(r.content)
