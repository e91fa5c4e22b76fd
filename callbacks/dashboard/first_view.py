"""The dashboard's first view, answered while the layout is served.

On load the page used to ask the server four times in a row (selectors → controls → filters →
charts), each round waiting for the browser to apply the previous answer: seconds on a busy
machine (docs/benchmarks.md, first page). Here the same callback functions run once, in order,
on the layout itself: each reads its inputs from the components' initial props and writes its
outputs into them, so the page arrives with its selectors, controls, filters and figures filled
and those callbacks skip their initial call (prevent_initial_call). Only the filters fold still
runs on load, to put the canonical query into the browser's address.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from dash import no_update
from flask import has_request_context, request

from callbacks.dashboard import charts, filters, selectors
from data.domain.errors import DomainError
from layouts.dashboard.ids import ids

_NO_UPDATE = type(no_update)


def page_search() -> str:
    """The query string (with its "?", as dcc.Location's `search` holds it) of the page the
    browser is on: the layout request's Referer (sent in full to the same origin), or ""."""
    if not has_request_context() or not request.referrer:
        return ""
    try:
        query = urlsplit(request.referrer).query
    except ValueError:  # not a URL
        return ""
    return "?" + query if query else ""


def fill(page, services, search: str) -> None:
    """Run the load-time callbacks on `page` (a component tree, changed in place) for the
    address whose query is `search`. A failure that a callback would have shown (a domain
    error: no such dataset, database down) leaves the rest as the layout had it; the live poll
    re-resolves the page once data can be read. Outside a request (a tool or a test building
    the tree) nothing is filled: the answers depend on who asks and on which host."""
    if not has_request_context():
        return
    by_id = _components(page)
    given = {(ids.URL, "search"): search}

    def read(dependency):
        key = (dependency.component_id, dependency.component_property)
        if key in given:
            return given[key]
        return getattr(by_id.get(dependency.component_id), dependency.component_property, None)

    def run(inputs: dict, outputs: dict, function) -> None:
        values = function(**{name: read(dep) for name, dep in inputs.items()})
        for name, output in outputs.items():
            value = values.get(name, no_update)
            key = (output.component_id, output.component_property)
            if isinstance(value, _NO_UPDATE) or key in given:
                continue  # the address is the browser's: the fold callback writes it
            setattr(by_id[output.component_id], output.component_property, value)

    try:
        run(selectors.SELECTOR_INPUTS, selectors.SELECTOR_OUTPUTS,
            lambda **v: selectors.sync_selectors(services, None, **v))
        run(filters.CONTROL_INPUTS, filters.CONTROL_OUTPUTS,
            lambda **v: filters.fit_controls(services, **v))
        run(filters.FILTER_INPUTS, filters.FILTER_OUTPUTS, filters.fold_filters)
        run(charts.INPUTS, charts.OUTPUTS, lambda **v: charts.render(services, **v))
    except DomainError:
        pass


def _components(tree) -> dict:
    """Every component of `tree` that has an id, by id."""
    found, stack = {}, [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, (list, tuple)):
            stack.extend(node)
            continue
        if not hasattr(node, "_prop_names"):
            continue
        node_id = getattr(node, "id", None)
        if isinstance(node_id, str):
            found[node_id] = node
        stack.append(getattr(node, "children", None))
    return found
