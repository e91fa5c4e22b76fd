"""Live updates: every settings.live_poll_ms the page asks the server one cheap question — the
version of the image source on screen (Store.locate, one indexed row) — and when it moved, the
selectors re-resolve (ids.LIVE_VERSION), which refreshes every figure with the filters kept.

A page following "current" says a new build landed; a page pinned to an older build stays
pinned and says a newer one exists (callbacks/charts.py keeps that notice up).
"""

from __future__ import annotations

from dash import Input, Output, State, no_update

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

    @app.callback(
        Output(ids.LIVE_VERSION, "data"), Output(ids.LIVE_NOTICE, "children"),
        Output(ids.LIVE_NOTICE, "color"), Output(ids.LIVE_NOTICE, "is_open"),
        Input(ids.LIVE_POLL, "n_intervals"), State(ids.SELECTION, "data"),
        prevent_initial_call=True,
    )
    def poll(tick, selection):
        selection = normalize_selection(selection)
        if not selection or not selection.get("business"):
            if store.is_empty():
                return no_update, no_update, no_update, no_update
            return {"tick": tick, "reason": "data"}, "Data arrived.", "success", True
        if not selection.get("image_source"):
            return no_update, no_update, no_update, no_update
        ref = store.locate(selection["business"], selection["image_source"])
        if ref is None and selection.get("version") is not None:
            # Deleted while on screen (`cli.py delete-business`): show what exists instead.
            return ({"tick": tick, "reason": "gone"}, "This image source was deleted.",
                    "warning", True)
        if ref is None or ref.version == selection.get("version"):
            return no_update, no_update, no_update, no_update
        label = None
        if ref.current_build_id is not None and ref.current_build_id != selection.get(
                "current_build_id"):
            info = store.build_info(ref.id, ref.current_build_id)
            label = info.build_label if info else None
        text, colour = change_notice(selection, ref, label)
        return {"tick": tick, "version": ref.version}, text, colour, True
