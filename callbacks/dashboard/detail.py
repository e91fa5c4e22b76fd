"""Image detail callback: a click on a scatter point opens the panel for that image."""

from __future__ import annotations

from dash import Input, Output, State, no_update

from api.access import locked_filters
from data.domain.errors import DomainError
from figures.dashboard.detail import image_detail
from data.domain.filters import normalize_filters, whole_number
from data.domain.links import HISTORY_PAGE, href
from layouts.dashboard import detail
from layouts.dashboard.ids import ids


def register(app, services) -> None:
    """Attach the detail panel's callback to `app`."""

    # clickData is cleared once read: Dash fires only on a changed value, and a second click on
    # the same point (after closing the panel) must open it again.
    # The panel's image ({"image": name, "build": id}, None when none) goes to ids.DETAIL_IMAGE,
    # which the label fixes part (callbacks/dashboard/fixes.py) follows: the click itself is
    # cleared here before any other callback could read it.
    @app.callback(Output(ids.DETAIL, "is_open"), Output(ids.DETAIL_BODY, "children"),
                  Output(ids.SCATTER, "clickData"), Output(ids.DETAIL_IMAGE, "data"),
                  Input(ids.SCATTER, "clickData"), State(ids.FILTERS, "data"),
                  prevent_initial_call=True)
    def open_detail(click, filters):
        image = clicked_image(click)
        f = normalize_filters(locked_filters(filters))
        if image is None or not f["business"]:
            return no_update, no_update, no_update, no_update
        try:
            ds = services.cache.get(f["business"], f["image_source"], f["build"], f["metrics"])
        except DomainError as exc:
            return True, detail.message(exc.message), None, None
        if not 0 <= image < ds.matrix.n_images:
            return True, detail.message("That point belongs to a build no longer on screen; "
                                        "click it again after the page refreshes."), None, None
        prefix = services.settings.url_prefix

        def history_href(feature: str) -> str:
            return href(prefix, HISTORY_PAGE, business=ds.source.business,
                        image_source=ds.source.name, feature=feature, threshold=f["threshold"],
                        metrics=f["metrics"])

        board = services.scores.scoreboard(ds.source)
        return (True, detail.body(image_detail(ds, image, board), f["threshold"], ds.build.id,
                                  history_href), None,
                {"image": ds.matrix.image_names[image], "build": ds.build.id})


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
