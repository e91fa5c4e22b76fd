"""Image detail callback: a click on a scatter point opens the panel for that image."""

from __future__ import annotations

from dash import Input, Output, State, no_update

from data.domain.errors import DomainError
from figures.dashboard.detail import image_detail
from data.domain.filters import normalize_filters, whole_number
from layouts.dashboard import detail
from layouts.dashboard.ids import ids


def register(app, services) -> None:
    """Attach the detail panel's callback to `app`."""

    # clickData is cleared once read: Dash fires only on a changed value, and a second click on
    # the same point (after closing the panel) must open it again.
    @app.callback(Output(ids.DETAIL, "is_open"), Output(ids.DETAIL_BODY, "children"),
                  Output(ids.SCATTER, "clickData"),
                  Input(ids.SCATTER, "clickData"), State(ids.FILTERS, "data"),
                  prevent_initial_call=True)
    def open_detail(click, filters):
        image = clicked_image(click)
        f = normalize_filters(filters)
        if image is None or not f["business"]:
            return no_update, no_update, no_update
        try:
            ds = services.cache.get(f["business"], f["image_source"], f["build"])
        except DomainError as exc:
            return True, detail.message(exc.message), None
        if not 0 <= image < ds.matrix.n_images:
            return True, detail.message("That point belongs to a build no longer on screen; "
                                        "click it again after the page refreshes."), None
        return True, detail.body(image_detail(ds, image), f["threshold"], ds.build.id), None


def clicked_image(click: object) -> int | None:
    """The image index a scatter click carries: the first element of the point's customdata;
    None for anything else (no point, or a crafted value that is no index)."""
    points = click.get("points") if isinstance(click, dict) else None
    if not isinstance(points, list) or not points or not isinstance(points[0], dict):
        return None
    data = points[0].get("customdata")
    if isinstance(data, (list, tuple)):
        data = data[0] if data else None
    return whole_number(data)
