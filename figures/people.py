"""The People page's figure and words: each image's CTR against people's mean score (or
strength), with Pearson's and Spearman's correlation and their 95% intervals. Pure."""

from __future__ import annotations

import numpy as np

from data.stats.correlation import Correlation
from figures.base import base_layout, label, message_figure, value_axis

MEASURES = {"score": "mean score", "strength": "strength"}  # people's measure on the y-axis
HEIGHT = 520


def people_figure(names: list[str], ctr: np.ndarray, judged: np.ndarray, measure: str) -> dict:
    """Scatter of every image with both a CTR and the measure: x = CTR, y = the measure;
    customdata = the image's name (a click opens it)."""
    keep = np.isfinite(ctr) & np.isfinite(judged)
    title = f"CTR against people's {MEASURES[measure]}"
    if not keep.any():
        return message_figure(f"No image has both a CTR and a {MEASURES[measure]} yet.\n"
                              "Send metrics, and rate or compare images.", HEIGHT, title)
    chosen = [names[i] for i in np.flatnonzero(keep)]
    trace = {
        "type": "scatter", "mode": "markers", "x": ctr[keep], "y": judged[keep],
        "customdata": chosen, "text": [label(n) for n in chosen],
        "marker": {"size": 8, "opacity": 0.7, "color": "#5b8def"},
        "hovertemplate": (f"<b>%{{text}}</b><br>CTR: %{{x:.3%}}<br>{MEASURES[measure]}: "
                          "%{y:.2f}<extra></extra>"),
    }
    layout = base_layout(HEIGHT, bottom=48, title=title)
    layout.update(xaxis=value_axis("image CTR", ".1%"),
                  yaxis=value_axis(f"people's {MEASURES[measure]}", ".1f"),
                  hovermode="closest")
    return {"data": [trace], "layout": layout}


def correlation_text(c: Correlation) -> str:
    """'Pearson r = 0.31 (95% CI 0.12 to 0.48), n = 96', or why there is none."""
    name = {"pearson": "Pearson r", "spearman": "Spearman ρ"}[c.method]
    if c.r is None:
        return f"{name}: not enough images with both measures (n = {c.n})"
    ci = "" if c.ci_low is None else f" (95% CI {c.ci_low:+.2f} to {c.ci_high:+.2f})"
    return f"{name} = {c.r:+.2f}{ci}, n = {c.n}"
