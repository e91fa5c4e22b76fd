"""Business → image source → build: one callback keeps the three selectors consistent with the
database and resolves them into ids.SELECTION, which the rest of the page follows.

The page's first view is resolved in the layout (callbacks/dashboard/first_view.py, the URL
asks); afterwards it runs on a user's change, when the live poll sees the server change
(ids.LIVE_VERSION) and after an upload (ids.UPLOAD_DONE). Until it has resolved once
(ids.SELECTION empty) it reads the URL whatever fired it.
"""

from __future__ import annotations

from dataclasses import dataclass

from dash import Input, Output, State, ctx, no_update

from data.domain.filters import CURRENT, build_id, parse_query
from data.domain.names import dataset_name_or_none
from figures.builds import build_options, build_text
from layouts.dashboard.ids import ids



@dataclass(frozen=True)
class Selection:
    business_options: list[dict]
    business: str | None
    source_options: list[dict]
    image_source: str | None
    build_options: list[dict]
    build: int | str | None  # CURRENT or a build id
    selection: dict  # what ids.SELECTION holds


def resolve_selection(datasets: list[dict], business: str | None, image_source: str | None,
                      build) -> Selection:
    """The selectors' options and values for what was asked, falling back to what exists:
    an unknown business → the first with a build (real data before the demo); an unknown image
    source → the business's first with a build; an unknown build → current."""
    by_name = {d["business"]: d for d in datasets}
    if business not in by_name:
        ranked = sorted(datasets, key=lambda d: (not _has_build(d), d.get("is_demo", False)))
        business = ranked[0]["business"] if ranked else None
    sources = by_name[business]["image_sources"] if business is not None else []
    source_by_name = {s["image_source"]: s for s in sources}
    if image_source not in source_by_name:
        with_build = [s for s in sources if s.get("current_build") is not None] or sources
        image_source = with_build[0]["image_source"] if with_build else None
    source = source_by_name.get(image_source)
    builds = source["builds"] if source else []
    ids_ = {b["id"] for b in builds}
    if build != CURRENT:
        try:
            build = int(build) if build is not None else CURRENT
        except (TypeError, ValueError):
            build = CURRENT
        if build not in ids_:
            build = CURRENT
    current = source.get("current_build") if source else None
    return Selection(
        business_options=[{"label": d["business"], "value": d["business"]} for d in datasets],
        business=business,
        source_options=[{"label": s["image_source"], "value": s["image_source"]}
                        for s in sources],
        image_source=image_source,
        build_options=_build_options(builds),
        build=build if builds else None,
        selection={"business": business, "image_source": image_source,
                   "build": build if isinstance(build, int) else None,
                   "version": source.get("version") if source else None,
                   "current_build_id": current},
    )


def _has_build(d: dict) -> bool:
    return any(s.get("current_build") is not None for s in d["image_sources"])


def _build_options(builds: list[dict]) -> list[dict]:
    """'current' first (it follows new builds), then every build, newest first, each with its
    Build-Id (the Jenkins build number) and when it was received."""
    if not builds:
        return []
    current = next((b for b in builds if b.get("is_current")), builds[0])
    return [{"label": f"current: {build_text(current)}", "value": CURRENT}] + build_options(builds)


SELECTOR_OUTPUTS = {
    "business_options": Output(ids.BUSINESS, "options"), "business": Output(ids.BUSINESS, "value"),
    "source_options": Output(ids.IMAGE_SOURCE, "options"),
    "image_source": Output(ids.IMAGE_SOURCE, "value"),
    "build_options": Output(ids.BUILD, "options"), "build": Output(ids.BUILD, "value"),
    "selection": Output(ids.SELECTION, "data"),
}
SELECTOR_INPUTS = {
    "business": Input(ids.BUSINESS, "value"), "image_source": Input(ids.IMAGE_SOURCE, "value"),
    "build": Input(ids.BUILD, "value"), "live": Input(ids.LIVE_VERSION, "data"),
    "uploaded": Input(ids.UPLOAD_DONE, "data"),
    "search": State(ids.URL, "search"), "previous": State(ids.SELECTION, "data"),
}


def register(app, services) -> None:
    # Not called on load: the layout holds its answer already (callbacks/dashboard/first_view).
    @app.callback(output=SELECTOR_OUTPUTS, inputs=SELECTOR_INPUTS, prevent_initial_call=True)
    def sync_selectors_callback(**values):
        return sync_selectors(services, ctx.triggered_id, **values)


def sync_selectors(services, trigger, business, image_source, build, live, uploaded, search,
                   previous) -> dict:
    """SELECTOR_OUTPUTS' values after `trigger` (a component id; None on the page's first
    view) changed: the selectors' options and values and the resolved ids.SELECTION."""
    # What a crafted request could put here (lists, dicts, ids past 2^31) is read as
    # "nothing chosen", so resolve_selection falls back to what exists.
    business, image_source = dataset_name_or_none(business), dataset_name_or_none(image_source)
    build = CURRENT if build_id(build) is None else build_id(build)
    uploaded = uploaded if isinstance(uploaded, dict) else None
    first = previous is None  # nothing resolved on this page yet
    # A pinned metrics delivery (metrics=<id> in the URL) belongs to its image source: kept
    # while the page stays on that source.
    metrics = (previous or {}).get("metrics")
    if first:  # the URL says what to show
        # Not only on the first view: a live tick or an upload can come before a page that
        # was served without its first view (no Referer) has resolved anything.
        asked = parse_query(search)
        business, image_source = asked["business"], asked["image_source"]
        build = asked["build"] if asked["build"] is not None else CURRENT
        metrics = asked["metrics"]
    elif trigger == ids.BUSINESS:
        build = CURRENT  # image source kept when the new business has one of that name
    elif trigger == ids.IMAGE_SOURCE:
        build = CURRENT
    shown = (business, image_source, build)  # what the selectors hold now
    if trigger == ids.UPLOAD_DONE and uploaded:
        business = dataset_name_or_none(uploaded.get("business"))
        image_source = dataset_name_or_none(uploaded.get("image_source"))
        build = CURRENT
    # services.cache.datasets(): only what this request may read (granted, embed).
    sel = resolve_selection(services.cache.datasets(), business, image_source, build)
    if not first and (sel.business, sel.image_source) != (
            previous.get("business"), previous.get("image_source")):
        metrics = None
    selection = {**sel.selection, "metrics": metrics}
    return {"business_options": sel.business_options,
            "business": _changed(sel.business, shown[0], first),
            "source_options": sel.source_options,
            "image_source": _changed(sel.image_source, shown[1], first),
            "build_options": sel.build_options, "build": _changed(sel.build, shown[2], first),
            "selection": selection if selection != previous else no_update}


def _changed(new, old, first: bool):
    """Write a selector's value only when it differs (an equal write would still fire every
    callback listening to it); the first time always write it."""
    return new if first or new != old else no_update
