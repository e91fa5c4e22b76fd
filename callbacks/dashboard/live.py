"""Live updates: every settings.live_poll_ms the page asks the server two cheap questions — the
version of the image source on screen (Store.locate, one indexed row) and the set of image
sources (Store.catalog_version: their count and largest id) — and when either moved, the
selectors re-resolve (ids.LIVE_VERSION), which refreshes every figure with the filters kept and
lists a business or image source that did not exist when the page was opened.

A page following "current" says a new build landed; a page pinned to an older build stays
pinned and says a newer one exists (callbacks/charts.py keeps that notice up).
"""

from __future__ import annotations

from dash import Input, Output, State, no_update

from data.domain.errors import DomainError
from data.domain.filters import normalize_selection
from layouts.dashboard.ids import ids


def change_notice(selection: dict, ref, new_build_label: str | None) -> tuple[str, str]:
    """(text, colour) for what changed between `selection` (what the page shows) and `ref`
    (the image source now); pure, so it is tested without a server."""
    if ref.current_build_id == selection.get("current_build_id"):
        return "New metrics arrived (or older builds were pruned): figures updated.", "info"
    label = f"#{ref.current_build_id}" + (f" (Build-Id {new_build_label})" if new_build_label
                                          else "")
    if selection.get("build") is None:
        return f"New build {label} landed: figures updated, filters kept.", "success"
    return (f"New build {label} landed. You stay on pinned build #{selection['build']}; choose "
            "“current” in Build to switch.", "warning")


def register(app, services) -> None:
    store = services.store
    readable = services.cache  # what this request may read (granted mode, embed links)

    @app.callback(
        Output(ids.LIVE_VERSION, "data"), Output(ids.LIVE_NOTICE, "children"),
        Output(ids.LIVE_NOTICE, "color"), Output(ids.LIVE_NOTICE, "is_open"),
        Input(ids.LIVE_POLL, "n_intervals"), State(ids.SELECTION, "data"),
        State(ids.LIVE_VERSION, "data"),
        prevent_initial_call=True,
    )
    def poll(tick, selection, live):
        selection = normalize_selection(selection)
        nothing = no_update, no_update, no_update, no_update
        # A new (or deleted) business or image source anywhere: one cheap query.
        catalog = list(store.catalog_version())
        known = (live or {}).get("catalog") if isinstance(live, dict) else None
        new_source = known is not None and catalog != known
        if not selection or not selection.get("business"):
            if store.is_empty() or not readable.datasets():
                return ({"tick": tick, "catalog": catalog}, no_update, no_update, no_update) \
                    if new_source else nothing
            return {"tick": tick, "reason": "data", "catalog": catalog}, "Data arrived.", \
                "success", True
        ref = None
        if selection.get("image_source"):
            try:
                ref = readable.locate(selection["business"], selection["image_source"])
            except DomainError:  # not readable (any more)
                return nothing
            if ref is None and selection.get("version") is not None:
                # Deleted while on screen (`cli.py delete-business`): show what exists instead.
                return ({"tick": tick, "reason": "gone", "catalog": catalog},
                        "This image source was deleted.", "warning", True)
        if ref is None or ref.version == selection.get("version"):
            if new_source:  # the selectors re-read what exists (callbacks/dashboard/selectors)
                return ({"tick": tick, "catalog": catalog},
                        "A new business or image source arrived: the selectors list it.",
                        "info", True)
            return nothing
        label = None
        if ref.current_build_id is not None and ref.current_build_id != selection.get(
                "current_build_id"):
            info = store.build_info(ref.id, ref.current_build_id)
            label = info.build_label if info else None
        text, colour = change_notice(selection, ref, label)
        return {"tick": tick, "version": ref.version, "catalog": catalog}, text, colour, True
