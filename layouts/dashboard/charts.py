"""The charts and what is said around them: status line, notices, the empty-state guide, the
scatter and the three bars stacked on one feature axis (figures/ builds them)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from data.domain.links import QUALITY_PAGE, href as page_href
from figures.builds import alarm_text
from figures.dashboard.bars import BAR_HEIGHT, IMPACT_HEIGHT
from figures.dashboard.scatter import SCATTER_HEIGHT
from layouts.dashboard.ids import ids

GRAPH_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}


def notices() -> html.Div:
    return html.Div([
        dbc.Alert(id=ids.LIVE_NOTICE, is_open=False, duration=8000, color="info",
                  dismissable=True, className="py-2 mb-2"),
        html.Div(id=ids.BUILD_NOTICE),
        html.Div(id=ids.GUIDE),
    ])


def charts() -> html.Div:
    return html.Div([
        html.Div(id=ids.STATUS, className="status-line mb-2"),
        html.Small(id=ids.SAMPLE_NOTE, className="text-muted d-block mb-1"),
        dcc.Store(id=ids.SCATTER_DATA),
        dcc.Graph(id=ids.SCATTER, config=GRAPH_CONFIG, figure=_blank(SCATTER_HEIGHT),
                  clear_on_unhover=True,
                  className="chart chart-scatter"),
        dcc.Graph(id=ids.BAR_WITH, config=GRAPH_CONFIG, figure=_blank(BAR_HEIGHT),
                  className="chart"),
        dcc.Graph(id=ids.BAR_IMPACT, config=GRAPH_CONFIG, figure=_blank(IMPACT_HEIGHT),
                  className="chart"),
        dcc.Graph(id=ids.BAR_WITHOUT, config=GRAPH_CONFIG, figure=_blank(BAR_HEIGHT),
                  className="chart"),
    ], className="charts")


def quality_href(prefix: str, business: str, image_source: str, build: int) -> str:
    return page_href(prefix, QUALITY_PAGE, business=business, image_source=image_source,
                     build=build)


def _blank(height: int) -> dict:
    """The figure before the first render: axes hidden, a loading word (never a bare grid)."""
    return {"data": [], "layout": {
        "height": height, "xaxis": {"visible": False}, "yaxis": {"visible": False},
        "annotations": [{"text": "Loading…", "showarrow": False, "xref": "paper",
                         "yref": "paper", "x": 0.5, "y": 0.5, "font": {"color": "#adb5bd"}}]}}


def status(s: dict, prefix: str = "/") -> list:
    """The status line for render_view's status dict: build, images, CTR coverage, features,
    ingest time, the build's quality, the metrics delivery used, a link that pins both, demo
    marker. Every name is passed as text; `prefix` is URL_PREFIX (for the links)."""
    build = f"Build-Id {s['build_label']}" if s.get("build_label") else "no Build-Id"
    items = [
        _item("build", f"#{s['build_id']} · {build}"
              + (" (current)" if s["build_id"] == s.get("current_build_id") else " (pinned)")),
        _item("images", f"{s['images']:,}"),
        *([_item("outcome", s["outcome_name"])] if s.get("outcome", "ctr") != "ctr" else []),
        _item(f"without {s.get('outcome_name', 'CTR')}", f"{s['images_without_ctr']:,}"),
        _item("features shown",
              f"{s['features_shown']:,} of {s['features_in_range']:,}"
              + (f" ({s['features_hidden']:,} hidden by top-K)" if s["features_hidden"] else "")
              + (f" ({s['features_excluded']:,} excluded)" if s["features_excluded"] else "")),
        _item("ingested", (s.get("received_at") or "?").replace("T", " ")),
    ]
    if s.get("weight") == "impressions":
        items.append(_item("weighted", "by impressions (pooled CTR)"))
    if s.get("pinned_out_of_range"):
        items.append(_item("pinned but outside the sparsity range",
                           ", ".join(s["pinned_out_of_range"][:5])))
    if "alarms" in s:
        items += [quality_item(s, prefix), metrics_item(s),
                  html.A("link to these numbers", href=prefix + s["permalink_query"],
                         className="status-item status-permalink me-3",
                         title="This view with the build and the metrics delivery pinned: it "
                               "shows the same numbers after new builds or metrics arrive.")]
    if s.get("apply_fixes"):
        changed = s.get("fixes_changed") or 0
        items.append(_item("label fixes",
                           f"applied: fixes changed {changed:,} value{'s' if changed != 1 else ''}"
                           f" ({s.get('fixes_applied') or 0:,} fixes in this build)"))
    if s.get("saved_thresholds"):
        items.append(_item("thresholds", f"saved for {s['saved_thresholds']:,} features, "
                                         f"{s['threshold']:g} for the rest"))
    if s.get("is_demo"):
        items.append(dbc.Badge("demo data", color="warning", text_color="dark",
                               className="ms-1 status-demo"))
    return items


def quality_item(s: dict, prefix: str) -> html.Span:
    """The build's quality checks: its alarms (a link to the quality page) or "ok"."""
    href = quality_href(prefix, s["business"], s["image_source"], s["build_id"])
    alarms = s.get("alarms")
    if alarms:
        text = f"{alarm_text(alarms)} ({', '.join(alarms)})"
        value = html.A(text, href=href, className="fw-semibold text-danger status-alarm")
    else:
        value = html.A("ok" if alarms == [] else "not checked", href=href, className="fw-semibold")
    return html.Span([html.Span("quality: ", className="text-muted"), value],
                     className="status-item status-quality me-3")


def metrics_item(s: dict) -> html.Span:
    """Which metrics delivery the numbers use, and whether it is pinned or the latest."""
    d = s.get("delivery")
    if d is None:
        return _item("metrics", "none yet")
    when = (d.get("received_at") or "").replace("T", " ")
    latest = s.get("latest_delivery_id")
    if d["id"] == latest:
        state = "latest, pinned" if s.get("metrics_pinned") else "latest"
    else:
        state = f"pinned; delivery {latest} is newer"
    who = f" by {d['who']}" if d.get("who") else ""
    return _item("metrics", f"delivery {d['id']} ({state}) · {d['rows']:,} rows · {when}{who}")


def _item(name: str, value: str) -> html.Span:
    return html.Span([html.Span(name + ": ", className="text-muted"),
                      html.Span(value, className="fw-semibold")], className="status-item me-3")


def sample_note(s: dict) -> str:
    if not s.get("points_total"):
        return ""
    if s.get("sampled"):
        return (f"Showing {s['points_shown']:,} of {s['points_total']:,} points: a fixed sample "
                "per feature (the same images in every feature). Bars and table use all data.")
    return (f"{s['points_total']:,} points: one point per (image, feature) pair, for each "
            f"image with {s.get('outcome_name', 'a CTR')} and each feature present in it.")


def build_notice(s: dict) -> list:
    """A lasting notice when the build on screen is not the current one."""
    current = s.get("current_build_id")
    if current is None or s["build_id"] == current:
        return []
    return [dbc.Alert(["You are viewing build #", str(s["build_id"]), ", pinned. A newer build (#",
                       str(current), ") is current: choose “current” in Build to follow new builds."],
                      color="secondary", className="py-2 mb-2 build-notice")]


def guide(kind: str | None, text: str = "", commands: list[tuple[str, str]] = ()) -> list:
    """The empty/partial-state explanation with the commands that fix it."""
    if not kind:
        return []
    body = [html.P(line, className="mb-1") for line in text.split("\n")]
    for caption, command in commands:
        body += [html.Div(caption, className="small text-muted mt-2"),
                 html.Pre(command, className="guide-command mb-0")]
    return [dbc.Alert(body, color="light", className="border guide", id={"guide": kind})]
