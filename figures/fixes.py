"""The Fixes page's figures and tables (docs/statistics.md, label fixes and thresholds): pure, no
Dash, Flask or database.

Counts per feature answer "which labels does the model get wrong most?"; the table lists recent
fixes; the conflicts list pairs people disagree on; the download is the API's CSV export.
"""

from __future__ import annotations

import re

import pandas as pd

from figures.base import base_layout, label, message_figure

COUNTS_TOP = 25  # features on the chart
COUNTS_HEIGHT = 360
AGREE = "#9aa5b1"
DISAGREE = "#d62728"

_HEADERS = {
    "at": ("When (UTC)", "When the fix was made"),
    "by": ("By", "The person (or the token) who made it"),
    "image": ("Image", "The image's name"),
    "feature": ("Feature", "The feature fixed"),
    "present": ("Fix", "What the person says: present or absent"),
    "model_value": ("Model value", "The model's value in the build the fix was made against "
                                   "(0: the model gave none; empty: that build has no such "
                                   "image or feature)"),
    "build": ("Build", "The build the fix was made against"),
    "note": ("Note", "The person's note"),
    "conflict": ("Conflict", "People's latest fixes of this image and feature disagree"),
}
TABLE_FIELDS = ("at", "by", "image", "feature", "present", "model_value", "build", "note",
                "conflict")


def counts_figure(counts: pd.DataFrame, top: int = COUNTS_TOP) -> dict:
    """Per feature (most disagreements first): fixed pairs that agree with the model and that
    disagree, stacked horizontally."""
    if counts.empty:
        return message_figure("No fixes yet for this image source.", COUNTS_HEIGHT,
                              "Fixes per feature")
    shown = counts.head(top).iloc[::-1]  # plotly draws the first category at the bottom
    names = [label(n) for n in shown["feature"].tolist()]
    agree = (shown["pairs"] - shown["disagree"]).tolist()
    layout = base_layout(max(COUNTS_HEIGHT, 22 * len(shown) + 80),
                         title="Fixed images per feature: the model agrees / disagrees")
    layout.update(barmode="stack", showlegend=True,
                  legend={"orientation": "h", "y": -0.12, "x": 0},
                  xaxis={"title": {"text": "images fixed (latest fix per image)"},
                         "gridcolor": "#eceff1"},
                  yaxis={"type": "category", "automargin": True},
                  margin={"l": 160, "r": 24, "t": 36, "b": 48})
    return {"data": [
        {"type": "bar", "orientation": "h", "name": "model disagrees", "y": names,
         "x": shown["disagree"].tolist(), "marker": {"color": DISAGREE},
         "hovertemplate": "%{y}: the model disagrees with %{x} fixes<extra></extra>"},
        {"type": "bar", "orientation": "h", "name": "model agrees", "y": names, "x": agree,
         "marker": {"color": AGREE},
         "hovertemplate": "%{y}: the model agrees with %{x} fixes<extra></extra>"},
    ], "layout": layout}


def counts_rows(counts: pd.DataFrame) -> list[dict]:
    """The counts per feature as table rows."""
    return counts.to_dict("records")


def column_defs() -> list[dict]:
    """AG Grid columns of the recent-fixes table."""
    defs = []
    for name in TABLE_FIELDS:
        header, tip = _HEADERS[name]
        col = {"field": name, "headerName": header, "headerTooltip": tip, "minWidth": 90,
               "flex": 1}
        if name in ("image", "note"):
            col.update(flex=2, minWidth=160)
        if name == "model_value":
            col.update(type="numericColumn", valueFormatter={
                "function": "params.value == null ? '—' : d3.format('.4~g')(params.value)"})
        if name == "at":
            col.update(minWidth=170, valueFormatter={
                "function": "params.value ? params.value.replace('T', ' ').slice(0, 19) : ''"})
        if name in ("present", "conflict"):
            # Words, not AG Grid's read-only checkboxes: a screen reader says "absent".
            col.update(cellDataType=False, valueFormatter={"function": (
                "params.value ? 'present' : 'absent'" if name == "present"
                else "params.value ? 'yes' : ''")})
        defs.append(col)
    return defs


def summary(total: int, shown: int, pairs: int, conflicts: int, disagree: int,
            people: int) -> str:
    """One sentence over the whole image source."""
    if total == 0:
        return ("Nobody has fixed a label of this image source yet: open an image on the "
                "dashboard (click a point) and mark a feature present or absent, or send fixes "
                "to PUT /api/v1/fixes.")
    return (f"{total:,} fixes of {pairs:,} image–feature pairs by {people:,} "
            f"{'person' if people == 1 else 'people'}; the model disagrees with {disagree:,} "
            f"latest fixes; {conflicts:,} pairs are contested. Showing {shown:,}.")


def export_filename(business: str, image_source: str) -> str:
    safe = re.sub(r"[^\w.-]+", "-", f"{business}_{image_source}", flags=re.UNICODE).strip("-.")
    return f"fixes_{safe[:150] or 'export'}.csv"
