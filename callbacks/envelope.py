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

Behind both, a net (`on_error`, Dash's app-wide callback error handler, and Dash's own callback
exceptions): a callback that raises on values the page never sends, or a request Dash itself
finds inconsistent (outputs of a pattern-matching callback that are not the page's), is answered
`400 bad_callback_request` instead of a 500. The traceback is logged at ERROR, so a real bug
still shows in the log (and in the tests, which check what the page shows).
"""

from __future__ import annotations

import logging

from dash.exceptions import CallbackException, DependencyException
from flask import request
from werkzeug.exceptions import BadRequest, HTTPException, NotFound

from api.errors import error_response

log = logging.getLogger(__name__)

REFUSED = "This is not a request the page sends"


class CallbackRefused(BadRequest):
    """A callback request the server will not answer: 400 bad_callback_request."""


def on_error(exc: Exception):
    """Dash's app-wide callback error handler (dash.Dash(on_error=...)): log the traceback and
    answer 400 instead of letting the exception become a 500. An HTTP answer a callback gives
    on purpose (api/hosts.py's 403 to a rebinding host) goes out as it is."""
    if isinstance(exc, HTTPException):
        raise exc
    log.error("Callback failed on %s", request.get_data(as_text=True)[:300], exc_info=exc)
    raise CallbackRefused(f"{REFUSED}: the callback could not use its inputs "
                          f"({type(exc).__name__}).")


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
        return error_response(400, "bad_callback_request", f"{REFUSED}: {problem}.")

    @app.server.errorhandler(DependencyException)
    def _unknown_script(_exc):
        return NotFound()

    @app.server.errorhandler(CallbackRefused)
    def _refused(exc: CallbackRefused):
        return error_response(400, "bad_callback_request", exc.description)

    @app.server.errorhandler(CallbackException)
    def _inconsistent(exc: CallbackException):
        log.error("Callback request refused by Dash: %s", exc)
        return error_response(400, "bad_callback_request",
                              f"{REFUSED}: {str(exc).splitlines()[0][:200]}")


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
