"""The whole view for one filters dict: every figure and the status, from one pure function.

`render_view(dataset, filters)` is all the work a filter change costs on the server (the
callback only reads inputs, calls it and returns), so it can be timed on its own
(bench/, tests/test_figures.py).
"""

from __future__ import annotations

import numpy as np

from data.stats.features import FeatureStats, feature_stats
from data.domain.dataset import Dataset
from data.domain.filters import normalize_filters
from figures.dashboard.bars import BAR_HEIGHT, IMPACT_HEIGHT, impact_figure, mean_ctr_figure
from figures.base import label, message_figure
from figures.dashboard.scatter import POINT_CAP, SCATTER_HEIGHT, scatter_figure, scatter_points

FIGURE_KEYS = ("scatter", "bar_with", "bar_impact", "bar_without")


def select_features(stats: FeatureStats, filters: dict) -> tuple[np.ndarray, int]:
    """Positions in `stats` of the features the page shows, in display order, and how many
    features the top-K cut hides. Excluded features never show; pinned ones always do (when
    they have points in the sparsity range); the top-K keeps the largest |impact| (null last)."""
    names = stats.feature.astype(str)
    excluded = np.isin(names, list(filters.get("excluded") or ()))
    candidates = np.flatnonzero(~excluded)
    top_k = filters.get("top_k")
    hidden = 0
    if top_k is not None and len(candidates) > top_k:
        magnitude = np.abs(stats.impact[candidates])
        nan = np.isnan(magnitude)
        by_size = np.lexsort((names[candidates], np.where(nan, 0.0, -magnitude), nan))
        keep = np.zeros(len(candidates), dtype=bool)
        keep[by_size[:top_k]] = True
        keep |= np.isin(names[candidates], list(filters.get("pinned") or ()))
        hidden = int((~keep).sum())
        candidates = candidates[keep]
    return candidates[_display_order(stats, candidates, filters.get("sort"))], hidden


def _display_order(stats: FeatureStats, pos: np.ndarray, sort: str | None) -> np.ndarray:
    """Order of `pos` (ascending positions = impact order, as feature_stats returns them)."""
    pos_order = np.arange(len(pos))
    if sort == "abs_impact":
        mag = np.abs(stats.impact[pos])
        nan = np.isnan(mag)
        return np.lexsort((pos_order, np.where(nan, 0.0, -mag), nan))
    if sort == "prevalence":
        return np.lexsort((pos_order, -stats.prevalence_pct[pos]))
    if sort == "name":
        return np.argsort(stats.feature[pos].astype(str), kind="stable")
    return pos_order


def take(stats: FeatureStats, positions: np.ndarray) -> FeatureStats:
    """The features of `stats` at `positions`, in that order."""
    return FeatureStats(**{name: getattr(stats, name)[positions]
                           for name in stats.__dataclass_fields__ if name != "n_images"},
                        n_images=stats.n_images)


def render_view(dataset: Dataset, filters: dict, *, point_cap: int = POINT_CAP) -> dict:
    """Every figure and the status for `filters` on `dataset`.

    Returns {"scatter", "bar_with", "bar_impact", "bar_without": figure dicts,
    "status": dict (see `_status`), "features": [shown feature names, x order],
    "rows": the features API records of the shown features, in that order (the table),
    "guide": None or {"kind", "text"} when the charts cannot show anything (then each figure
    says why instead of being blank)}.
    """
    f = normalize_filters(filters)
    index = dataset.index
    threshold = f["threshold"]
    stats = feature_stats(index, threshold, f["min_pct"], f["max_pct"])
    positions, hidden = select_features(stats, f)
    shown = take(stats, positions)
    if f["min_pct"] <= 0.0 and f["max_pct"] >= 100.0:
        with_points = len(stats)  # no sparsity cut: the stats hold every feature with points
    else:
        with_points = int((index.counts_at(threshold) > 0).sum()) if index.n_images else 0
    status = _status(dataset, f, n_in_range=len(stats), n_shown=len(shown), hidden=hidden,
                     with_points=with_points)

    guide = _guide(dataset, f, status)
    if guide is not None:
        status.update(points_total=0, points_shown=0, sampled=False)
        return {**_message_figures(guide["text"]), "status": status, "features": [],
                "rows": [], "guide": guide}

    uirevision = f"{dataset.build.id}|{threshold}|{f['min_pct']}|{f['max_pct']}|{f['top_k']}|" \
                 f"{f['sort']}|{len(shown)}"
    categories = [label(n) for n in shown.feature.tolist()]
    points = scatter_points(index, threshold, shown.feature_index, point_cap)
    status.update(points_total=points.total, points_shown=len(points.entries),
                  sampled=points.sampled)
    return {
        "scatter": scatter_figure(index, points, categories, image_table_ref(dataset),
                                  uirevision=uirevision),
        "bar_with": mean_ctr_figure(shown, categories, group="with", uirevision=uirevision),
        "bar_impact": impact_figure(shown, categories, uirevision=uirevision),
        "bar_without": mean_ctr_figure(shown, categories, group="without",
                                       uirevision=uirevision, show_labels=True),
        "status": status,
        "features": shown.feature.astype(str).tolist(),
        "rows": shown.records(),
        "guide": None,
    }


def _status(ds: Dataset, f: dict, *, n_in_range: int, n_shown: int, hidden: int,
            with_points: int) -> dict:
    """What the status line says; plain values (the layout formats them)."""
    return {
        "business": ds.source.business, "image_source": ds.source.name,
        "build_id": ds.build.id, "build_label": ds.build.build_label,
        "received_at": ds.build.received_at,
        "current_build_id": ds.source.current_build_id,
        "pinned_build": f["build"] is not None,
        "is_demo": bool(ds.source.is_demo or ds.build.is_demo),
        "images": ds.matrix.n_images, "images_with_ctr": ds.index.n_images,
        "images_without_ctr": ds.images_without_ctr,
        "features_in_build": ds.matrix.n_features, "features_with_points": with_points,
        "features_in_range": n_in_range, "features_shown": n_shown, "features_hidden": hidden,
        "features_excluded": n_in_range - n_shown - hidden,
        "threshold": f["threshold"], "min_pct": f["min_pct"], "max_pct": f["max_pct"],
        "top_k": f["top_k"],
    }


def _guide(ds: Dataset, f: dict, status: dict) -> dict | None:
    """Why nothing can be drawn, and what to do about it; None when there is something."""
    if ds.matrix.n_images == 0 or ds.matrix.n_features == 0:
        return {"kind": "empty_build",
                "text": "This build has no images or no features: send a features payload "
                        "with at least one image and one non-zero feature."}
    if ds.index.n_images == 0:
        return {"kind": "no_metrics",
                "text": f"This build has {ds.matrix.n_images:,} images but none has a CTR yet.\n"
                        "Send impressions and clicks to /api/v1/metrics (see below)."}
    if status["features_with_points"] == 0:
        return {"kind": "no_points",
                "text": f"No feature reaches confidence ≥ {f['threshold']:g} in an image with a "
                        "CTR.\nLower the confidence threshold."}
    if status["features_in_range"] == 0:
        return {"kind": "out_of_range",
                "text": f"{status['features_with_points']} features are present, but none in "
                        f"{f['min_pct']:g}–{f['max_pct']:g}% of the images.\n"
                        "Widen the sparsity range."}
    if status["features_shown"] == 0:
        return {"kind": "all_excluded",
                "text": "Every feature in range is excluded.\nRemove some from “Exclude”."}
    return None


def _message_figures(text: str) -> dict:
    return {
        "scatter": message_figure(text, SCATTER_HEIGHT, "Image CTR by feature present"),
        "bar_with": message_figure(text, BAR_HEIGHT, "Average CTR of images WITH the feature"),
        "bar_impact": message_figure(text, IMPACT_HEIGHT, "Impact on CTR (with − without)"),
        "bar_without": message_figure(text, BAR_HEIGHT,
                                      "Average CTR of images WITHOUT the feature"),
    }


def render_message(text: str) -> dict:
    """The four figures saying `text`, for when there is no dataset to render at all."""
    return _message_figures(text)


def image_table_ref(dataset: Dataset) -> dict:
    """Which per-build image table (GET /api/v1/images: names and CTRs) the browser needs for
    the scatter's y values and hover names; `key` changes whenever the CTRs may have."""
    return {"business": dataset.source.business, "image_source": dataset.source.name,
            "build": dataset.build.id, "key": dataset.image_table_key}
