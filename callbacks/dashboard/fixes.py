"""Label fixes in the image detail panel: the panel's image (ids.DETAIL_IMAGE, set by the
detail callback) shows its fixes beside the model's values; "It is present" / "It is absent"
stores a fix under the person's name (the sign-on header or the name typed in the navigation
bar) against the build on screen.

Without a name nothing is stored: the panel asks for one first. After a fix, ids.FIXES_VERSION
moves, the filters follow it, and the figures recompute (with "apply label fixes" on, the fix
counts at once).
"""

from __future__ import annotations

from dash import Input, Output, State, ctx, no_update

from api.people import current_person
from data.domain.errors import DomainError
from data.domain.filters import normalize_filters
from data.payloads.fixes import MAX_NOTE, FixRow
from data.stats.fix_history import fix_tables
from figures.dashboard.fixes import image_fixes_view
from layouts.dashboard import fixes as fixes_layout
from layouts.dashboard.ids import ids

NO_NAME = "Type your name in the bar at the top first: fixes are stored with who made them."

SHOW_OUTPUTS = {
    "labels": Output(ids.DETAIL_FIXES, "children"),
    "history": Output(ids.DETAIL_HISTORY, "children"),
    "options": Output(ids.FIX_FEATURE, "options"),
    "feature": Output(ids.FIX_FEATURE, "value"),
    "result": Output(ids.FIX_RESULT, "children"),
}
SAVE_OUTPUTS = {
    "labels": Output(ids.DETAIL_FIXES, "children", allow_duplicate=True),
    "history": Output(ids.DETAIL_HISTORY, "children", allow_duplicate=True),
    "result": Output(ids.FIX_RESULT, "children", allow_duplicate=True),
    "version": Output(ids.FIXES_VERSION, "data"),
    "note": Output(ids.FIX_NOTE, "value"),
}


def register(app, services) -> None:
    """Attach the panel's fix callbacks to `app`."""

    def dataset(filters: dict):
        return services.cache.get(filters["business"], filters["image_source"],
                                  filters["build"])

    def panel(ds, image: str, threshold: float) -> dict:
        # Only this image's fixes (one indexed query): conflicts are per (image, feature), so
        # its own rows decide them, and a fix does not wait for the whole source's tables.
        tables = fix_tables(services.labels.fixes(ds.source.id, image=image))
        view = image_fixes_view(ds.matrix, tables, image, threshold)
        return {"labels": fixes_layout.labels_table(view, threshold),
                "history": fixes_layout.history(view), "options": view.feature_options}

    @app.callback(output=SHOW_OUTPUTS, inputs={"shown": Input(ids.DETAIL_IMAGE, "data"),
                                                "filters": State(ids.FILTERS, "data")},
                  prevent_initial_call=True)
    def show_fixes(shown, filters):
        """The fixes of the image the panel opened on (callbacks/dashboard/detail.py)."""
        out = {key: no_update for key in SHOW_OUTPUTS}
        image = shown.get("image") if isinstance(shown, dict) else None
        f = normalize_filters(filters if isinstance(filters, dict) else None)
        if not isinstance(image, str) or not f["business"]:
            return {**out, "labels": [], "history": [], "options": [], "feature": None,
                    "result": ""}
        try:
            ds = dataset(f)
        except DomainError:
            return out
        view = panel(ds, image, f["threshold"])
        return {"labels": view["labels"], "history": view["history"],
                "options": fixes_layout.feature_options(view["options"]),
                "feature": view["options"][0] if view["options"] else None, "result": ""}

    @app.callback(output=SAVE_OUTPUTS, inputs={
        "present": Input(ids.FIX_PRESENT, "n_clicks"), "absent": Input(ids.FIX_ABSENT, "n_clicks"),
        "feature": State(ids.FIX_FEATURE, "value"), "note": State(ids.FIX_NOTE, "value"),
        "shown": State(ids.DETAIL_IMAGE, "data"), "filters": State(ids.FILTERS, "data")},
        prevent_initial_call=True)
    def save_fix(present, absent, feature, note, shown, filters):
        """Store one fix of the panel's image under the person's name."""
        out = {key: no_update for key in SAVE_OUTPUTS}
        if ctx.triggered_id not in (ids.FIX_PRESENT, ids.FIX_ABSENT):
            return out
        person = current_person()
        if person is None:
            return {**out, "result": NO_NAME}
        f = normalize_filters(filters if isinstance(filters, dict) else None)
        image = shown.get("image") if isinstance(shown, dict) else None
        if not isinstance(image, str) or not isinstance(feature, str) or not f["business"]:
            return {**out, "result": "Click a point of the scatter to choose an image, then a "
                                     "feature."}
        note = _note(note)
        is_present = ctx.triggered_id == ids.FIX_PRESENT
        try:
            ds = dataset(f)
            services.labels.put_fixes(ds.source, ds.build.id, ds.matrix,
                                      [FixRow(image, feature, is_present, note)], by=person.name)
        except DomainError as exc:
            return {**out, "result": exc.message}
        shown_now = panel(ds, image, f["threshold"])
        return {"labels": shown_now["labels"], "history": shown_now["history"],
                "result": f"Saved: {feature} {'present' if is_present else 'absent'} in "
                          f"{image}, by {person.name}.",
                "version": {"version": services.labels.fixes_version(ds.source.id)},
                "note": ""}


def _note(note) -> str | None:
    """The note as stored: text without control characters, at most MAX_NOTE long; None if empty."""
    if not isinstance(note, str):
        return None
    note = "".join(ch for ch in note if ch.isprintable()).strip()[:MAX_NOTE]
    return note or None
