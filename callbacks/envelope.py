"""Requests to Dash's own routes that the page never sends: a 4xx, never Dash's 500.

Callback requests are checked before Dash reads them (below); a script path Dash does not serve
(`_dash-component-suites/<package>/<path>` of an unknown package or file, which Dash answers by
raising) is a 404.

The page's callbacks arrive as POST <prefix>_dash-update-component with a JSON body naming the
callback (`output`), its `outputs`, `inputs` and `state` (each `{"id", "property", "value"}`) and
the inputs that changed (`changedPropIds`). Dash trusts that envelope: a body that is not an
object, names no callback, or lists other inputs than the callback declares makes it raise
(a 500). A real page always sends exactly what the callback declares, so anything else is
answered 400 here, before Dash; the values themselves are each callback's business
(data/domain/filters.py coerces them).
"""

from __future__ import annotations

from dash.exceptions import DependencyException
from flask import request
from werkzeug.exceptions import NotFound

from api.errors import error_response


def register(app) -> None:
    """Check every callback request of `app` (a Dash app) before Dash dispatches it."""
    path = app.config.routes_pathname_prefix + "_dash-update-component"

    @app.server.before_request
    def _check_callback_request():
        if request.path != path or request.method != "POST":
            return None
        try:
            body = request.get_json(silent=True)
        except RecursionError:  # nested deeper than the JSON parser goes
            body = None
        problem = envelope_problem(app.callback_map, body)
        if problem is None:
            return None
        return error_response(400, "bad_callback_request",
                              f"This is not a request the page sends: {problem}.")

    @app.server.errorhandler(DependencyException)
    def _unknown_script(_exc):
        return NotFound()


def envelope_problem(callback_map: dict, body: object) -> str | None:
    """What is wrong with a callback request's body, or None when it has the shape of the
    callback it names (values are not checked)."""
    if not isinstance(body, dict):
        return "the body is not a JSON object"
    output = body.get("output")
    callback = callback_map.get(output) if isinstance(output, str) else None
    if callback is None or "callback" not in callback:  # clientside ones run in the browser
        return "`output` names no server callback"
    for key in ("inputs", "state"):
        if not _same_dependencies(callback.get(key) or [], body.get(key, [])):
            return f"`{key}` are not the callback's"
    declared = callback["output"]
    outputs = body.get("outputs")
    if isinstance(declared, list):
        if not isinstance(outputs, list) or len(outputs) != len(declared) or not all(
                _is_output(o, d) for o, d in zip(outputs, declared)):
            return "`outputs` are not the callback's"
    elif not _is_output(outputs, declared):
        return "`outputs` are not the callback's"
    changed = body.get("changedPropIds", [])
    names = {_prop_id(d) for d in callback.get("inputs") or [] if isinstance(d.get("id"), str)}
    if not isinstance(changed, list) or not all(isinstance(c, str) and c in names
                                                for c in changed):
        return "`changedPropIds` are not inputs of the callback"
    return None


def _same_dependencies(declared: list[dict], given: object) -> bool:
    if not isinstance(given, list) or len(given) != len(declared):
        return False
    for d, g in zip(declared, given):
        if isinstance(d.get("id"), dict):  # a pattern-matching id: a list of matches
            items = g if isinstance(g, list) else [g]
            if not all(isinstance(i, dict) and i.get("property") == d["property"]
                       for i in items):
                return False
        elif not (isinstance(g, dict) and g.get("id") == d["id"]
                  and g.get("property") == d["property"]):
            return False
    return True


def _is_output(given: object, declared) -> bool:
    if isinstance(declared.component_id, dict):  # pattern-matching: Dash checks the matches
        return isinstance(given, (dict, list))
    if not isinstance(given, dict) or not isinstance(given.get("property"), str):
        return False
    prop = given["property"].split("@", 1)[0]  # allow_duplicate outputs carry "@<hash>"
    return given.get("id") == declared.component_id and prop == declared.component_property


def _prop_id(dependency: dict) -> str:
    return f"{dependency['id']}.{dependency['property']}"
