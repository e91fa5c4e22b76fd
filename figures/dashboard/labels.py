"""What label fixes and per-feature thresholds change in the dashboard's figures
(docs/statistics.md, label fixes and thresholds): pure, no Dash. render_view (view.py) calls
these after drawing the figures as usual.

* Fixes applied: a fixed-present pair has the value +inf in the fixed build (data.stats.fixes),
  so its marker would lose its colour; it gets the model's own value back (what the model said,
  0 where it said nothing), which is also what the hover calls "confidence".
* Per-feature thresholds: every bar and every scatter point says, on hover, the threshold its
  feature was cut at and whether it is the feature's saved one.
"""

from __future__ import annotations

import numpy as np

from data.domain.labels import LabelView
from data.domain.matrix import BuildMatrix
from data.stats.features import FeatureIndex
from data.stats.fixes import model_values
from figures.base import label
from figures.dashboard.scatter import ScatterPoints


def label_status(labels: LabelView | None) -> dict:
    """The status line's fields about fixes and thresholds (plain values)."""
    if labels is None:
        return {"apply_fixes": False, "fixes_changed": None, "fixes_applied": None,
                "fixes_ignored": None, "saved_thresholds": 0}
    fixes = labels.fixes
    return {"apply_fixes": fixes is not None,
            "fixes_changed": labels.changed,
            "fixes_applied": fixes.applied if fixes is not None else None,
            "fixes_ignored": fixes.ignored if fixes is not None else None,
            "saved_thresholds": len(labels.saved)}


def model_confidence(model: BuildMatrix, index: FeatureIndex, points: ScatterPoints,
                     feature_index: np.ndarray) -> np.ndarray:
    """The scatter's marker colour per point (in `points` order): the index's value, and for a
    fixed-present pair (+inf in the fixed build) the model's own value."""
    colours = index.values[points.entries].astype(np.float64)
    fixed = np.flatnonzero(~np.isfinite(colours))
    if not len(fixed):
        return colours
    rows = index.rows[points.entries[fixed]]
    features = feature_index[points.feature_pos[fixed]]
    values = model_values(model, [model.image_names[r] for r in rows.tolist()],
                          [model.feature_names[c] for c in features.tolist()])
    colours[fixed] = np.nan_to_num(values, nan=0.0)
    return colours


def threshold_words(used: np.ndarray, names: np.ndarray, saved: dict[str, float]) -> list[str]:
    """Per feature: 'threshold 0.62 (saved)' or 'threshold 0.2 (slider)'."""
    return [f"threshold {t:g} ({'saved' if n in saved else 'slider'})"
            for t, n in zip(used.tolist(), names.tolist())]


def mark_thresholds(figures: dict, used: np.ndarray, names: np.ndarray,
                    saved: dict[str, float], points: ScatterPoints) -> None:
    """Add each feature's threshold to the hover of the bars and of the scatter's points."""
    words = threshold_words(used, names, saved)
    escaped = np.asarray([label(w) for w in words] or [""], dtype=object)
    for key in ("bar_with", "bar_impact", "bar_without"):
        trace = figures[key]["data"][0]
        trace["hovertext"] = escaped[:len(words)].tolist()
        trace["hovertemplate"] = _with_hovertext(trace["hovertemplate"])
    # The compact scatter (scatter.py) gives each point its category's line in the browser.
    scatter = figures["scatter"]
    scatter["points"]["category_text"] = escaped[:len(words)].tolist()
    trace = scatter["data"][0]
    trace["hovertemplate"] = _with_hovertext(trace["hovertemplate"])


def _with_hovertext(template: str) -> str:
    return template.replace("<extra>", "<br>%{hovertext}<extra>", 1)
