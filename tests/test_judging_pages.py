"""The judging pages' pure parts: predicted scores and nudges, what to show next, the
image-source choice (figures/judging.py)."""

from __future__ import annotations

import numpy as np
import pytest

from data.stats.scoreboard import scoreboard
from figures.judging import (PREDICT_FEATURE, PREDICT_MEAN, chosen_source, next_image, next_set,
                             nudged, predicted_score, source_of, source_options, source_value)
from tests.support.datasets import dataset

FEATURES = {"a": {"red": 1.0, "dog": 0.2}, "b": {"red": 0.9, "dog": 0.1}, "c": {"sky": 3.0},
            "d": {"red": 0.5, "sky": 1.0}}


@pytest.fixture
def ds():
    return dataset(FEATURES, {})


def board_of(ratings: list[tuple[str, str, int]]):
    image, rater, score = zip(*ratings) if ratings else ((), (), ())
    return scoreboard(FEATURES, image, rater, score, np.arange(len(image)), [], [])


@pytest.mark.parametrize("predicted, step, score", [
    (6.4, 0, 6), (6.5, 0, 7), (6.4, -2, 4), (6.4, 1, 7), (9.6, 2, 10), (1.2, -1, 1)])
def test_a_nudge_moves_the_rounded_prediction_and_stays_within_1_to_10(predicted, step, score):
    assert nudged(predicted, step) == score


def test_a_feature_is_scaled_to_1_10_with_absent_counting_as_zero(ds):
    assert predicted_score(PREDICT_FEATURE + "red", ds, None, "a") == 10.0
    assert predicted_score(PREDICT_FEATURE + "red", ds, None, "c") == 1.0
    assert predicted_score(PREDICT_FEATURE + "red", ds, None, "d") == pytest.approx(5.5)
    assert predicted_score(PREDICT_FEATURE + "nope", ds, None, "a") is None


def test_the_mean_prediction_is_the_image_s_mean_else_its_rated_look_alikes(ds):
    board = board_of([("a", "x", 8), ("a", "y", 6), ("d", "x", 3)])
    assert predicted_score(PREDICT_MEAN, ds, board, "a") == 7.0
    # b looks like a (cosine 0.99) and d; both are rated: their mean scores are averaged.
    assert predicted_score(PREDICT_MEAN, ds, board, "b") == pytest.approx((7.0 + 3.0) / 2)
    assert predicted_score(PREDICT_MEAN, ds, board_of([]), "b") is None


def test_next_image_skips_what_i_rated_or_skipped_and_prefers_the_least_rated():
    names = ["a", "b", "c", "d"]
    assert next_image(names, np.array([0, 2, 0, 1]), {"a"}, set()) == "c"
    assert next_image(names, np.array([0, 2, 0, 1]), {"a"}, {"c"}) == "d"
    assert next_image(names, np.zeros(4), set(names), set()) is None


def test_next_set_leaves_out_broken_pictures_and_avoids_the_last_set():
    names = [f"i{k}" for k in range(6)]
    rng = np.random.default_rng(0)
    for _ in range(20):
        chosen = next_set(names, np.zeros(6), np.full(6, np.nan), frozenset({"i0", "i1"}), 2,
                          {"i2"}, rng)
        assert "i2" not in chosen and set(chosen) != {"i0", "i1"}
    assert next_set(names, np.zeros(6), np.zeros(6), None, 4, {"i0", "i1", "i2"}) is None


def test_image_sources_travel_whole_in_a_dropdown_value():
    datasets = [{"business": "Demo", "is_demo": True, "image_sources": [
                    {"image_source": "d", "current_build": 1}]},
                {"business": 'A "b"/c', "is_demo": False, "image_sources": [
                    {"image_source": "x/y", "current_build": 2},
                    {"image_source": "empty", "current_build": None}]}]
    options = source_options(datasets)
    assert [source_of(o["value"]) for o in options] == [('A "b"/c', "x/y"), ("Demo", "d")]
    assert chosen_source(options, "Demo", "d") == source_value("Demo", "d")
    assert chosen_source(options, "Nope", None) == options[0]["value"]
    assert source_of("not json") is None
