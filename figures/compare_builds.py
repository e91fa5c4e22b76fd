"""The compare page's content: what changed between two builds, a chart of each feature's impact
in build A against build B, and the table and CSV of the compare API's feature rows. Pure."""

from __future__ import annotations

import csv
import io
import re

from data.stats.compare import FEATURE_FIELDS
from figures.base import FONT, label

CHART_HEIGHT = 520
# The compare API's feature fields, plus the change of prevalence (percentage points).
TABLE_FIELDS = FEATURE_FIELDS[:3] + ("prevalence_delta",) + FEATURE_FIELDS[3:]
_FORMATS = {"prevalence_pct_a": ".1f", "prevalence_pct_b": ".1f", "prevalence_delta": "+.1f",
            "impact_a": "+.2%",
            "impact_b": "+.2%", "impact_delta": "+.2%", "n_with_a": ",d", "n_with_b": ",d"}
_HEADERS = {
    "feature": ("Feature", "The feature's name"),
    "prevalence_pct_a": ("Prevalence % A", "Prevalence in build A (images with an outcome)"),
    "prevalence_pct_b": ("Prevalence % B", "Prevalence in build B"),
    "prevalence_delta": ("Δ prevalence", "Prevalence B − prevalence A, percentage points"),
    "impact_a": ("Impact A", "CTR with − CTR without, build A"),
    "impact_b": ("Impact B", "CTR with − CTR without, build B"),
    "impact_delta": ("Δ impact", "Impact B − impact A"),
    "n_with_a": ("Images with A", "Images with an outcome where the feature is present, A"),
    "n_with_b": ("Images with B", "The same in build B"),
}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def summary(body: dict) -> dict:
    """The counts above the chart, as plain values and one sentence."""
    both = [r for r in body["features"] if r["impact_delta"] is not None]
    only_a = sum(r["impact_a"] is not None and r["impact_b"] is None for r in body["features"])
    only_b = sum(r["impact_b"] is not None and r["impact_a"] is None for r in body["features"])
    return {
        "added": body["images_added"], "removed": body["images_removed"],
        "changed": body["images_changed"], "features": len(body["features"]),
        "in_both": len(both), "only_a": only_a, "only_b": only_b,
        "text": (f"Build #{body['build_a']} → #{body['build_b']}: "
                 f"{body['images_added']:,} images added, {body['images_removed']:,} removed, "
                 f"{body['images_changed']:,} with changed values. {len(both)} features have an "
                 f"impact in both builds, {only_a} only in A, {only_b} only in B."),
    }


def impact_figure(body: dict) -> dict:
    """Impact in build A (x) against build B (y), one point per feature with both, and the
    diagonal: a point off it is a feature whose impact moved. Hover names the feature."""
    rows = [r for r in body["features"] if r["impact_delta"] is not None]
    xs = [r["impact_a"] for r in rows]
    ys = [r["impact_b"] for r in rows]
    lo = min(xs + ys + [0.0])
    hi = max(xs + ys + [0.0])
    pad = (hi - lo) * 0.05 or 0.01
    lo, hi = lo - pad, hi + pad
    diagonal = {"type": "scatter", "mode": "lines", "x": [lo, hi], "y": [lo, hi],
                "line": {"color": "#adb5bd", "dash": "dash", "width": 1}, "hoverinfo": "skip",
                "name": "same impact"}
    points = {
        "type": "scatter", "mode": "markers", "x": xs, "y": ys, "name": "features",
        "customdata": [[label(r["feature"]), r["impact_delta"]] for r in rows],
        "hovertemplate": "<b>%{customdata[0]}</b><br>impact A %{x:+.2%}<br>impact B %{y:+.2%}"
                         "<br>Δ %{customdata[1]:+.2%}<extra></extra>",
        "marker": {"size": 9, "color": [abs(r["impact_delta"]) for r in rows],
                   "colorscale": "Reds", "cmin": 0, "showscale": bool(rows),
                   "colorbar": {"title": {"text": "|Δ|"}, "tickformat": ".1%"},
                   "line": {"width": 0.5, "color": "#495057"}},
    }
    title = (f"Impact of each feature: build #{body['build_a']} (x) against #{body['build_b']} "
             "(y); off the diagonal = moved")
    return {"data": [diagonal, points], "layout": {
        "height": CHART_HEIGHT, "font": FONT, "showlegend": False,
        "margin": {"l": 70, "r": 30, "t": 40, "b": 60},
        "title": {"text": label(title), "x": 0, "xanchor": "left", "font": {"size": 13}},
        "xaxis": {"title": {"text": f"impact in build #{body['build_a']}"}, "tickformat": "+.1%",
                  "range": [lo, hi], "zerolinecolor": "#adb5bd", "gridcolor": "#eceff1"},
        "yaxis": {"title": {"text": f"impact in build #{body['build_b']}"}, "tickformat": "+.1%",
                  "range": [lo, hi], "zerolinecolor": "#adb5bd", "gridcolor": "#eceff1",
                  "scaleanchor": "x"},
        "paper_bgcolor": "white", "plot_bgcolor": "white",
    }}


def table_rows(body: dict) -> list[dict]:
    """The compare API's feature rows with `prevalence_delta` (null unless both builds have
    the feature in range)."""
    return [{**r, "prevalence_delta": None if r["prevalence_pct_a"] is None
             or r["prevalence_pct_b"] is None else r["prevalence_pct_b"] - r["prevalence_pct_a"]}
            for r in body["features"]]


def column_defs() -> list[dict]:
    """AG Grid columns of the table rows."""
    defs = []
    for name in TABLE_FIELDS:
        header, tip = _HEADERS[name]
        col = {"field": name, "headerName": header, "headerTooltip": tip}
        if name == "feature":
            col.update(pinned="left", minWidth=160, flex=2)
        else:
            col.update(type="numericColumn", minWidth=96, flex=1, valueFormatter={
                "function": f"params.value == null ? '—' : d3.format('{_FORMATS[name]}')(params.value)"})
        defs.append(col)
    return defs


def csv_text(rows: list[dict]) -> str:
    """The table rows as CSV: the compare API's field names and prevalence_delta, nulls empty,
    full precision."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(TABLE_FIELDS)
    for row in rows:
        writer.writerow([_cell(name, row.get(name)) for name in TABLE_FIELDS])
    return out.getvalue()


def _cell(name: str, value) -> str:
    if value is None:
        return ""
    if name == "feature":
        text = str(value)
        return "'" + text if text.startswith(_FORMULA_START) else text
    return repr(value) if isinstance(value, float) else str(value)


def csv_filename(business: str, image_source: str, build_a: int, build_b: int,
                 threshold: float) -> str:
    parts = [business, image_source, f"build{build_a}-vs-{build_b}", f"t{threshold:g}"]
    safe = "_".join(re.sub(r"[^\w.-]+", "-", p, flags=re.UNICODE).strip("-.") or "x" for p in parts)
    return f"compare_{safe[:150]}.csv"
