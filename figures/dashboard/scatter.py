"""The scatter: one marker per (image, present feature), x = feature, y = image CTR.

Past `POINT_CAP` markers the browser stalls, so a bigger view draws a deterministic sample,
stratified per feature: every feature keeps a share proportional to its points (and at least a
floor, so a rare feature stays visible), and within a feature the images kept are those with the
smallest fixed hash of their index — the same images across features, so a sampled image still
shows most of its features and the hover line stays meaningful.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from data.stats.features import FeatureIndex
from figures.base import (HOVER_NAME_CHARS, base_layout, category_axis, index_dtype, typed_array,
                          value_axis)
from figures.dashboard.outcome import OutcomeLook, look as outcome_look

POINT_CAP = 20_000
MIN_POINTS_PER_FEATURE = 50
# Knuth's multiplicative hash: a bijection on 32-bit image indices that scatters neighbours.
_HASH_MULTIPLIER = np.uint64(2654435761)
_HASH_MASK = np.uint64(0xFFFFFFFF)

SCATTER_HEIGHT = 440
HOVER_LINE_COLOUR = "#d62728"  # callbacks/hover.py draws the line in the browser


@dataclass(frozen=True)
class ScatterPoints:
    """The markers to draw, ordered by feature (x order) then by confidence."""

    feature_pos: np.ndarray  # int: position of each point's feature in the x categories
    entries: np.ndarray  # int64: positions in index.rows / index.values
    total: int  # points in the view before sampling
    per_feature_total: np.ndarray  # int: points of each feature before sampling

    @property
    def sampled(self) -> bool:
        return len(self.entries) < self.total


def point_quota(counts: np.ndarray, cap: int, floor: int = MIN_POINTS_PER_FEATURE) -> np.ndarray:
    """Points to keep per feature so the total is min(sum(counts), cap), never negative and
    never more than a feature has: every feature keeps min(count, floor) (the floor shrinks
    when features x floor exceeds the cap), the rest is shared in proportion to what is left of
    each feature, by largest remainder. With more features that have points than the cap
    (top_k=all on a build of 20,000+ features), one point each goes to `cap` of them spread
    evenly along the axis."""
    counts = np.asarray(counts, dtype=np.int64)
    cap = max(int(cap), 0)
    total = int(counts.sum())
    if total <= cap:
        return counts.copy()
    with_points = np.flatnonzero(counts > 0)
    if len(with_points) >= cap:
        quota = np.zeros(len(counts), dtype=np.int64)
        if cap:
            chosen = with_points[np.linspace(0, len(with_points) - 1, cap).round().astype(np.int64)]
            quota[chosen] = 1  # distinct: cap <= len(with_points) spreads to distinct positions
        return quota
    floor = max(1, min(floor, cap // len(with_points)))
    base = np.minimum(counts, floor)
    left = cap - int(base.sum())
    extra = counts - base
    share = extra * (left / extra.sum())
    quota = base + np.floor(share).astype(np.int64)
    short = cap - int(quota.sum())
    if short > 0:
        # Largest remainders first; ties by feature position, so the result is deterministic.
        order = np.lexsort((np.arange(len(counts)), -(share - np.floor(share))))
        quota[order[:short]] += 1
    return np.minimum(quota, counts)


def image_priority(rows: np.ndarray) -> np.ndarray:
    """A fixed pseudo-random rank per image index (smaller = kept first when sampling)."""
    return ((rows.astype(np.uint64) * _HASH_MULTIPLIER) & _HASH_MASK).astype(np.uint32)


def scatter_points(index: FeatureIndex, threshold: float, features: np.ndarray,
                   cap: int = POINT_CAP) -> ScatterPoints:
    """The (image, feature) pairs present at `threshold` for the features given (columns of the
    index, in x order), sampled down to `cap` when there are more."""
    slices = index.present_entries(threshold, features)
    counts = np.fromiter((s.stop - s.start for s in slices), dtype=np.int64, count=len(slices))
    quota = point_quota(counts, cap)
    priority = image_priority(np.arange(len(index.y))) if quota.sum() < counts.sum() else None
    parts = []
    for s, n, k in zip(slices, counts.tolist(), quota.tolist()):
        if k == n:
            parts.append(np.arange(s.start, s.stop, dtype=np.int64))
        elif k > 0:
            parts.append(s.start + _smallest(priority[index.rows[s]], k))
    entries = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
    feature_pos = np.repeat(np.arange(len(slices)), quota)
    return ScatterPoints(feature_pos, entries, int(counts.sum()), counts)


def _smallest(priority: np.ndarray, k: int) -> np.ndarray:
    """Positions of the k smallest priorities, ascending by position.

    Priorities are spread evenly over 32 bits, so the k smallest lie (almost surely) below a
    cut a little above k/n of the range; partitioning only those keeps the cost O(n) with a
    small constant instead of a full argpartition. Same result either way."""
    n = len(priority)
    cut = min(int(k / n * 2.0**32 * 1.3) + 32 * 2**32 // max(n, 1), 2**32 - 1)
    candidates = np.flatnonzero(priority < cut)
    if len(candidates) < k:
        candidates = np.arange(n)
    if len(candidates) > k:
        candidates = candidates[np.argpartition(priority[candidates], k - 1)[:k]]
    candidates.sort()  # back to confidence order within the feature
    return candidates.astype(np.int64)


def scatter_title(look: OutcomeLook) -> str:
    return f"Image {look.name} by feature present"


def scatter_figure(index: FeatureIndex, points: ScatterPoints, categories: list[str],
                   images: dict, *, uirevision: str, look: OutcomeLook | None = None,
                   confidence: np.ndarray | None = None) -> dict:
    """The WebGL scatter, compact: per point only what the browser cannot derive.

    `categories` are the escaped feature names in x order; `images` names the build's image
    table ({"business", "image_source", "build", "metrics"?, "key"}: GET /api/v1/images, every
    image's name and CTR), which the browser fetches once per build and metrics delivery.
    `confidence`: the marker colour per point (in `points` order; default the index's values).
    The figure's "points" hold, feature by feature (`counts` points each, images ascending
    within a feature):
    * the image of each point, as its step from the feature's previous point ("image_step",
      the first point of feature f: `image_first[f]`), a typed array of 1-2 bytes a point;
    * its confidence ("confidence", float32: the marker colour);
    * for an outcome other than the CTR (people's score or strength: not in the image table),
      "y": the outcome of every image that has one ({"images", "values"} typed arrays);
    * "hover_name_chars": image names longer than this are shortened in the hover;
    * "category_text" (render_view adds it with per-feature thresholds): a hover line per
      category.
    assets/scatter.js expands them into the trace plotly.js draws: x (the category), y (the
    image's outcome), text (its name, shortened and escaped), customdata (the image index: the
    hover line and the detail panel read it), marker.color and hovertext.
    tests/support/scatter.py does the same in Python.
    """
    look = look or outcome_look(None)
    counts = np.bincount(points.feature_pos, minlength=len(categories))
    rows = index.rows[points.entries].astype(np.int64)
    order = np.lexsort((rows, points.feature_pos))  # within a feature by image, for small steps
    rows = rows[order]
    if confidence is None:
        confidence = index.values[points.entries]
    confidence = np.asarray(confidence, dtype=np.float64)[order]
    first = np.zeros(len(categories), dtype=np.int64)
    starts = np.cumsum(counts) - counts
    present = counts > 0
    first[present] = rows[starts[present]]
    step = np.diff(rows, prepend=0)
    step[starts[present]] = 0
    markers = {
        "type": "scattergl",
        "mode": "markers",
        "name": "images",
        "marker": {
            "colorscale": "Viridis",
            "cmin": 0.0,
            "cmax": max(index.max_value, 1e-12),
            "size": 6,
            "opacity": 0.7,
            "colorbar": {"title": {"text": "confidence", "side": "right"}, "thickness": 12,
                         "len": 0.9, "x": 1.01, "xpad": 4},
        },
        "hovertemplate": ("<b>%{text}</b><br>feature: %{x}<br>confidence: %{marker.color:.3f}"
                          f"<br>{look.name}: %{{y:{look.hover}}}<extra></extra>"),
    }
    layout = base_layout(SCATTER_HEIGHT, bottom=8, title=scatter_title(look),
                         uirevision=uirevision, tick_labels=categories)
    layout.update(
        xaxis=category_axis(categories, show_labels=True),
        yaxis=value_axis(f"image {look.name}", look.axis),
        hovermode="closest",
        # Finite distances: with -1 plotly.js searches every point on each mouse move, which
        # freezes the page at 100k points.
        hoverdistance=12,
        spikedistance=12,
        hoverlabel={"bgcolor": "white", "font": {"size": 12}},
        dragmode="zoom",
        shapes=[],  # the hover line (callbacks/hover.py)
    )
    spec = {
        "categories": categories, "counts": counts.tolist(), "images": images,
        "image_first": first.tolist(),
        "image_step": typed_array(step, index_dtype(int(step.max()) if len(step) else 0)),
        "confidence": typed_array(confidence, _colour_dtype(confidence)),
        "hover_name_chars": HOVER_NAME_CHARS,
    }
    if look.key != "ctr":
        judged = np.flatnonzero(~np.isnan(index.y))
        spec["y"] = {"images": typed_array(judged, "u4"),
                     "values": typed_array(index.y[judged], "f8")}
    return {"data": [markers], "layout": layout, "points": spec}


def _colour_dtype(values: np.ndarray) -> str:
    """float32 (4 bytes a point) unless a finite value is beyond its range (up to 1.7e308 is
    accepted): then float64, so no colour turns infinite."""
    finite = values[np.isfinite(values)]
    return "f4" if not len(finite) or np.abs(finite).max() <= np.finfo(np.float32).max else "f8"
