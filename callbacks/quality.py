"""The quality page's callback: the selectors (from the URL on load, then the user's), the
checks of the chosen build, and the URL that reopens it."""

from __future__ import annotations

from dash import Input, Output, State, ctx

from data.domain.errors import DomainError
from data.domain.filters import query_string
from data.domain.links import COMPARE_PAGE, href, parse
from data.storage.over_time import build_quality
from figures.builds import build_options, name_options, pick_source
from figures.quality import check_rows, summary
from layouts import quality as page
from layouts.quality import ids

OUTPUTS = {
    "business_options": Output(ids.BUSINESS, "options"), "business": Output(ids.BUSINESS, "value"),
    "source_options": Output(ids.IMAGE_SOURCE, "options"),
    "source": Output(ids.IMAGE_SOURCE, "value"),
    "build_options": Output(ids.BUILD, "options"), "build": Output(ids.BUILD, "value"),
    "resolved": Output(ids.RESOLVED, "data"), "search": Output(ids.URL, "search"),
    "summary": Output(ids.SUMMARY, "children"), "checks": Output(ids.CHECKS, "children"),
    "links": Output(ids.LINKS, "children"),
}


def register(app, services) -> None:
    prefix = services.settings.url_prefix

    @app.callback(output=OUTPUTS, inputs={
        "business": Input(ids.BUSINESS, "value"), "source": Input(ids.IMAGE_SOURCE, "value"),
        "build": Input(ids.BUILD, "value"), "search": State(ids.URL, "search"),
        "resolved": State(ids.RESOLVED, "data")})
    def show(business, source, build, search, resolved):
        if not resolved:  # first view: the URL says what to show
            asked = parse(search)
            business, source, build = asked["business"], asked["image_source"], asked["build"]
        elif ctx.triggered_id in (ids.BUSINESS, ids.IMAGE_SOURCE):
            build = None  # another image source: its current build
        datasets = services.cache.datasets()
        business, source, entry = pick_source(datasets, business, source)
        builds = entry["builds"] if entry else []
        if build not in {b["id"] for b in builds}:
            build = entry["current_build"] if entry else None
        out = {"business_options": name_options(d["business"] for d in datasets),
               "business": business,
               "source_options": name_options(
                   s["image_source"] for d in datasets if d["business"] == business
                   for s in d["image_sources"]),
               "source": source, "build_options": build_options(builds), "build": build,
               "resolved": True,
               "search": href("", "", business=business, image_source=source, build=build),
               "summary": page.summary(None, "No build yet: nothing to check."), "checks": [],
               "links": []}
        if build is None:
            return out
        try:
            ref = services.cache.source(business, source)
            body = build_quality(services.cache, ref, build, services.settings.quality_limits)
        except DomainError as exc:
            return {**out, "summary": page.summary(None, exc.message)}
        previous = body["previous_build"]
        return {**out, "summary": page.summary(summary(body)),
                "checks": page.checks_table(check_rows(body)),
                "links": page.links(
                    href(prefix, COMPARE_PAGE, business=business, image_source=source,
                         build_a=previous, build_b=build) if previous is not None else None,
                    prefix + query_string({"business": business, "image_source": source,
                                           "build": build}))}
