"""Callback requests as the page sends them, built from the app's own `/_dash-dependencies`, so
tests can POST any value to any server callback (`/_dash-update-component`) without a browser.

    deps = server_callbacks(requests.get(url("_dash-dependencies")).json())
    body = callback_body(deps[0], {("selection", "data"): {...}}, changed=("selection", "data"))
"""

from __future__ import annotations

import json


def server_callbacks(dependencies: list[dict]) -> list[dict]:
    """The callbacks that run on the server (clientside ones never reach it)."""
    return [d for d in dependencies if not d.get("clientside_function")]


def _outputs(output: str) -> list[dict] | dict:
    """The `outputs` of a callback request for a dependencies `output` string
    ("..a.b...c.d.." for several, "a.b" for one; "@<hash>" stays on the property)."""
    def one(text: str) -> dict | list:
        head, _, digest = text.partition("@")
        component, prop = head.rsplit(".", 1)
        if component.startswith("{"):  # a pattern-matching id: no component on a bare page
            return []
        return {"id": component, "property": prop + (f"@{digest}" if digest else "")}

    if output.startswith(".."):
        return [one(part) for part in output[2:-2].split("...")]
    return one(output)


def has_patterns(callback: dict) -> bool:
    """Whether the callback has pattern-matching ids (its requests then list the matching
    components, which a test without a browser does not have)."""
    deps = callback.get("inputs", []) + callback.get("state", [])
    return callback["output"].lstrip(".").startswith("{") or "...{" in callback["output"] \
        or any(isinstance(d["id"], dict) or str(d["id"]).startswith("{") for d in deps)


def dependency_keys(callback: dict) -> list[tuple[str, str, str]]:
    """("inputs" | "state", component id, property) of every input and state, in order."""
    return [(kind, d["id"], d["property"]) for kind in ("inputs", "state")
            for d in callback.get(kind, [])]


def callback_body(callback: dict, values: dict, changed: tuple[str, str] | None = None) -> dict:
    """The JSON body of a request to `callback`; `values` maps (component id, property) to the
    value sent (None when absent); `changed` is the input said to have fired."""
    def items(kind: str) -> list:
        return [[] if _is_pattern(d["id"]) else
                {"id": d["id"], "property": d["property"],
                 "value": values.get((d["id"], d["property"]))}
                for d in callback.get(kind, [])]

    inputs = items("inputs")
    changed_ids = []
    if changed is not None and any((d["id"], d["property"]) == changed
                                   for d in callback.get("inputs", [])):
        changed_ids = [f"{changed[0]}.{changed[1]}"]
    return {"output": callback["output"], "outputs": _outputs(callback["output"]),
            "inputs": inputs, "state": items("state"), "changedPropIds": changed_ids}


def _is_pattern(component) -> bool:
    if isinstance(component, dict):
        return True
    if isinstance(component, str) and component.startswith("{"):
        try:
            return isinstance(json.loads(component), dict)
        except ValueError:
            return False
    return False
