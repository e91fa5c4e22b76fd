"""Every page of the app, in navigation order. A new page is one line here plus its own
layout, callbacks and figures modules (layouts/<page>, callbacks/<page>, figures/<page>)."""

from __future__ import annotations

from callbacks import compare as compare_callbacks
from callbacks import compare_builds as compare_builds_callbacks
from callbacks import dashboard as dashboard_callbacks
from callbacks import history as history_callbacks
from callbacks import people as people_callbacks
from callbacks import quality as quality_callbacks
from callbacks import rate as rate_callbacks
from data.domain.links import COMPARE_PAGE, HISTORY_PAGE, QUALITY_PAGE
from layouts import compare as compare_layout
from layouts import compare_builds as compare_builds_layout
from layouts import history as history_layout
from layouts import people as people_layout
from layouts import quality as quality_layout
from layouts import rate as rate_layout
from callbacks import fixes as fixes_callbacks
from callbacks import thresholds as thresholds_callbacks
from layouts import fixes as fixes_layout
from layouts import thresholds as thresholds_layout
from layouts.dashboard import page as dashboard_layout
from layouts.shell import Page

PAGES: tuple[Page, ...] = (
    Page("", "Dashboard", dashboard_layout.layout, dashboard_callbacks.register),
    Page("rate", "Rate", rate_layout.layout, rate_callbacks.register),
    Page("compare", "Compare", compare_layout.layout, compare_callbacks.register),
    Page("people", "People vs CTR", people_layout.layout, people_callbacks.register),
    Page(QUALITY_PAGE, "Build quality", quality_layout.layout, quality_callbacks.register),
    Page(COMPARE_PAGE, "Compare builds", compare_builds_layout.layout, compare_builds_callbacks.register),
    Page(HISTORY_PAGE, "Feature history", history_layout.layout, history_callbacks.register),
    Page("fixes", "Fixes", fixes_layout.layout, fixes_callbacks.register),
    Page("thresholds", "Thresholds", thresholds_layout.layout, thresholds_callbacks.register),
)


def page_for(pathname: str | None, prefix: str) -> Page | None:
    """The page a browser path (with the URL prefix) shows; None when it is no page."""
    path = pathname or prefix
    if not path.startswith(prefix) and path + "/" != prefix:
        return None
    relative = path[len(prefix):].strip("/")
    return next((p for p in PAGES if p.path == relative), None)
