"""Callback requests as the page sends them, built from the app's own `/_dash-dependencies`, so
tests can POST any value to any server callback (`/_dash-update-component`) without a browser.

    deps = server_callbacks(requests.get(url("_dash-dependencies")).json())
    body = callback_body(deps[0], {("selection", "data"): {...}}, changed=("selection", "data"))
"""

from __future__ import annotations


def server_callbacks(dependencies: list[dict]) -> list[dict]:
    """The callbacks that run on the server (clientside ones never reach it)."""
    return [d for d in dependencies if not d.get("clientside_function")]


def _outputs(output: str) -> list[dict] | dict:
    """The `outputs` of a callback request for a dependencies `output` string
    ("..a.b...c.d.." for several, "a.b" for one; "@<hash>" stays on the property)."""
    def one(text: str) -> dict:
        head, _, digest = text.partition("@")
        component, prop = head.rsplit(".", 1)
        return {"id": component, "property": prop + (f"@{digest}" if digest else "")}

    if output.startswith(".."):
        return [one(part) for part in output[2:-2].split("...")]
    return one(output)


def dependency_keys(callback: dict) -> list[tuple[str, str, str]]:
    """("inputs" | "state", component id, property) of every input and state, in order."""
    return [(kind, d["id"], d["property"]) for kind in ("inputs", "state")
            for d in callback.get(kind, [])]


def callback_body(callback: dict, values: dict, changed: tuple[str, str] | None = None) -> dict:
    """The JSON body of a request to `callback`; `values` maps (component id, property) to the
    value sent (None when absent); `changed` is the input said to have fired."""
    def items(kind: str) -> list[dict]:
        return [{"id": d["id"], "property": d["property"],
                 "value": values.get((d["id"], d["property"]))}
                for d in callback.get(kind, [])]

    inputs = items("inputs")
    changed_ids = []
    if changed is not None and any((d["id"], d["property"]) == changed
                                   for d in callback.get("inputs", [])):
        changed_ids = [f"{changed[0]}.{changed[1]}"]
    return {"output": callback["output"], "outputs": _outputs(callback["output"]),
            "inputs": inputs, "state": items("state"), "changedPropIds": changed_ids}
