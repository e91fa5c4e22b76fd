"""The dashboard with fixes applied and per-feature thresholds, and the Fixes and Thresholds pages'
figures, without a browser: what the render computes, what the figures hold, that every page's
layout builds, and that the URL carries the two switches."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from callbacks.dashboard.charts import OUTPUTS, _placed
from data.demo import generate_demo
from data.domain.dataset import Dataset
from data.domain.filters import parse_query, query_string
from data.domain.labels import LabelView
from data.stats.features import feature_stats
from data.stats.fixes import changed_count
from data.storage.label_cache import fixed_dataset
from data.stats.thresholds import feature_thresholds, threshold_points
from figures.dashboard.view import render_view, select_features, take
from figures.fixes import counts_figure
from figures.thresholds import (MAX_CURVE_POINTS, curve_figure, histogram_figure, thin,
                                value_axis_range)
from tests.support.datasets import dataset
from tests.support.scatter import markers as scatter_markers


@pytest.fixture(scope="module")
def demo():
    features, metrics = generate_demo(659)
    return dataset(features, {n: m["clicks"] / m["impressions"] for n, m in metrics.items()})


def fixed_view(ds: Dataset, fixed: dict, threshold: float, saved: dict | None = None):
    """The LabelView the label cache would give (built here from the pure functions)."""
    fx = fixed_dataset(ds, fixed, 1)
    cut = feature_thresholds(ds.matrix.feature_names, saved, threshold) if saved else threshold
    return LabelView(fx.dataset, cut, saved or {}, fx, fx.changed(threshold, saved))


def demo_fixes(ds: Dataset) -> dict:
    names = ds.matrix.image_names
    return {(names[k], "text"): k % 3 == 0 for k in range(0, 400, 2)} | \
        {(names[k], "poster"): True for k in range(1, 60, 3)}


def test_with_fixes_applied_the_table_is_the_fixed_builds_rows_and_markers_keep_colours(demo):
    fixed = demo_fixes(demo)
    filters = {"threshold": 0.5, "top_k": None, "apply_fixes": True}
    labels = fixed_view(demo, fixed, 0.5)
    view = render_view(demo, filters, labels=labels)
    stats = feature_stats(labels.dataset.index, 0.5)
    positions, _ = select_features(stats, {"top_k": None})
    want = take(stats, positions).records()
    assert [{k: r[k] for k in w} for r, w in zip(view["rows"], want)] == want
    assert view["rows"] != render_view(demo, filters)["rows"]  # the fixes changed something
    colours = np.asarray(scatter_markers(view["scatter"], demo)["color"], dtype=float)
    assert np.isfinite(colours).all() and len(colours)
    assert view["status"]["apply_fixes"] and view["status"]["fixes_changed"] == labels.changed
    placed = _placed(view, [])
    assert set(placed) == set(OUTPUTS)
    status_text = str(placed["status"])
    assert f"fixes changed {labels.changed:,} values" in status_text


def test_per_feature_thresholds_show_in_the_rows_the_hover_and_the_table_columns(demo):
    saved = {"text": 0.8, "poster": 0.7, "white": 0.3}
    filters = {"threshold": 0.5, "top_k": None, "thresholds": "saved"}
    cut = feature_thresholds(demo.matrix.feature_names, saved, 0.5)
    labels = LabelView(demo, cut, saved, None, None)
    view = render_view(demo, filters, labels=labels)
    rows = {r["feature"]: r for r in view["rows"]}
    assert rows["text"]["threshold"] == 0.8 and rows["black"]["threshold"] == 0.5
    alone = {r["feature"]: r for r in feature_stats(demo.index, 0.8).records()}
    assert rows["text"]["n_with"] == alone["text"]["n_with"]
    bar = view["bar_impact"]["data"][0]
    k = bar["x"].index("text")
    assert bar["hovertext"][k] == "threshold 0.8 (saved)" and "%{hovertext}" in \
        bar["hovertemplate"]
    scatter = scatter_markers(view["scatter"], demo)
    assert len(scatter["hovertext"]) == len(scatter["y"])
    text = [t for t, x in zip(scatter["hovertext"], scatter["x"]) if x == "text"]
    assert text and set(text) == {"threshold 0.8 (saved)"}
    placed = _placed(view, [])
    assert "threshold" in [c["field"] for c in placed["table_columns"]]
    assert "saved threshold for 3 features" in placed["threshold_note"]
    assert "threshold" not in [c["field"] for c in _placed(render_view(demo, {}), [])[
        "table_columns"]]


@pytest.mark.parametrize("threshold", [0.0, 0.5, 0.8, 0.95])
def test_the_cached_count_of_changed_values_is_changed_count(demo, threshold):
    fixed = demo_fixes(demo) | {("no such image", "text"): True, (demo.matrix.image_names[0],
                                                                 "no_such_feature"): False}
    fx = fixed_dataset(demo, fixed, 1)
    assert fx.changed(threshold) == changed_count(demo.matrix, fixed, threshold) > 0
    saved = {"text": 0.75, "poster": 0.9}
    want = sum(changed_count(demo.matrix, {k: v for k, v in fixed.items()
                                           if saved.get(k[1], threshold) == t}, t)
               for t in {threshold, *saved.values()})
    assert fx.changed(threshold, saved) == want


def test_the_url_carries_apply_fixes_and_per_feature_thresholds():
    view = parse_query("?business=B&image_source=S&apply_fixes=1&thresholds=saved")
    assert view["apply_fixes"] is True and view["thresholds"] == "saved"
    query = query_string(view)
    assert "apply_fixes=1" in query and "thresholds=saved" in query
    plain = parse_query("?business=B&image_source=S&apply_fixes=no&thresholds=bogus")
    assert plain["apply_fixes"] is False and plain["thresholds"] == "single"
    assert "apply_fixes" not in query_string(plain) and "thresholds" not in query_string(plain)


def test_every_page_layout_builds(settings):
    from app import create_app
    from pages import PAGES

    app = create_app(settings)
    services = app.server.extensions["image_dashboard"]
    assert {p.path for p in PAGES} >= {"", "fixes", "thresholds"}
    for page in PAGES:
        assert page.layout(services) is not None


def test_the_advisor_axis_follows_raw_scores_and_negative_values():
    values = np.array([-0.8, 0.0, 1.2, 2.9, 3.4])
    low, high = value_axis_range(values)
    assert low < -0.8 and high > 3.4
    low, high = value_axis_range(np.array([0.2, 0.9]))
    assert low < 0 < 0.9 < high <= 1.1  # 0 is always inside (presence needs v > 0)


def test_the_curve_is_thinned_for_the_browser_but_keeps_both_ends():
    rng = np.random.default_rng(5)
    values = rng.uniform(0, 5, 20_000)
    points = threshold_points(values, rng.random(20_000) < 0.3)
    fig = curve_figure(points, value_axis_range(values), 2.0, 3.0, "label")
    x = fig["data"][2]["x"]
    assert len(x) <= MAX_CURVE_POINTS and x[0] == 0.0 and x[-1] == points.threshold[-1]
    assert [s["name"] for s in fig["layout"]["shapes"]] == ["threshold", "suggested"]
    idx = thin(10, 4)
    assert idx[0] == 0 and idx[-1] == 9 and len(idx) == 4


def test_the_histogram_counts_every_labelled_image_once():
    rng = np.random.default_rng(6)
    values = np.round(rng.uniform(-1, 3, 500), 2)
    fixed = rng.random(500) < 0.4
    fig = histogram_figure(values, fixed, value_axis_range(values), 1.0, None)
    present, absent = fig["data"]
    assert sum(present["y"]) == fixed.sum() and sum(absent["y"]) == (~fixed).sum()


def test_counts_figure_says_so_when_there_are_no_fixes():
    fig = counts_figure(pd.DataFrame())
    assert fig["data"] == [] and "No fixes" in fig["layout"]["annotations"][0]["text"]
