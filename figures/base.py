"""What every chart of the page shares: the plot frame that keeps the four charts' x-axes
aligned, label escaping for untrusted names, and the message figure that replaces a blank chart.
"""

from __future__ import annotations

import base64
import math
from html import escape, unescape

import numpy as np

from data.domain.filters import feature_key

# Fixed left/right margins (no automargin on y): the scatter and the three bars are stacked with
# the same width, so equal margins put each feature's column at the same pixel in every chart.
MARGIN_LEFT = 76
MARGIN_RIGHT = 96
FONT = {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 12}


def label(text: str) -> str:
    """Text for a Plotly label: plotly.js reads hover text, tick labels and annotations as
    pseudo-HTML, so < > & from image and feature names are escaped to show as typed."""
    return escape(str(text), quote=False)


# Names as charts show them: a 2,500-character tick label takes Chromium 45 s to lay out, so
# axes and hovers carry at most this many characters (the table and the detail panel show the
# whole name; data/domain/names.py limits what can be stored).
AXIS_NAME_CHARS = 40
HOVER_NAME_CHARS = 60  # image names in the scatter's hover
OPTION_NAME_CHARS = 40  # feature names in the pin / exclude dropdowns
MAX_FEATURE_OPTIONS = 1_000
ELLIPSIS = "…"


def shorten(text: str, limit: int) -> str:
    """`text` when it has at most `limit` characters, else its first limit - 1 and an ellipsis."""
    text = str(text)
    return text if len(text) <= limit else text[:max(limit - 1, 0)] + ELLIPSIS


def axis_labels(names: list[str], limit: int = AXIS_NAME_CHARS) -> list[str]:
    """Escaped labels for a category axis, each at most `limit` characters (plus a number when
    two long names share their beginning): unique, because a category axis merges equal labels
    and the bars and the hover line find a feature's column by its label."""
    labels, seen = [], set()
    for name in names:
        text, n = shorten(name, limit), 1
        while text in seen:
            n += 1
            suffix = f" ({n})"
            text = shorten(name, limit - len(suffix)) + suffix
        seen.add(text)
        labels.append(text)
    return [label(t) for t in labels]


def feature_options(names: list[str], counts=None, chosen=()) -> list[dict]:
    """Options of the pin / exclude dropdowns, in name order: label the name shortened, value
    its feature_key (data/domain/filters.py). The browser indexes every substring of every
    option, so a build with more than MAX_FEATURE_OPTIONS features offers those present in
    most images (`counts`, per name), plus the keys already `chosen`."""
    keys = [feature_key(n) for n in names]
    keep = range(len(names))
    if len(names) > MAX_FEATURE_OPTIONS and counts is not None:
        chosen = set(chosen)
        top = set(np.argsort(-np.asarray(counts), kind="stable")[:MAX_FEATURE_OPTIONS].tolist())
        keep = [i for i in keep if i in top or keys[i] in chosen]
    return [{"label": shorten(names[i], OPTION_NAME_CHARS), "value": keys[i]} for i in keep]


def base_layout(height: int, *, bottom: int = 24, top: int = 36, title: str = "",
                uirevision: str | None = None, tick_labels: list[str] | None = None) -> dict:
    """A layout with the shared frame; `title` is plain text (escaped here). With
    `tick_labels` (the x-axis's escaped names, shown turned) the bottom margin is what they
    need (tick_label_margin)."""
    if tick_labels is not None:
        bottom = tick_label_margin(tick_labels, height, top, bottom)
    layout = {
        "height": height,
        "margin": {"l": MARGIN_LEFT, "r": MARGIN_RIGHT, "t": top, "b": bottom},
        "font": FONT,
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "showlegend": False,
        "title": {"text": label(title), "x": 0.0, "xanchor": "left", "font": {"size": 13}},
    }
    if uirevision is not None:
        layout["uirevision"] = uirevision
    return layout


TICK_ANGLE = 50  # degrees the feature names on a category axis are turned
# automargin leaves a plot area of at least ~57-62 px (plotly.js's layout.minreducedheight, 64,
# less its rounding; measured at heights 210-440): a reserved margin leaves no less.
MIN_PLOT_HEIGHT = 56
# Advance widths (em) of the printable ASCII characters in DejaVu Sans, the font headless
# Chromium draws `FONT` with here, measured there and rounded up. DejaVu is among the widest
# sans-serif fonts, so the widths are at or above what most browsers measure; any other
# character counts a whole em (a CJK character's width).
_ASCII_EM = (
    0.32, 0.41, 0.46, 0.84, 0.64, 0.96, 0.78, 0.28, 0.40, 0.40, 0.50, 0.84, 0.32, 0.37, 0.32, 0.34,
    0.64, 0.64, 0.64, 0.64, 0.64, 0.64, 0.64, 0.64, 0.64, 0.64, 0.34, 0.34, 0.84, 0.84, 0.84, 0.54,
    1.00, 0.69, 0.69, 0.70, 0.78, 0.64, 0.58, 0.78, 0.76, 0.30, 0.30, 0.66, 0.56, 0.87, 0.75, 0.79,
    0.61, 0.79, 0.70, 0.64, 0.62, 0.74, 0.69, 0.99, 0.69, 0.62, 0.69, 0.40, 0.34, 0.40, 0.84, 0.50,
    0.50, 0.62, 0.64, 0.55, 0.64, 0.62, 0.36, 0.64, 0.64, 0.28, 0.28, 0.58, 0.28, 0.98, 0.64, 0.62,
    0.64, 0.64, 0.42, 0.53, 0.40, 0.64, 0.60, 0.82, 0.60, 0.60, 0.53, 0.64, 0.34, 0.64, 0.84,
)
# What plotly.js adds to a turned label's own extent for the dashboard's axes (measured in the
# page: 18.4-18.6 px), and a little more.
_TICK_LABEL_PAD = 22
_MARGIN_STEP = 24


def text_width(text: str, size: float = FONT["size"]) -> float:
    """Pixels `text` (as shown, not escaped) takes at font size `size`, from `_ASCII_EM`."""
    return size * sum(_ASCII_EM[o - 32] if 32 <= o < 127 else 1.0 for o in map(ord, text))


def tick_label_margin(labels: list[str], height: int, top: int, bottom: int) -> int:
    """The bottom margin a chart of `height` px needs under its turned feature names (`labels`
    escaped, as the axis carries them), reserved up front; at least `bottom`, at most what
    leaves MIN_PLOT_HEIGHT of plot.

    With automargin alone plotly.js draws the chart, measures the labels, and when the margin
    they need differs from the last one, draws the chart again: on every filter change that
    brings other names (a slider release, median of 12: 386 ms with automargin alone, 332 ms
    with the margin reserved; docs/benchmarks.md). With the margin already there it draws once;
    automargin stays on for a wider font."""
    if not labels:
        return bottom
    turn = math.radians(TICK_ANGLE)
    widest = max(text_width(unescape(t)) for t in labels)
    needed = widest * math.sin(turn) + FONT["size"] * math.cos(turn) + _TICK_LABEL_PAD
    # In steps: a margin that moves makes plotly.js lay the whole chart out anew, so a filter
    # change that brings slightly longer or shorter names keeps the margin it had.
    stepped = _MARGIN_STEP * math.ceil(needed / _MARGIN_STEP)
    return max(bottom, min(stepped, height - top - MIN_PLOT_HEIGHT))


def category_axis(categories: list[str], *, show_labels: bool) -> dict:
    """The shared x-axis: the escaped feature names in the page's order, nothing else.

    The order comes from the traces (each figure lists its x in the page's order), not from a
    categoryarray: dcc.Graph deep-copies the layout on every update and plotly.js treats a new
    categoryarray as new data, recomputing every marker — on each hover-line update."""
    axis = {
        "type": "category",
        "categoryorder": "trace",
        "range": [-0.5, len(categories) - 0.5],
        "showticklabels": show_labels,
        "tickangle": -TICK_ANGLE,
        "automargin": show_labels,
        "showgrid": False,
        "linecolor": "#adb5bd",
        "ticks": "",
    }
    return axis


def value_axis(title: str, tickformat: str = "") -> dict:
    return {"title": {"text": title, "standoff": 6}, "tickformat": tickformat,
            "gridcolor": "#eceff1", "zerolinecolor": "#adb5bd", "automargin": False}


def message_figure(text: str, height: int, title: str = "") -> dict:
    """A chart-sized figure that says `text` (plain text) instead of showing empty axes."""
    layout = base_layout(height, title=title)
    layout.update(
        xaxis={"visible": False}, yaxis={"visible": False},
        annotations=[{"text": label(text).replace("\n", "<br>"), "showarrow": False,
                      "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5,
                      "font": {"size": 13, "color": "#6c757d"}}],
    )
    return {"data": [], "layout": layout}


def typed_array(values, dtype: str) -> dict:
    """A numeric array as {"dtype", "bdata": base64 of the little-endian values} (plotly.js's
    typed-array form, in the URL-safe alphabet: Dash's JSON escapes every "/" as six
    characters): 4 bytes a float32 where JSON spends ~20 characters a number."""
    data = np.ascontiguousarray(values, dtype=np.dtype(dtype).newbyteorder("<"))
    return {"dtype": dtype, "bdata": base64.urlsafe_b64encode(data.tobytes()).decode("ascii")}


def index_dtype(largest: int) -> str:
    """The smallest unsigned typed-array dtype holding 0..largest."""
    return "u1" if largest < 1 << 8 else "u2" if largest < 1 << 16 else "u4"
