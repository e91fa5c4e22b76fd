"""The dashboard's render callback without a browser: one computation fills the figures, the
status and the feature table, and the table holds exactly the features API's rows for the
features the charts show."""

from __future__ import annotations

import pytest

from callbacks.dashboard.charts import OUTPUTS, _message, _placed, table_note
from data.demo import generate_demo
from data.domain.filters import normalize_filters
from data.stats.features import feature_stats
from figures.dashboard.view import render_view, select_features, take
from tests.support.datasets import dataset
from tests.support.scatter import markers as scatter_markers


@pytest.fixture(scope="module")
def demo():
    features, metrics = generate_demo(659)
    return dataset(features, {n: m["clicks"] / m["impressions"] for n, m in metrics.items()})


@pytest.mark.parametrize("filters", [
    {"threshold": 0.2, "top_k": None},
    {"threshold": 0.5, "min_pct": 2, "max_pct": 50, "top_k": 7, "sort": "name"},
    {"threshold": 0.0, "top_k": 5, "pinned": ["text"], "excluded": ["girl"]},
])
def test_table_rows_are_the_api_rows_of_the_features_the_charts_show(demo, filters):
    view = render_view(demo, filters)
    placed = _placed(view, [])
    assert set(placed) == set(OUTPUTS)
    f = normalize_filters(filters)
    stats = feature_stats(demo.index, f["threshold"], f["min_pct"], f["max_pct"])
    positions, hidden = select_features(stats, f)
    want = take(stats, positions).records()
    assert [{k: r[k] for k in want[0]} for r in placed["table_rows"]] == want
    assert all("adjusted_impact" in r for r in placed["table_rows"])
    assert [r["feature"] for r in placed["table_rows"]] == view["features"]
    assert list(scatter_markers(placed["scatter"], demo)["x"]) and placed["bar_with"]["data"]
    assert placed["table_note"].startswith(f"{len(positions)} shown")
    assert ("hidden by the top-K cut" in placed["table_note"]) == (hidden > 0)


def test_every_output_has_a_value_when_there_is_nothing_to_render():
    values = _message("nothing here", [], "Choose a business and an image source.")
    assert set(values) == set(OUTPUTS)
    assert values["table_rows"] == [] and values["table_note"].startswith("Choose")


def test_table_note_counts_hidden_and_excluded_features():
    assert table_note(3, 0, 0) == "3 shown"
    assert table_note(3, 4, 2) == "3 shown, 4 hidden by the top-K cut, 2 excluded"


def test_the_adjusted_impact_is_computed_once_per_dataset_threshold_and_features(
        demo, monkeypatch):
    import data.stats.view as stats_view
    fits = []
    real = stats_view.adjusted_impact
    monkeypatch.setattr(stats_view, "adjusted_impact",
                        lambda *a, **k: fits.append(a[1]) or real(*a, **k))
    first = render_view(demo, {"threshold": 0.31, "adjust": True})["rows"]
    again = render_view(demo, {"threshold": 0.31, "adjust": True, "sort": "name"})["rows"]
    other = render_view(demo, {"threshold": 0.32, "adjust": True})["rows"]
    assert fits == [0.31, 0.32]  # the same features (in another order) at 0.31: no new fit
    by_name = {r["feature"]: r["adjusted_impact"] for r in first}
    assert {r["feature"]: r["adjusted_impact"] for r in again} == by_name
    assert {r["feature"]: r["adjusted_impact"] for r in other} != by_name
