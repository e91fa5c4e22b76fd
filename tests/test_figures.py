"""Figure builders (figures/): what the page draws, checked without a browser or a database."""

from __future__ import annotations

from html import escape

import numpy as np
import pytest

from data.demo import generate_demo
from data.domain.dataset import Dataset
from data.domain.matrix import BuildMatrix
from data.stats.features import feature_stats
from figures.dashboard.scatter import (MIN_POINTS_PER_FEATURE, image_priority, point_quota,
                             scatter_points)
from data.domain.filters import normalize_filters
from figures.base import (AXIS_NAME_CHARS, MIN_PLOT_HEIGHT, axis_labels, base_layout,
                          text_width, tick_label_margin)
from figures.dashboard.view import FIGURE_KEYS, render_view, select_features
from tests.support.datasets import dataset, dataset_of
from tests.support.scatter import markers as scatter_markers


def points_of(view: dict, ds: Dataset) -> set[tuple[str, str]]:
    """(image label, feature label) of every scatter marker."""
    markers = scatter_markers(view["scatter"], ds)
    return set(zip(list(markers["text"]), list(markers["x"])))


@pytest.fixture(scope="module")
def demo() -> Dataset:
    features, metrics = generate_demo(659)
    ctr = {name: m["clicks"] / m["impressions"] for name, m in metrics.items()}
    return dataset(features, ctr, is_demo=True)


SMALL = {
    "a.jpg": {"text": 0.9, "girl": 0.1, "sky": 0.0},
    "b.jpg": {"text": 0.2, "girl": 0.5},
    "c.jpg": {"text": 0.19, "sky": 0.7},
    "d.jpg": {"girl": 0.2, "sky": 0.2},
    "e.jpg": {"text": 1.0, "girl": 1.0, "sky": 1.0},  # no CTR: never drawn
    "f.jpg": {"text": -0.5, "logo": 0.05},
}
SMALL_CTR = {"a.jpg": 0.01, "b.jpg": 0.02, "c.jpg": 0.03, "d.jpg": 0.04, "f.jpg": 0.05}


def test_scatter_holds_exactly_the_pairs_present_at_the_threshold_for_images_with_ctr():
    ds = dataset(SMALL, SMALL_CTR)
    view = render_view(ds, {"threshold": 0.2, "top_k": None})
    want = {(img, f) for img, row in SMALL.items() for f, v in row.items()
            if img in SMALL_CTR and v > 0 and v >= 0.2}
    assert points_of(view, ds) == want
    assert want == {("a.jpg", "text"), ("b.jpg", "text"), ("b.jpg", "girl"), ("c.jpg", "sky"),
                    ("d.jpg", "girl"), ("d.jpg", "sky")}
    markers = scatter_markers(view["scatter"], ds)
    names = dataset(SMALL, SMALL_CTR).matrix.image_names
    for image, y, customdata in zip(markers["text"], markers["y"], markers["customdata"]):
        assert names[customdata] == image and y == SMALL_CTR[image]


def test_categories_are_the_features_with_points_in_impact_order_on_every_figure():
    ds = dataset(SMALL, SMALL_CTR)
    view = render_view(ds, {"threshold": 0.2, "top_k": None})
    stats = feature_stats(ds.index, 0.2)
    want = list(stats.feature)
    # impacts: sky (0.035 - 0.0267) > girl (0.03 - 0.03) > text (0.015 - 0.04)
    assert want == ["sky", "girl", "text"]
    scatter = view["scatter"]
    assert list(dict.fromkeys(scatter_markers(scatter, ds)["x"])) == want  # axis order = trace order
    for key in ("bar_with", "bar_impact", "bar_without"):
        assert view[key]["data"][0]["x"] == want
    for key in FIGURE_KEYS:
        axis = view[key]["layout"]["xaxis"]
        assert axis["categoryorder"] == "trace" and axis["range"] == [-0.5, 2.5]
    assert "logo" not in want  # 0.05 < 0.2: no points, no category
    assert view["features"] == want


def test_demo_at_the_seed_threshold_draws_every_present_pair_over_exactly_the_features_with_points(
        demo):
    view = render_view(demo, {"threshold": 0.2, "top_k": None})
    index = demo.index
    has_ctr = ~np.isnan(index.y)
    m = demo.matrix
    cols = m.cols_of_entries()
    present = (m.values >= 0.2) & (m.values > 0) & has_ctr[m.rows]
    want = {(m.image_names[r], m.feature_names[c]) for r, c in zip(m.rows[present], cols[present])}
    assert points_of(view, demo) == want  # demo names hold no < > &, so labels are the names
    assert set(scatter_markers(view["scatter"], demo)["x"]) == {m.feature_names[c]
                                                                for c in cols[present]}
    assert view["status"]["points_shown"] == view["status"]["points_total"] == len(want)
    assert not view["status"]["sampled"]


def test_top_k_keeps_the_largest_absolute_impacts_plus_pinned_and_never_excluded(demo):
    stats = feature_stats(demo.index, 0.2, 1.0, 100.0)
    by_size = sorted(range(len(stats)), key=lambda i: (-abs(stats.impact[i]), stats.feature[i]))
    top5 = {stats.feature[i] for i in by_size[:5]}
    pinned, excluded = stats.feature[by_size[-1]], stats.feature[by_size[0]]
    filters = normalize_filters({"threshold": 0.2, "min_pct": 1, "top_k": 5, "rank": "abs_impact",
                                 "pinned": [pinned], "excluded": [excluded]})
    positions, hidden = select_features(stats, filters)
    shown = [stats.feature[p] for p in positions]
    assert set(shown) == (top5 - {excluded}) | {stats.feature[by_size[5]], pinned}
    assert shown == [f for f in stats.feature if f in set(shown)]  # impact order kept
    assert hidden == len(stats) - 1 - len(shown)
    status = render_view(demo, filters)["status"]
    assert (status["features_shown"], status["features_hidden"], status["features_excluded"]) \
        == (len(shown), hidden, 1)


@pytest.mark.parametrize("sort, key", [
    ("abs_impact", lambda s, i: (-abs(s.impact[i]), i)),
    ("prevalence", lambda s, i: (-s.prevalence_pct[i], i)),
    ("name", lambda s, i: (s.feature[i],)),
])
def test_sort_orders_the_shown_features(demo, sort, key):
    stats = feature_stats(demo.index, 0.2, 2.0, 100.0)
    positions, _ = select_features(stats, normalize_filters({"top_k": None, "sort": sort}))
    assert list(positions) == sorted(range(len(stats)), key=lambda i: key(stats, i))


def _wide(n_images=3000, n_features=12, seed=5) -> Dataset:
    rng = np.random.default_rng(seed)
    counts = np.array([n_images, 2000, 1500, 900, 400, 120, 60, 30, 10, 3, 1, 700])[:n_features]
    rows, values = [], []
    for k in counts:
        r = np.sort(rng.choice(n_images, size=k, replace=False)).astype(np.int32)
        v = rng.uniform(0.01, 1.0, size=k)
        order = np.lexsort((r, v))
        rows.append(r[order])
        values.append(v[order])
    col_ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    matrix = BuildMatrix([f"img{i:05d}" for i in range(n_images)],
                         [f"f{j:02d}" for j in range(n_features)], col_ptr,
                         np.concatenate(rows), np.concatenate(values))
    return dataset_of(matrix, rng.uniform(0.0, 0.05, size=n_images))


def test_sampling_is_deterministic_stratified_and_capped():
    ds = _wide()
    features = np.arange(ds.index.n_features)
    first = scatter_points(ds.index, 0.0, features, cap=1000)
    again = scatter_points(ds.index, 0.0, features, cap=1000)
    assert np.array_equal(first.entries, again.entries)
    assert len(first.entries) == 1000 and first.sampled and first.total == ds.matrix.nnz

    counts = first.per_feature_total
    kept = np.bincount(first.feature_pos, minlength=len(counts))
    assert np.array_equal(kept, point_quota(counts, 1000))
    assert np.all(kept >= np.minimum(counts, MIN_POINTS_PER_FEATURE))  # rare features stay
    big = counts > 200
    floor = np.minimum(counts, MIN_POINTS_PER_FEATURE)
    share = (kept - floor)[big] / (counts - floor)[big]
    assert share.max() - share.min() < 0.005  # above the floor, in proportion to the points

    # Within a feature: the images with the smallest fixed priority, still in confidence order.
    index = ds.index
    for f in range(len(counts)):
        got = first.entries[first.feature_pos == f]
        lo, hi = index.col_ptr[f], index.col_ptr[f + 1]
        prio = image_priority(index.rows[lo:hi])
        assert set(got - lo) == set(np.argsort(prio, kind="stable")[:kept[f]])
        assert np.all(np.diff(index.values[got]) >= 0)


def test_a_sampled_view_says_so_and_the_bars_still_use_every_image():
    ds = _wide()
    view = render_view(ds, {"top_k": None}, point_cap=500)
    status = view["status"]
    assert status["sampled"] and status["points_shown"] == 500
    assert status["points_total"] == ds.matrix.nnz
    assert len(scatter_markers(view["scatter"], ds)["x"]) == 500
    stats = feature_stats(ds.index)
    assert view["bar_with"]["data"][0]["y"] == pytest.approx(list(stats.ctr_with))


def test_point_quota_sums_to_the_cap_and_never_exceeds_a_feature():
    counts = np.array([5000, 10, 0, 49, 3000, 1])
    quota = point_quota(counts, 600, floor=50)
    assert quota.sum() == 600 and np.all(quota <= counts)
    assert list(quota[[1, 2, 3, 5]]) == [10, 0, 49, 1]
    assert np.array_equal(point_quota(counts, 10**6), counts)
    many = np.full(100, 1000)
    assert point_quota(many, 1000).sum() == 1000  # the floor shrinks when it cannot hold


def test_impact_bars_carry_the_welch_ci_sign_colours_and_significance_marks(demo):
    view = render_view(demo, {"threshold": 0.2, "min_pct": 1, "top_k": None})
    stats = feature_stats(demo.index, 0.2, 1.0, 100.0)
    bar = view["bar_impact"]["data"][0]  # in percentage points
    assert bar["y"] == pytest.approx(list(stats.impact * 100))
    assert bar["error_y"]["array"] == pytest.approx(list((stats.ci_high - stats.impact) * 100))
    assert bar["error_y"]["arrayminus"] == pytest.approx(list((stats.impact - stats.ci_low) * 100))
    colours = bar["marker"]["color"]
    assert {colours[i] for i in np.flatnonzero(stats.impact > 0)} == {"#1f77b4"}
    assert {colours[i] for i in np.flatnonzero(stats.impact < 0)} == {"#e8710a"}
    marks = view["bar_impact"]["data"][-1]["text"]  # above the intervals, never on them
    marked = ["★" in t for t in marks]
    assert marked == [bool(q < 0.05) for q in np.nan_to_num(stats.q_value, nan=1.0)]
    assert any(marked)


def test_null_statistics_become_gaps_not_numbers():
    ds = dataset({"a": {"x": 0.5}, "b": {"y": 0.5}, "c": {"y": 0.6}}, {"a": .1, "b": .2, "c": .3})
    view = render_view(ds, {"top_k": None})
    bar = view["bar_impact"]["data"][0]
    assert None in bar["error_y"]["array"]  # one image with x: no CI
    assert all(v is None or v == v for v in bar["y"])


def test_names_are_escaped_for_plotly_labels():
    evil = "<img src=x onerror=alert(1)>"
    ds = dataset({evil: {"a&b": 0.9, "<i>": 0.5}, "ok": {"a&b": 0.3}}, {evil: 0.1, "ok": 0.2})
    view = render_view(ds, {"top_k": None})
    markers = scatter_markers(view["scatter"], ds)
    assert "&lt;img src=x onerror=alert(1)&gt;" in list(markers["text"])
    assert evil not in list(markers["text"])
    assert set(markers["x"]) == {"a&amp;b", "&lt;i&gt;"}
    assert set(view["features"]) == {"a&b", "<i>"}  # raw names for other parts of the page


@pytest.mark.parametrize("features, ctr, filters, kind, words", [
    ({"a": {"x": 1.0}}, {}, {}, "no_metrics", "none has a CTR"),
    ({"a": {"x": 0.3}, "b": {"x": 0.1}}, {"a": .1, "b": .2}, {"threshold": 0.9}, "no_points",
     "Lower the confidence threshold"),
    ({"a": {"x": 0.3}, "b": {"y": 0.1}}, {"a": .1, "b": .2}, {"min_pct": 60}, "out_of_range",
     "Widen the sparsity range"),
    ({"a": {"x": 0.3}, "b": {"y": 0.1}}, {"a": .1, "b": .2}, {"excluded": ["x", "y"]},
     "all_excluded", "excluded"),
])
def test_every_figure_says_what_to_do_when_there_is_nothing_to_draw(features, ctr, filters,
                                                                    kind, words):
    view = render_view(dataset(features, ctr), filters)
    assert view["guide"]["kind"] == kind
    for key in FIGURE_KEYS:
        fig = view[key]
        assert fig["data"] == []
        assert words in fig["layout"]["annotations"][0]["text"]


def test_status_counts_the_build_its_ctr_coverage_and_what_is_shown(demo):
    view = render_view(demo, {"threshold": 0.2})
    s = view["status"]
    assert (s["build_id"], s["build_label"], s["received_at"]) == (7, "42", "2026-01-02T03:04:05Z")
    assert s["images"] == 659 and s["images_without_ctr"] == 659 - demo.index.n_images > 0
    assert s["is_demo"] and s["features_shown"] == 30
    assert s["features_shown"] + s["features_hidden"] == s["features_in_range"]
    assert s["features_with_points"] == int((demo.index.counts_at(0.2) > 0).sum())


def test_hover_settings_stay_finite_and_no_hover_line_is_drawn_yet(demo):
    scatter = render_view(demo, {})["scatter"]
    layout = scatter["layout"]
    assert 0 < layout["hoverdistance"] <= 50 and 0 < layout["spikedistance"] <= 50
    assert layout["shapes"] == [] and len(scatter["data"]) == 1


def test_with_hundreds_of_features_the_charts_share_one_width_wider_than_the_page(demo):
    view = render_view(demo, {"threshold": 0.0, "top_k": None, "min_group": 0})
    widths = {view[k]["layout"].get("width") for k in FIGURE_KEYS}
    assert len(view["features"]) > 200 and len(widths) == 1
    assert widths.pop() >= 16 * len(view["features"])
    few = render_view(demo, {"threshold": 0.2, "top_k": 10})
    assert all("width" not in few[k]["layout"] for k in FIGURE_KEYS)


def test_long_feature_names_are_cut_on_the_axis_and_whole_in_the_data():
    long = "a_feature_name_that_goes_on_and_on_for_far_too_long_" * 3
    ds = dataset({"a": {long: 1.0, "short": 0.5}, "b": {"short": 1.0}, "c": {long: 0.7}},
                 {"a": 0.01, "b": 0.02, "c": 0.03})
    view = render_view(ds, {"top_k": None, "min_group": 0})
    x = list(view["bar_impact"]["data"][0]["x"])
    assert max(map(len, x)) <= AXIS_NAME_CHARS and "short" in x and long not in x
    assert long in view["features"] and long in [row["feature"] for row in view["rows"]]


def test_the_margin_under_turned_names_grows_with_the_widest_name_in_steps_and_leaves_a_plot():
    short = tick_label_margin(["red", "dog"], 440, 36, 8)
    longer = tick_label_margin(["red", "mediumseagreen"], 440, 36, 8)
    longest = tick_label_margin(["red", "m" * 40], 440, 36, 8)
    assert 8 < short < longer < longest == 440 - 36 - MIN_PLOT_HEIGHT  # capped: a plot is left
    assert tick_label_margin([], 440, 36, 8) == 8
    assert longer == tick_label_margin(["mediumseagreen", "red", "dog", "cat"], 440, 36, 8)
    assert short % 24 == 0 and longer % 24 == 0  # steps: similar names keep the margin
    assert tick_label_margin(["i" * 14], 440, 36, 8) < longer  # narrow letters take less room


def test_text_width_measures_names_as_shown_and_counts_other_scripts_a_whole_em():
    labels = axis_labels(["<b>", "a&b"])  # escaped for plotly.js: "&lt;b&gt;" is wider
    assert labels[0] == escape("<b>", quote=False) and text_width(labels[0]) > text_width("<b>")
    assert tick_label_margin(labels, 440, 36, 8) == tick_label_margin(["<b>", "a&b"], 440, 36, 8)
    assert text_width("中文") == 2 * 12.0
    assert text_width("mediumseagreen") == pytest.approx(105.0, rel=0.02)  # DejaVu Sans, 12 px
    assert text_width("WW") > text_width("ii") * 3


def test_charts_with_names_under_them_reserve_the_margin_and_the_others_do_not(demo):
    figures = render_view(demo, normalize_filters({"business": demo.source.business,
                                                   "image_source": demo.source.name}))
    names = figures["bar_without"]["layout"]["xaxis"]
    assert names["showticklabels"] and names["automargin"]  # automargin stays as a safety net
    for key in ("scatter", "bar_without"):
        assert figures[key]["layout"]["margin"]["b"] > 40, key
    for key in ("bar_with", "bar_impact"):
        assert figures[key]["layout"]["margin"]["b"] == 8, key
    assert base_layout(210, bottom=8, tick_labels=["red"])["margin"]["b"] == \
        tick_label_margin(["red"], 210, 36, 8)
