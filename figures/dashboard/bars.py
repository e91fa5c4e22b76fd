"""The three bar charts under the scatter, on the scatter's feature axis (same categories, same
order): average CTR with each feature, its impact with the 95% CI, average CTR without it."""

from __future__ import annotations

import numpy as np

from data.stats.features import FeatureStats
from figures.base import base_layout, category_axis, value_axis
from figures.dashboard.outcome import OutcomeLook, look as outcome_look

BAR_HEIGHT = 210
IMPACT_HEIGHT = BAR_HEIGHT + 30  # room for the interval legend
SIGNIFICANT_Q = 0.05
POSITIVE = "#1f77b4"
NEGATIVE = "#e8710a"
SIGNIFICANT_MARK = "★"


def _nan_to_none(a: np.ndarray) -> list:
    """Plain floats with None where the contract says null (orjson writes NaN as null anyway;
    lists keep the figures readable in tests and in the browser)."""
    return [None if v != v else float(v) for v in a.tolist()]


def mean_title(group: str, look: OutcomeLook) -> str:
    return f"Average {look.name} of images {'WITH' if group == 'with' else 'WITHOUT'} the feature"


def impact_title(look: OutcomeLook) -> str:
    return f"Impact on {look.name} (with − without)"


def mean_ctr_figure(stats: FeatureStats, categories: list[str], *, group: str,
                    uirevision: str, show_labels: bool = False,
                    look: OutcomeLook | None = None) -> dict:
    """Average outcome (CTR unless `look` says otherwise) of the images with (`group="with"`)
    or without each feature."""
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
                         uirevision=uirevision)
    layout.update(xaxis=category_axis(categories, show_labels=show_labels),
                  yaxis=value_axis(look.name, look.axis), bargap=0.25)
    return {"data": [trace], "layout": layout}


def impact_figure(stats: FeatureStats, categories: list[str], *, uirevision: str,
                  show_labels: bool = False, look: OutcomeLook | None = None) -> dict:
    """Impact (outcome with − without) per feature with Welch's 95% CI as error bars, blue when
    positive and orange when negative; a star marks q < 0.05 (Benjamini–Hochberg)."""
    look = look or outcome_look(None)
    impact = stats.impact
    significant = np.nan_to_num(stats.q_value, nan=1.0) < SIGNIFICANT_Q
    colors = np.where(impact >= 0, POSITIVE, NEGATIVE)
    opacity = np.where(significant, 1.0, 0.55)
    with np.errstate(invalid="ignore"):
        upper = stats.ci_high - impact
        lower = impact - stats.ci_low
    trace = {
        "type": "bar", "x": categories, "y": _nan_to_none(impact),
        "marker": {"color": colors.tolist(), "opacity": opacity.tolist(),
                   "line": {"width": np.where(significant, 1.5, 0).tolist(), "color": "#212529"}},
        "error_y": {"type": "data", "symmetric": False, "array": _nan_to_none(upper),
                    "arrayminus": _nan_to_none(lower), "color": "#495057", "thickness": 1.2,
                    "width": 3},
        "text": [SIGNIFICANT_MARK if s else "" for s in significant.tolist()],
        "textposition": "outside", "cliponaxis": False,
        "textfont": {"size": 11, "color": "#212529"},
        "customdata": np.column_stack([
            np.asarray(_nan_to_none(stats.ci_low), dtype=object),
            np.asarray(_nan_to_none(stats.ci_high), dtype=object),
            np.asarray(_nan_to_none(stats.p_value), dtype=object),
            np.asarray(_nan_to_none(stats.q_value), dtype=object),
        ]).tolist() if len(stats) else [],
        "hovertemplate": (f"%{{x}}<br>impact: %{{y:{look.delta_hover}}}<br>95% CI: "
                          f"%{{customdata[0]:{look.delta_hover}}} to "
                          f"%{{customdata[1]:{look.delta_hover}}}<br>p = %{{customdata[2]:.3g}}, "
                          "q = %{customdata[3]:.3g}<extra></extra>"),
    }
    layout = base_layout(IMPACT_HEIGHT, bottom=8,
                         title=f"{impact_title(look)}, 95% CI · {SIGNIFICANT_MARK} q < 0.05",
                         uirevision=uirevision)
    layout.update(xaxis=category_axis(categories, show_labels=show_labels),
                  yaxis=value_axis(f"impact on {look.name}" if look.key != "ctr" else "impact",
                                   look.delta_axis), bargap=0.25)
    return {"data": [trace], "layout": layout}
