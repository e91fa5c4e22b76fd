"""Reading the compact scatter (figures/dashboard/scatter.py) as the browser does
(assets/scatter.js): the figure's points plus the build's image table give the trace plotly.js
draws, with x, y, text and customdata per point."""

from __future__ import annotations

import base64

import numpy as np

from data.domain.dataset import Dataset
from figures.base import label, shorten


def decode(spec: dict) -> np.ndarray:
    """A {"dtype", "bdata"} typed array (URL-safe base64, little-endian) as a numpy array."""
    return np.frombuffer(base64.urlsafe_b64decode(spec["bdata"]),
                         dtype=np.dtype(spec["dtype"]).newbyteorder("<"))


def markers(figure: dict, dataset: Dataset) -> dict:
    """The scatter's trace as plotly.js receives it: "x" (category per point), "y" (the image's
    outcome: its CTR from `dataset`, the CTR dataset, or the figure's own "y"), "text" (its name,
    shortened and escaped), "customdata" (its index), "color" (its confidence) and, with
    per-feature thresholds, "hovertext"."""
    points = figure["points"]
    assert points["images"]["build"] == dataset.build.id
    steps = decode(points["image_step"]).astype(np.int64)
    rows, x = [], []
    i = 0
    for category, first, count in zip(points["categories"], points["image_first"],
                                      points["counts"]):
        image = first
        for _ in range(count):
            image += int(steps[i])
            rows.append(image)
            x.append(category)
            i += 1
    assert i == len(steps)
    names = dataset.matrix.image_names
    outcome = dataset.index.y
    if "y" in points:  # not the CTR: people's outcome, per judged image
        outcome = np.full(len(names), np.nan)
        outcome[decode(points["y"]["images"]).astype(np.int64)] = decode(points["y"]["values"])
    limit = points.get("hover_name_chars", 10**9)
    trace = {**figure["data"][0], "x": x, "customdata": rows,
             "y": [float(outcome[r]) for r in rows],
             "text": [label(shorten(names[r], limit)) for r in rows],
             "color": decode(points["confidence"]).tolist()}
    if "category_text" in points:
        trace["hovertext"] = [t for t, n in zip(points["category_text"], points["counts"])
                              for _ in range(n)]
    return trace
