"""The whole view for one filters dict: every figure and the status, from one pure function.

`render_view(dataset, filters)` is all the work a filter change costs on the server (the
callback only reads inputs, calls it and returns), so it can be timed on its own
(bench/, tests/test_figures.py).
"""

from __future__ import annotations

import numpy as np

from data.domain.filters import DEFAULT_MIN_GROUP, DEFAULT_RANK
from data.stats.features import FeatureStats
from data.stats.ranking import rank_order, rank_score
from data.stats.view import adjusted_for, records_with_adjusted, stats_for
from data.domain.dataset import Dataset
from data.domain.filters import FEATURE_KEY_CHARS, feature_key, normalize_filters, query_string
from figures.dashboard.bars import (BAR_HEIGHT, IMPACT_HEIGHT, impact_figure, impact_title,
                                   mean_ctr_figure, mean_title, shared_ctr_range)
from figures.base import MARGIN_LEFT, MARGIN_RIGHT, axis_labels, message_figure
from figures.dashboard.outcome import OutcomeLook, look as outcome_look
from figures.dashboard.scatter import (POINT_CAP, SCATTER_HEIGHT, scatter_figure, scatter_points,
                                       scatter_title)
from data.domain.labels import LabelView
from figures.dashboard.labels import label_status, mark_thresholds, model_confidence

FIGURE_KEYS = ("scatter", "bar_with", "bar_impact", "bar_without")
# The most features the charts draw, whatever top_k asks: the table and the CSV follow the
# charts; the features API gives every feature.
MAX_FEATURES_DRAWN = 1_000


def select_features(stats: FeatureStats, filters: dict) -> tuple[np.ndarray, int]:
    """Positions in `stats` of the features the page shows, in display order, and how many
    features the top-K cut hides. Excluded features never show; pinned ones always do (when
    they have points in the sparsity range); the top-K keeps the best ranked: by evidence
    (|impact| / its interval, features with fewer than `min_group` images in a group last;
    rank "evidence") or by the largest |impact| (rank "abs_impact"); nulls last. Whatever top_k
    says (all included), at most MAX_FEATURES_DRAWN features are drawn, pinned ones first:
    plotly.js takes minutes over 20,000 categories."""
    names = stats.feature.astype(str)
    excluded = referred(names, filters.get("excluded"))
    candidates = np.flatnonzero(~excluded)
    top_k = filters.get("top_k")
    limit = MAX_FEATURES_DRAWN if top_k is None else min(top_k, MAX_FEATURES_DRAWN)
    hidden = 0
    if len(candidates) > limit:
        by_size = _ranking(stats, candidates, filters)
        pinned = referred(names[candidates], filters.get("pinned"))
        keep = np.zeros(len(candidates), dtype=bool)
        keep[by_size[:limit]] = True
        keep |= pinned
        if keep.sum() > MAX_FEATURES_DRAWN:  # pinned first, then by |impact|
            order = by_size[np.argsort(~pinned[by_size], kind="stable")]
            keep[:] = False
            keep[order[:MAX_FEATURES_DRAWN]] = True
        hidden = int((~keep).sum())
        candidates = candidates[keep]
    return candidates[_display_order(stats, candidates, filters.get("sort"))], hidden


def _ranking(stats: FeatureStats, pos: np.ndarray, filters: dict) -> np.ndarray:
    """Order of `pos`, best ranked first, for the top-K cut."""
    names = stats.feature[pos].astype(str)
    if filters.get("rank", DEFAULT_RANK) == "evidence":
        score = rank_score(stats.impact[pos], stats.ci_low[pos], stats.ci_high[pos],
                           stats.n_with[pos], stats.n_without[pos],
                           filters.get("min_group", DEFAULT_MIN_GROUP))
        return rank_order(score, names)
    magnitude = np.abs(stats.impact[pos])
    nan = np.isnan(magnitude)
    return np.lexsort((names, np.where(nan, 0.0, -magnitude), nan))
def referred(names: np.ndarray, refs) -> np.ndarray:
    """Which of `names` (a str array) the pin or exclude list `refs` names, by full name or by
    feature_key."""
    refs = list(refs or ())
    hit = np.isin(names, refs)
    if refs and len(names):
        long = np.flatnonzero(np.char.str_len(names) > FEATURE_KEY_CHARS)
        if len(long):
            hit[long] |= np.isin([feature_key(n) for n in names[long].tolist()], refs)
    return hit


def _display_order(stats: FeatureStats, pos: np.ndarray, sort: str | None) -> np.ndarray:
    """Order of `pos` (ascending positions = impact order, as feature_stats returns them)."""
    pos_order = np.arange(len(pos))
    if sort == "abs_impact":
        mag = np.abs(stats.impact[pos])
        nan = np.isnan(mag)
        return np.lexsort((pos_order, np.where(nan, 0.0, -mag), nan))
    if sort == "significance":
        q = stats.q_value[pos]
        return np.lexsort((pos_order, np.where(np.isnan(q), np.inf, q)))
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


def render_view(dataset: Dataset, filters: dict, *, point_cap: int = POINT_CAP,
                labels: LabelView | None = None) -> dict:
    """Every figure and the status for `filters` on `dataset`, whose index holds the outcome
    `filters["outcome"]` (CTR, or people's judgement: JudgementCache.outcome_dataset).

    `labels` (data/storage/label_cache.py) is what `apply_fixes` and `thresholds=saved` make of
    the view: the build with fixes applied and/or one threshold per feature; None is the build
    as delivered at the slider's threshold.

    Returns {"scatter", "bar_with", "bar_impact", "bar_without": figure dicts,
    "status": dict (see `_status`), "features": [shown feature names, x order],
    "rows": the features API records of the shown features, in that order (the table; with
    per-feature thresholds each has its `threshold`),
    "guide": None or {"kind", "text"} when the charts cannot show anything (then each figure
    says why instead of being blank)}.
    """
    f = normalize_filters(filters)
    look = outcome_look(f["outcome"])
    base = labels.dataset if labels is not None else dataset
    index = base.index
    threshold = labels.threshold if labels is not None else f["threshold"]
    per_feature = labels is not None and bool(labels.saved)
    # Pooled CTR and the regression take one threshold for every feature.
    weight = f["weight"] if not per_feature else "images"
    stats = stats_for(base, threshold, f["min_pct"], f["max_pct"], weight)
    positions, hidden = select_features(stats, f)
    shown = take(stats, positions)
    if f["min_pct"] <= 0.0 and f["max_pct"] >= 100.0:
        with_points = len(stats)  # no sparsity cut: the stats hold every feature with points
    else:
        with_points = int((index.counts_at(threshold) > 0).sum()) if index.n_images else 0
    status = _status(dataset, f, n_in_range=len(stats), n_shown=len(shown), hidden=hidden,
                     with_points=with_points)
    in_range = set(stats.feature.astype(str).tolist())
    in_range |= {feature_key(n) for n in in_range if len(n) > FEATURE_KEY_CHARS}
    status["pinned_out_of_range"] = [p for p in f["pinned"] if p not in in_range]
    status["images_in_stats"] = stats.n_images
    status.update(label_status(labels))

    guide = _guide(dataset, f, status, look)
    if guide is not None:
        status.update(points_total=0, points_shown=0, sampled=False)
        return {**_message_figures(guide["text"], look), "status": status, "features": [],
                "rows": [], "guide": guide}

    uirevision = f"{dataset.build.id}|{f['threshold']}|{f['min_pct']}|{f['max_pct']}|" \
                 f"{f['top_k']}|{f['sort']}|{f['rank']}|{f['min_group']}|{f['weight']}|" \
                 f"{len(shown)}|{look.key}|{f['apply_fixes']}|{f['thresholds']}"
    categories = axis_labels(shown.feature.tolist())
    ctr_range = shared_ctr_range(shown)
    adjusted = adjusted_for(base, shown, threshold, weight) if f["adjust"] and not per_feature \
        else None
    points = scatter_points(index, threshold, shown.feature_index, point_cap)
    status.update(points_total=points.total, points_shown=len(points.entries),
                  sampled=points.sampled)
    confidence = None
    if labels is not None and labels.fixes is not None:
        confidence = model_confidence(labels.fixes.model, index, points, shown.feature_index)
    figures = {
        "scatter": scatter_figure(index, points, categories,
                                  image_table_ref(dataset, f["metrics"] is not None),
                                  uirevision=uirevision, look=look, confidence=confidence),
        "bar_with": mean_ctr_figure(shown, categories, group="with", uirevision=uirevision,
                                    ctr_range=ctr_range, look=look),
        "bar_impact": impact_figure(shown, categories, uirevision=uirevision, adjusted=adjusted,
                                    look=look),
        "bar_without": mean_ctr_figure(shown, categories, group="without",
                                       uirevision=uirevision, show_labels=True,
                                       ctr_range=ctr_range, look=look),
    }
    _widen(figures, len(categories))
    rows = records_with_adjusted(shown, adjusted) if f["adjust"] else shown.records()
    if per_feature:
        used = labels.threshold_of(shown.feature_index)
        mark_thresholds(figures, used, shown.feature.astype(str), labels.saved, points)
        for rec, t in zip(rows, used.tolist()):
            rec["threshold"] = t
    return {
        **figures,
        "status": status,
        "features": shown.feature.astype(str).tolist(),
        "rows": rows,
        "guide": None,
    }


# Past this many features a column would be narrower than a label: the charts get wider than the
# page (the chart area scrolls sideways, all four together, so columns stay aligned).
WIDE_FROM = 60
COLUMN_PX = 16


def _widen(figures: dict, n_features: int) -> None:
    """Give every chart the same fixed width when there are too many features to read."""
    if n_features <= WIDE_FROM:
        return
    width = MARGIN_LEFT + MARGIN_RIGHT + COLUMN_PX * n_features
    for fig in figures.values():
        fig["layout"]["width"] = width


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
        # ds's index holds the chosen outcome, so the two counts above are of that outcome.
        "outcome": f["outcome"], "outcome_name": outcome_look(f["outcome"]).name,
        "features_in_build": ds.matrix.n_features, "features_with_points": with_points,
        "features_in_range": n_in_range, "features_shown": n_shown, "features_hidden": hidden,
        "features_excluded": n_in_range - n_shown - hidden,
        "threshold": f["threshold"], "min_pct": f["min_pct"], "max_pct": f["max_pct"],
        "top_k": f["top_k"], "weight": f["weight"],
        # Builds over time: the build's quality alarms (None: not checked), the metrics delivery
        # the numbers use, and the query of a link that reproduces them (build and delivery
        # pinned).
        "alarms": None if ds.build.alarms is None else list(ds.build.alarms),
        "delivery": None if ds.delivery is None else {
            "id": ds.delivery.id, "received_at": ds.delivery.received_at,
            "rows": ds.delivery.rows, "who": ds.delivery.who},
        "latest_delivery_id": ds.latest_delivery_id,
        "metrics_pinned": f["metrics"] is not None,
        "permalink_query": query_string({**f, "build": ds.build.id,
                                         "metrics": ds.delivery_id}),
    }


def _guide(ds: Dataset, f: dict, status: dict, look: OutcomeLook) -> dict | None:
    """Why nothing can be drawn, and what to do about it; None when there is something."""
    if ds.matrix.n_images == 0 or ds.matrix.n_features == 0:
        return {"kind": "empty_build",
                "text": "This build has no images or no features: send a features payload "
                        "with at least one image and one non-zero feature."}
    if ds.index.n_images == 0 and look.key != "ctr":
        return {"kind": "no_judgements",
                "text": f"This build has {ds.matrix.n_images:,} images but none has "
                        f"{look.missing} yet.\nRate images on the Rate page, compare them on "
                        "the Compare page, or send them to /api/v1/ratings and "
                        "/api/v1/preferences."}
    if ds.index.n_images == 0:
        return {"kind": "no_metrics",
                "text": f"This build has {ds.matrix.n_images:,} images but none has a CTR yet.\n"
                        "Send impressions and clicks to /api/v1/metrics (see below)."}
    if status["features_with_points"] == 0:
        return {"kind": "no_points",
                "text": f"No feature reaches confidence ≥ {f['threshold']:g} in an image with "
                        f"{look.missing}.\nLower the confidence threshold."}
    if status["features_in_range"] == 0:
        return {"kind": "out_of_range",
                "text": f"{status['features_with_points']} features are present, but none in "
                        f"{f['min_pct']:g}–{f['max_pct']:g}% of the images.\n"
                        "Widen the sparsity range."}
    if status["features_shown"] == 0:
        return {"kind": "all_excluded",
                "text": "Every feature in range is excluded.\nRemove some from “Exclude”."}
    return None


def _message_figures(text: str, look: OutcomeLook | None = None) -> dict:
    look = look or outcome_look(None)
    return {
        "scatter": message_figure(text, SCATTER_HEIGHT, scatter_title(look)),
        "bar_with": message_figure(text, BAR_HEIGHT, mean_title("with", look)),
        "bar_impact": message_figure(text, IMPACT_HEIGHT, impact_title(look)),
        "bar_without": message_figure(text, BAR_HEIGHT, mean_title("without", look)),
    }


def render_message(text: str) -> dict:
    """The four figures saying `text`, for when there is no dataset to render at all."""
    return _message_figures(text)


def image_table_ref(dataset: Dataset, pinned: bool) -> dict:
    """Which per-build image table (GET /api/v1/images: names and CTRs) the browser needs for
    the scatter's hover names and CTRs; `key` changes whenever the CTRs may have. `pinned`:
    the view names its metrics delivery, so the table must be as of that delivery too."""
    ref = {"business": dataset.source.business, "image_source": dataset.source.name,
           "build": dataset.build.id, "key": dataset.image_table_key}
    if pinned and dataset.delivery is not None:
        ref["metrics"] = dataset.delivery.id
    return ref
