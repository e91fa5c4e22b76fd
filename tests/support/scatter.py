"""Reading the compact scatter (figures/dashboard/scatter.py) as the browser does
(assets/scatter.js): the figure's points plus the build's image table give the trace plotly.js
draws, with x, y, text and customdata per point."""

from __future__ import annotations

import base64

import numpy as np

from data.domain.dataset import Dataset
from figures.base import label


def decode(spec: dict) -> np.ndarray:
    """A {"dtype", "bdata"} typed array (URL-safe base64, little-endian) as a numpy array."""
    return np.frombuffer(base64.urlsafe_b64decode(spec["bdata"]),
                         dtype=np.dtype(spec["dtype"]).newbyteorder("<"))


def markers(figure: dict, dataset: Dataset) -> dict:
    """The scatter's trace as plotly.js receives it: "x" (category per point), "y" (the image's
    CTR), "text" (its escaped name), "customdata" (its index), "color" (its confidence)."""
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
    return {**figure["data"][0], "x": x, "customdata": rows,
            "y": [float(dataset.index.y[r]) for r in rows],
            "text": [label(names[r]) for r in rows],
            "color": decode(points["confidence"]).tolist()}
