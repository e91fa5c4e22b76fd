"""What a user can ask of the page that used to crash or freeze it, as classes, without a
browser: any feature count against any point cap (the scatter's quota), any number of features
with top_k=all (at most MAX_FEATURES_DRAWN drawn), any name length on axes, hovers and the
pin/exclude lists (short, unique), and any filters value (coerced, never an exception)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callbacks.dashboard.charts import _placed, top_k_note
from data.domain.filters import (DEFAULT_FILTERS, FEATURE_KEY_CHARS, MAX_ID, OUTCOMES, RANKS,
                                 SORTS, THRESHOLD_MODES, WEIGHTS, feature_key, normalize_filters,
                                 normalize_selection, parse_query)
from data.domain.matrix import FeatureTable, matrix_from_table
from figures.base import (AXIS_NAME_CHARS, MAX_FEATURE_OPTIONS, OPTION_NAME_CHARS, axis_labels,
                          feature_options)
from figures.dashboard.scatter import point_quota
from figures.dashboard.view import MAX_FEATURES_DRAWN, render_view
from tests.support.datasets import dataset_of, unchecked_dataset
from tests.support.scatter import markers as scatter_markers


@settings(max_examples=150, deadline=None)
@given(counts=st.lists(st.integers(0, 5_000), max_size=300), cap=st.integers(0, 30_000),
       floor=st.integers(1, 100))
def test_point_quota_is_never_negative_never_over_a_feature_and_sums_to_the_cap(counts, cap,
                                                                                floor):
    counts = np.array(counts, dtype=np.int64)
    quota = point_quota(counts, cap, floor)
    assert quota.shape == counts.shape
    assert (quota >= 0).all() and (quota <= counts).all()
    assert quota.sum() == min(int(counts.sum()), cap)
    with_points = int((counts > 0).sum())
    if 0 < with_points <= cap:  # every feature with points keeps at least one
        assert (quota[counts > 0] >= 1).all()


def test_more_features_with_points_than_the_cap_get_one_point_each_spread_along_the_axis():
    counts = np.ones(20_001, dtype=np.int64)
    quota = point_quota(counts, 20_000)
    assert quota.sum() == 20_000 and quota.min() == 0 and quota.max() == 1
    assert quota[0] == 1 and quota[-1] == 1  # both ends of the axis keep a point


def _wide_dataset(n_features: int, n_images: int = 60):
    """Every feature present in two images; CTRs that differ, so impacts differ."""
    rng = np.random.default_rng(5)
    rows = rng.integers(0, n_images, 2 * n_features)
    cols = np.repeat(np.arange(n_features), 2)
    names = [f"f{j:05d}" for j in range(n_features)]
    table = FeatureTable([f"img{i}" for i in range(n_images)], names, rows, cols,
                         rng.uniform(0.1, 1.0, 2 * n_features))
    return dataset_of(matrix_from_table(table), rng.uniform(0.0, 0.1, n_images))


@pytest.fixture(scope="module")
def wide():
    return _wide_dataset(20_001)


@pytest.mark.parametrize("point_cap", [20_000, 500, 1, 0])
def test_top_k_all_on_20001_features_renders_with_any_point_cap(wide, point_cap):
    view = render_view(wide, {"top_k": None}, point_cap=point_cap)
    s = view["status"]
    assert view["guide"] is None
    assert s["features_shown"] == MAX_FEATURES_DRAWN == len(view["rows"])
    assert s["features_hidden"] == s["features_in_range"] - MAX_FEATURES_DRAWN
    assert s["points_shown"] == min(point_cap, s["points_total"])
    assert len(scatter_markers(view["scatter"], wide)["x"]) == s["points_shown"]
    assert len(view["bar_impact"]["data"][0]["x"]) == MAX_FEATURES_DRAWN
    assert "draw at most 1,000" in top_k_note(s)
    assert "d-none" in _placed(view, [])["show_all_class"]  # "show all" would add nothing


def test_pinned_features_are_drawn_first_when_the_cap_is_reached(wide):
    pinned = [f"f{j:05d}" for j in range(0, 20_001, 10)]  # 2,001 pins
    view = render_view(wide, {"top_k": None, "pinned": pinned})
    assert len(view["features"]) == MAX_FEATURES_DRAWN
    assert set(view["features"]) <= set(pinned)


LONG = ["w" * 9_000 + f"-{k}" for k in range(3)]


def test_axis_labels_are_short_unique_and_escaped_whatever_the_names():
    short_lookalike = "w" * (AXIS_NAME_CHARS - 1) + "…"  # equals a long name's shortened form
    names = LONG + [short_lookalike, "a<b>&c", "red"]
    labels = axis_labels(names)
    assert len(set(labels)) == len(names)
    assert all(len(label.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))
               <= AXIS_NAME_CHARS for label in labels)
    assert labels[4] == "a&lt;b&gt;&amp;c" and labels[5] == "red"


def test_the_scatter_and_bars_carry_short_labels_and_the_table_whole_names():
    features = {f"img{'i' * 800}{n}": {name: 0.5 + n / 10 for name in LONG}
                for n in range(4)}
    ds = unchecked_dataset(features, {name: 0.01 * (i + 1) for i, name in enumerate(features)})
    view = render_view(ds, {"top_k": None})
    markers = scatter_markers(view["scatter"], ds)
    x = list(markers["x"])
    assert max(map(len, x)) <= AXIS_NAME_CHARS and len(set(x)) == len(LONG)
    assert max(map(len, markers["text"])) <= 60
    assert view["bar_impact"]["data"][0]["x"] == view["bar_with"]["data"][0]["x"]
    assert sorted(r["feature"] for r in view["rows"]) == sorted(LONG)


def test_feature_keys_are_short_and_pin_or_exclude_by_key_or_by_name():
    keys = [feature_key(n) for n in LONG]
    assert len(set(keys)) == len(LONG) and all(len(k) == FEATURE_KEY_CHARS for k in keys)
    assert feature_key("red") == "red" and feature_key(keys[0]) == keys[0]
    features = {f"img{n}": {**{name: 0.9 for name in LONG}, "red": 0.1 * n} for n in range(6)}
    ds = unchecked_dataset(features, {f"img{n}": 0.01 * n for n in range(6)})
    by_key = render_view(ds, {"top_k": None, "excluded": [keys[0]]})["features"]
    by_name = render_view(ds, {"top_k": None, "excluded": [LONG[0]]})["features"]
    assert LONG[0] not in by_key and by_key == by_name
    pinned = render_view(ds, {"top_k": 1, "pinned": [keys[2]], "sort": "name"})["features"]
    assert LONG[2] in pinned


def test_pin_and_exclude_options_are_short_and_capped_to_the_most_common_features():
    names = [f"feature {j}" for j in range(MAX_FEATURE_OPTIONS + 500)] + LONG
    counts = np.arange(len(names))  # the later, the more common
    options = feature_options(names, counts, chosen=["feature 0"])
    assert len(options) == MAX_FEATURE_OPTIONS + 1  # plus the one already chosen
    assert {"label": "feature 0", "value": "feature 0"} in options
    assert all(len(o["value"]) <= FEATURE_KEY_CHARS and len(o["label"]) <= OPTION_NAME_CHARS
               for o in options)


CRAFTED = [None, "x", 5, 1e308, [1, 2], {"a": 1}, True, "\x00", 2**40]


@pytest.mark.parametrize("value", CRAFTED)
@pytest.mark.parametrize("key", sorted(DEFAULT_FILTERS))
def test_normalize_filters_gives_every_key_its_type_whatever_it_is_sent(key, value):
    f = normalize_filters({key: value})
    assert set(f) == set(DEFAULT_FILTERS)
    assert f["business"] is None or isinstance(f["business"], str)
    assert f["build"] is None or 1 <= f["build"] <= MAX_ID
    assert isinstance(f["threshold"], float) and np.isfinite(f["threshold"])
    assert 0.0 <= f["min_pct"] <= f["max_pct"] <= 100.0
    assert f["top_k"] is None or 1 <= f["top_k"] <= MAX_ID
    assert f["sort"] in SORTS and f["rank"] in RANKS and f["weight"] in WEIGHTS
    assert f["outcome"] in OUTCOMES and f["thresholds"] in THRESHOLD_MODES
    assert f["metrics"] is None or 1 <= f["metrics"] <= MAX_ID
    assert isinstance(f["adjust"], bool) and isinstance(f["apply_fixes"], bool)
    assert isinstance(f["min_group"], int) and f["min_group"] >= 0
    assert all(isinstance(p, str) for p in f["pinned"] + f["excluded"])


@pytest.mark.parametrize("filters", CRAFTED + [[{"business": "x"}], {"filters": {}}])
def test_normalize_filters_and_selection_accept_anything(filters):
    assert normalize_filters(filters)["business"] is None
    selection = normalize_selection(filters)
    assert selection is None or set(selection) == {"business", "image_source", "build",
                                                   "metrics", "version", "current_build_id"}


def test_names_and_build_ids_that_cannot_exist_never_reach_the_database():
    f = normalize_filters({"business": "B\x00", "image_source": "s" * 501, "build": 2**31})
    assert (f["business"], f["image_source"], f["build"]) == (None, None, None)
    assert normalize_filters({"business": "B", "image_source": "s", "build": "12"})["build"] == 12
    assert parse_query("?build=99999999999&business=B")["build"] is None
    assert parse_query(["not", "text"])["business"] is None
