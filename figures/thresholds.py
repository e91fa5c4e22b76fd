"""The threshold advisor page's figures (docs/statistics.md, label fixes and thresholds): pure, no
Dash, Flask or database.

* the curve: precision (with its Wilson 95% band), recall and coverage against the threshold,
  one point per candidate threshold (thinned to MAX_CURVE_POINTS for the browser; the API has
  them all), with the chosen and the suggested threshold marked;
* the histogram of the model's values for images fixed present and fixed absent;
* the x-axis follows the data (values need not lie in [0, 1]: raw scores, negatives).
"""

from __future__ import annotations

import numpy as np

from data.stats.thresholds import ThresholdPoints
from figures.base import base_layout, message_figure

MAX_CURVE_POINTS = 1500
HISTOGRAM_BINS = 40
CURVE_HEIGHT = 360
HISTOGRAM_HEIGHT = 260
PRECISION = "#1f77b4"
RECALL = "#2ca02c"
COVERAGE = "#7f7f7f"
PRESENT = "#1f77b4"
ABSENT = "#e8710a"
CHOSEN = "#212529"
SUGGESTED = "#d62728"


def value_axis_range(values: np.ndarray) -> list[float]:
    """[low, high] of the x-axis: 0 and every labelled value inside, with a little room."""
    v = np.asarray(values, dtype=np.float64)
    low = min(0.0, float(v.min())) if len(v) else 0.0
    high = max(float(v.max()) if len(v) else 1.0, low + 1e-9)
    pad = (high - low) * 0.03 or 0.05
    return [low - pad, high + pad]


def thin(n: int, cap: int = MAX_CURVE_POINTS) -> np.ndarray:
    """Indices of at most `cap` of n points, evenly spread, first and last kept."""
    if n <= cap:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, cap).round().astype(np.int64))


def marker_shapes(threshold: float | None, suggested: float | None) -> list[dict]:
    """Vertical lines at the chosen threshold (solid) and at the suggestion (dashed)."""
    shapes = []
    for x, colour, dash, name in ((threshold, CHOSEN, "solid", "threshold"),
                                  (suggested, SUGGESTED, "dash", "suggested")):
        if x is not None and np.isfinite(x):
            shapes.append({"type": "line", "name": name, "xref": "x", "yref": "paper",
                           "x0": x, "x1": x, "y0": 0, "y1": 1,
                           "line": {"color": colour, "width": 1.5, "dash": dash}})
    return shapes


def curve_figure(points: ThresholdPoints, x_range: list[float], threshold: float | None,
                 suggested: float | None, feature: str) -> dict:
    """Precision (with the Wilson band), recall and coverage against the threshold."""
    if points.labelled == 0:
        return message_figure("Nobody has fixed this feature in images of this build yet.",
                              CURVE_HEIGHT, "Precision, recall and coverage")
    keep = thin(len(points.threshold))
    x = points.threshold[keep].tolist()

    def series(values: np.ndarray) -> list:
        return [None if v != v else v for v in values[keep].tolist()]

    traces = [
        {"type": "scatter", "mode": "lines", "x": x, "y": series(points.precision_ci_high),
         "line": {"width": 0, "shape": "vh"}, "hoverinfo": "skip", "showlegend": False,
         "name": "precision 95% high"},
        {"type": "scatter", "mode": "lines", "x": x, "y": series(points.precision_ci_low),
         "line": {"width": 0, "shape": "vh"}, "fill": "tonexty",
         "fillcolor": "rgba(31,119,180,0.15)", "hoverinfo": "skip",
         "name": "precision, 95% Wilson interval"},
        {"type": "scatter", "mode": "lines", "x": x, "y": series(points.precision),
         "name": "precision", "line": {"color": PRECISION, "width": 2, "shape": "vh"},
         "customdata": points.predicted[keep].tolist(),
         "hovertemplate": "threshold %{x:.4g}<br>precision %{y:.1%} (n = %{customdata:,})"
                          "<extra></extra>"},
        {"type": "scatter", "mode": "lines", "x": x, "y": series(points.recall),
         "name": "recall", "line": {"color": RECALL, "width": 2, "shape": "vh"},
         "hovertemplate": "threshold %{x:.4g}<br>recall %{y:.1%}<extra></extra>"},
        {"type": "scatter", "mode": "lines", "x": x, "y": series(points.coverage),
         "name": "coverage", "line": {"color": COVERAGE, "width": 2, "dash": "dot",
                                      "shape": "vh"},
         "hovertemplate": "threshold %{x:.4g}<br>coverage %{y:.1%}<extra></extra>"},
    ]
    layout = base_layout(CURVE_HEIGHT, title=f"{feature}: precision, recall and coverage by "
                                             f"threshold ({points.labelled:,} labelled images)")
    layout.update(
        showlegend=True, legend={"orientation": "h", "y": -0.2, "x": 0},
        xaxis={"title": {"text": "threshold (present when value > 0 and ≥ threshold)"},
               "range": x_range, "gridcolor": "#eceff1", "zeroline": True,
               "zerolinecolor": "#adb5bd"},
        yaxis={"title": {"text": "share"}, "tickformat": ".0%", "range": [0, 1.02],
               "gridcolor": "#eceff1"},
        hovermode="x unified", margin={"l": 64, "r": 24, "t": 36, "b": 72},
        shapes=marker_shapes(threshold, suggested))
    return {"data": traces, "layout": layout}


def histogram_figure(values: np.ndarray, fixed_present: np.ndarray, x_range: list[float],
                     threshold: float | None, suggested: float | None) -> dict:
    """How many labelled images have each model value, fixed present vs fixed absent."""
    v = np.asarray(values, dtype=np.float64)
    fixed = np.asarray(fixed_present, dtype=bool)
    if not len(v):
        return message_figure("No labelled images.", HISTOGRAM_HEIGHT, "Model values")
    edges = np.linspace(x_range[0], x_range[1], HISTOGRAM_BINS + 1)
    centres = ((edges[:-1] + edges[1:]) / 2).tolist()
    width = float(edges[1] - edges[0])
    traces = []
    for mask, name, colour in ((fixed, "fixed present", PRESENT),
                               (~fixed, "fixed absent", ABSENT)):
        counts, _ = np.histogram(v[mask], bins=edges)
        traces.append({"type": "bar", "x": centres, "y": counts.tolist(), "width": width,
                       "name": f"{name} ({int(mask.sum()):,})", "marker": {"color": colour},
                       "opacity": 0.65,
                       "hovertemplate": f"{name}<br>value %{{x:.3g}}: %{{y:,}} images"
                                        "<extra></extra>"})
    layout = base_layout(HISTOGRAM_HEIGHT, title="The model's values of the labelled images "
                                                 "(0: the model gave none)")
    layout.update(barmode="overlay", showlegend=True,
                  legend={"orientation": "h", "y": -0.3, "x": 0},
                  xaxis={"title": {"text": "model value"}, "range": x_range,
                         "gridcolor": "#eceff1"},
                  yaxis={"title": {"text": "images"}, "gridcolor": "#eceff1"},
                  margin={"l": 64, "r": 24, "t": 36, "b": 72},
                  shapes=marker_shapes(threshold, suggested))
    return {"data": traces, "layout": layout}


def threshold_sentence(at: dict, labelled: int, value_range: list[float] | None) -> str:
    """What the chosen threshold does, in words (with the out-of-range flag)."""
    t = at["threshold"]
    if at["out_of_range"] and value_range is not None:
        if t < 0:
            return (f"{t:g} is below 0: presence needs a value above 0, so it acts exactly "
                    "like 0.")
        return (f"{t:g} is above every labelled value (the largest is {value_range[1]:.4g}): "
                "it predicts nothing.")
    return f"At {t:g} the model predicts {at['predicted']:,} of {labelled:,} labelled images."
