"""Crafted Dash callback requests, as a browser's page would send them (or an attacker, who
chooses every input value): the callback is found in the server's own `_dash-dependencies`.

    call = find_callback(base_url, output="scatter-points.data")
    resp = post_callback(base_url, call, {"filters-store.data": {...}}, headers={...})
    resp.json()["response"]["status"]["children"]
"""

from __future__ import annotations

import json

import requests


def dependencies(base_url: str, headers: dict | None = None) -> list[dict]:
    resp = requests.get(base_url.rstrip("/") + "/_dash-dependencies", headers=headers or {},
                        timeout=30)
    resp.raise_for_status()
    return resp.json()


def find_callback(base_url: str, output: str, headers: dict | None = None) -> dict:
    """The dependency entry of the server-side callback with `output` ("id.property")."""
    for dep in dependencies(base_url, headers):
        if output in _outputs(dep["output"]) and not dep.get("clientside_function"):
            return dep
    raise AssertionError(f"no callback outputs {output}")


def _outputs(spec: str) -> list[str]:
    spec = spec.strip(".")
    return [p.strip(".") for p in spec.split("...")] if "..." in spec else [spec]


def _wire(item: dict, values: dict) -> dict:
    key = f"{item['id']}.{item['property']}"
    return {"id": item["id"], "property": item["property"], "value": values.get(key)}


def callback_body(dep: dict, values: dict) -> dict:
    """The JSON a page sends for `dep`, with `values` ("id.property" -> value; others None)."""
    outputs = [dict(zip(("id", "property"), o.rsplit(".", 1))) for o in _outputs(dep["output"])]
    inputs = [_wire(i, values) for i in dep["inputs"]]
    return {"output": dep["output"],
            "outputs": outputs if len(outputs) > 1 else outputs[0],
            "inputs": inputs, "state": [_wire(s, values) for s in dep.get("state", [])],
            "changedPropIds": [f"{i['id']}.{i['property']}" for i in dep["inputs"]
                               if f"{i['id']}.{i['property']}" in values]}


def post_callback(base_url: str, dep: dict, values: dict, headers: dict | None = None,
                  timeout: float = 60) -> requests.Response:
    """POST the crafted callback request; the raw response (status, text, json)."""
    return requests.post(base_url.rstrip("/") + "/_dash-update-component",
                         data=json.dumps(callback_body(dep, values)),
                         headers={"Content-Type": "application/json", **(headers or {})},
                         timeout=timeout)
