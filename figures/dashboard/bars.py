"""The three bar charts under the scatter, on the scatter's feature axis (same categories, same
order): average CTR with each feature, its impact with the 95% CI (and the adjusted impact beside
it), average CTR without it. With and without share one CTR scale, so heights compare."""

from __future__ import annotations

import numpy as np

from data.stats.adjusted import AdjustedImpact
from data.stats.features import FeatureStats
from data.stats.ranking import clip_range
from figures.base import base_layout, category_axis, value_axis
from figures.dashboard.outcome import OutcomeLook, look as outcome_look
from figures.numbers import lift

BAR_HEIGHT = 210
IMPACT_HEIGHT = BAR_HEIGHT + 30  # room for the interval legend
SIGNIFICANT_Q = 0.05
POSITIVE = "#1f77b4"
NEGATIVE = "#e8710a"
ADJUSTED = "#6f42c1"
SIGNIFICANT_MARK = "★"
FLIP_MARK = "⇄"
CLIPPED_MARK = "▲"


def _nan_to_none(a: np.ndarray) -> list:
    """Plain floats with None where the contract says null (orjson writes NaN as null anyway;
    lists keep the figures readable in tests and in the browser)."""
    return [None if v != v else float(v) for v in np.asarray(a, dtype=float).tolist()]


def shared_ctr_range(stats: FeatureStats) -> list[float] | None:
    """One y range for the with and without charts: 0 to the largest mean of either, padded."""
    both = np.concatenate([stats.ctr_with, stats.ctr_without]) if len(stats) else np.zeros(0)
    both = both[np.isfinite(both)]
    if not both.size:
        return None
    top = float(both.max())
    return [0.0, top * 1.1 if top > 0 else 1e-3]


def mean_title(group: str, look: OutcomeLook) -> str:
    return (f"Average {look.name} of images {'WITH' if group == 'with' else 'WITHOUT'} the feature"
            + ("" if group == "with" else " (same scale)"))


def impact_title(look: OutcomeLook) -> str:
    unit = ", pp" if look.key == "ctr" else ""
    return f"Impact on {look.name}{unit} (with − without)"


def mean_ctr_figure(stats: FeatureStats, categories: list[str], *, group: str,
                    uirevision: str, show_labels: bool = False,
                    ctr_range: list[float] | None = None,
                    look: OutcomeLook | None = None) -> dict:
    """Average outcome (CTR unless `look` says otherwise) of the images with (`group="with"`)
    or without each feature, on `ctr_range` (shared by both charts). A feature in every image
    says so in the without chart."""
    look = look or outcome_look(None)
    with_group = group == "with"
    y = stats.ctr_with if with_group else stats.ctr_without
    n = stats.n_with if with_group else stats.n_without
    trace = {
        "type": "bar", "x": categories, "y": _nan_to_none(y), "customdata": n.tolist(),
        "marker": {"color": "#5b8def" if with_group else "#9aa5b1"},
        "hovertemplate": (f"%{{x}}<br>average {look.name} {group}: %{{y:{look.hover}}}"
                          "<br>images: %{customdata:,}<extra></extra>"),
    }
    layout = base_layout(BAR_HEIGHT, bottom=8, title=mean_title(group, look),
                         uirevision=uirevision, tick_labels=categories if show_labels else None)
    yaxis = value_axis(look.name, look.axis)
    if ctr_range is not None:
        yaxis["range"] = ctr_range
    layout.update(xaxis=category_axis(categories, show_labels=show_labels), yaxis=yaxis,
                  bargap=0.25)
    if not with_group:
        everywhere = [c for c, k in zip(categories, n.tolist()) if k == 0]
        layout["annotations"] = [
            {"x": c, "y": 0, "yref": "y", "text": "in every<br>image", "showarrow": False,
             "yanchor": "bottom", "font": {"size": 9, "color": "#6c757d"}} for c in everywhere]
    return {"data": [trace], "layout": layout}


def impact_figure(stats: FeatureStats, categories: list[str], *, uirevision: str,
                  show_labels: bool = False, adjusted: AdjustedImpact | None = None,
                  look: OutcomeLook | None = None) -> dict:
    """Impact (CTR with − without, in percentage points) per feature with Welch's 95% CI, blue
    when positive and orange when negative, ★ above the interval for q < 0.05; the adjusted
    impact (other features held fixed) as a purple diamond with its HC3 interval beside it, ⇄
    where its sign flips. One huge interval does not set the axis: it is clipped, marked ▲."""
    look = look or outcome_look(None)
    # CTR differences in percentage points; a score or strength difference as it is.
    scale, unit, fmt = (100, " pp", "+.2f") if look.key == "ctr" else (1, "", look.delta_hover)
    impact = stats.impact * scale
    low, high = stats.ci_low * scale, stats.ci_high * scale
    significant = np.nan_to_num(stats.q_value, nan=1.0) < SIGNIFICANT_Q
    colors = np.where(impact >= 0, POSITIVE, NEGATIVE)
    opacity = np.where(significant, 1.0, 0.55)
    values, lows, highs = [impact], [low], [high]
    if adjusted is not None:
        adj = adjusted.adjusted_impact * scale
        adj_low, adj_high = adjusted.adjusted_ci_low * scale, adjusted.adjusted_ci_high * scale
        values.append(adj), lows.append(adj_low), highs.append(adj_high)
    lo, hi = (clip_range(np.concatenate(values), np.concatenate(lows),
                         np.concatenate(highs))[:2] if len(stats) else (np.nan, np.nan))
    axis_range = [lo, hi] if np.isfinite(lo) and np.isfinite(hi) and hi > lo else None
    with np.errstate(invalid="ignore"):
        upper, lower = high - impact, impact - low
    raw = {
        "type": "bar", "name": "raw", "x": categories, "y": _nan_to_none(impact),
        "offsetgroup": "raw",
        "marker": {"color": colors.tolist(), "opacity": opacity.tolist(),
                   "line": {"width": np.where(significant, 1.5, 0).tolist(), "color": "#212529"}},
        "error_y": {"type": "data", "symmetric": False, "array": _nan_to_none(upper),
                    "arrayminus": _nan_to_none(lower), "color": "#495057", "thickness": 1.2,
                    "width": 3},
        "customdata": _custom(stats, lift(stats.impact, stats.ctr_without), scale),
        "hovertemplate": (f"%{{x}}<br>impact: %{{y:{fmt}}}{unit} (%{{customdata[4]}})<br>95% CI: "
                          f"%{{customdata[0]:{fmt}}} to %{{customdata[1]:{fmt}}}{unit}<br>"
                          "p = %{customdata[2]:.2g}, q = %{customdata[3]:.2g}<extra>raw</extra>"),
    }
    traces = [raw]
    if adjusted is not None:
        traces.append(_adjusted_trace(categories, adjusted, scale, unit, fmt))
    traces.append(_marks_trace(categories, impact, high, significant, axis_range, stats,
                               adjusted, scale))
    title = (f"{impact_title(look)}, 95% CI · {SIGNIFICANT_MARK} q < 0.05"
             + (f" · ◆ adjusted for the other features shown, {FLIP_MARK} sign flips"
                if adjusted is not None else ""))
    layout = base_layout(IMPACT_HEIGHT, bottom=8, title=title, uirevision=uirevision,
                         tick_labels=categories if show_labels else None)
    yaxis = value_axis("impact (pp)" if look.key == "ctr" else f"impact on {look.name}",
                       "+.2f" if look.key == "ctr" else look.delta_axis)
    if axis_range is not None:
        yaxis["range"] = axis_range
    layout.update(xaxis=category_axis(categories, show_labels=show_labels), yaxis=yaxis,
                  bargap=0.25, barmode="group")
    return {"data": traces, "layout": layout}


def _custom(stats: FeatureStats, lifts: list[str], scale: float) -> list:
    if not len(stats):
        return []
    return [[lo, hi, p, q, lf] for lo, hi, p, q, lf in zip(
        _nan_to_none(stats.ci_low * scale), _nan_to_none(stats.ci_high * scale),
        _nan_to_none(stats.p_value), _nan_to_none(stats.q_value), lifts)]


def _adjusted_trace(categories: list[str], adjusted: AdjustedImpact, scale: float, unit: str,
                    fmt: str) -> dict:
    adj = adjusted.adjusted_impact * scale
    with np.errstate(invalid="ignore"):
        upper = adjusted.adjusted_ci_high * scale - adj
        lower = adj - adjusted.adjusted_ci_low * scale
    notes = [n or "" for n in adjusted.adjusted_note.tolist()]
    return {
        "type": "scatter", "mode": "markers", "name": "adjusted", "x": categories,
        "y": _nan_to_none(adj), "offsetgroup": "adjusted",
        "marker": {"symbol": "diamond", "size": 8, "color": ADJUSTED},
        "error_y": {"type": "data", "symmetric": False, "array": _nan_to_none(upper),
                    "arrayminus": _nan_to_none(lower), "color": ADJUSTED, "thickness": 1,
                    "width": 2},
        "customdata": [[lo, hi, p, note] for lo, hi, p, note in zip(
            _nan_to_none(adjusted.adjusted_ci_low * scale),
            _nan_to_none(adjusted.adjusted_ci_high * scale),
            _nan_to_none(adjusted.adjusted_p_value), notes)] if len(notes) else [],
        "hovertemplate": (f"%{{x}}<br>adjusted impact: %{{y:{fmt}}}{unit}<br>95% CI (HC3): "
                          f"%{{customdata[0]:{fmt}}} to %{{customdata[1]:{fmt}}}{unit}<br>"
                          "p = %{customdata[2]:.2g} %{customdata[3]}<extra>adjusted</extra>"),
    }


def _marks_trace(categories, impact, high, significant, axis_range, stats, adjusted,
                 scale) -> dict:
    """★ above each significant interval (never on the error bar), ⇄ where the adjusted sign
    flips, ▲ at the top of the axis where an interval is clipped."""
    top = np.where(np.isfinite(high), high, impact)
    if axis_range is not None:
        top = np.minimum(top, axis_range[1])
    with np.errstate(invalid="ignore"):
        flips = (np.sign(impact) * np.sign(adjusted.adjusted_impact) < 0) if adjusted is not None \
            else np.zeros(len(impact), dtype=bool)
        clipped = (np.isfinite(high) & (high > axis_range[1])) | (
            np.isfinite(stats.ci_low) & (stats.ci_low * scale < axis_range[0])) \
            if axis_range is not None else np.zeros(len(impact), dtype=bool)
    text = [(SIGNIFICANT_MARK if s else "") + (FLIP_MARK if f else "") +
            (CLIPPED_MARK if c else "")
            for s, f, c in zip(significant.tolist(), flips.tolist(), clipped.tolist())]
    return {"type": "scatter", "mode": "text", "name": "marks", "x": categories,
            "y": _nan_to_none(top), "text": text, "textposition": "top center",
            "cliponaxis": False, "hoverinfo": "skip", "showlegend": False,
            "textfont": {"size": 11, "color": "#212529"}}
