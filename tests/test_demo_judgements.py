"""The generated demo judgements: deterministic, well-formed, and carrying their planted likes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from data.demo import PLANTED_EFFECTS, generate_demo
from data.demo_judgements import LIKING_EFFECTS, RATERS, generate_judgements
from data.stats.judgements import bradley_terry, latest_scores, votes_to_pairs


@pytest.fixture(scope="module")
def demo_features():
    return generate_demo()[0]


def judgements_for(features, seed):
    return generate_judgements(list(features), features, seed)


def test_same_arguments_give_identical_output_and_another_seed_differs(demo_features):
    first = judgements_for(demo_features, 11)
    assert judgements_for(demo_features, 11) == first
    assert judgements_for(demo_features, 12) != first


def test_generation_does_not_touch_global_random_state(demo_features):
    np.random.seed(5)
    expected = np.random.random()
    np.random.seed(5)
    judgements_for(demo_features, 11)
    assert np.random.random() == expected


def test_ratings_and_votes_are_well_formed(demo_features):
    ratings, votes = judgements_for(demo_features, 11)
    names = set(demo_features)
    assert 300 <= len(ratings) <= 500 and len(votes) == 1000
    assert {r["rater"] for r in ratings} == set(RATERS)
    assert all(r["image"] in names and r["score"] in range(1, 11) for r in ratings)
    assert {len(v["others"]) for v in votes} == {1, 3}
    for v in votes:
        shown = [v["winner"], *v["others"]]
        assert len(set(shown)) == len(shown) and set(shown) <= names
    for records in (ratings, votes):
        times = [r["at"] for r in records]
        assert times == sorted(times) and all(t.endswith("Z") for t in times)


def test_some_scores_are_given_again_later_and_images_have_several_raters(demo_features):
    ratings, _ = judgements_for(demo_features, 11)
    frame = pd.DataFrame(ratings)
    repeats = frame.groupby(["image", "rater"]).size()
    assert (repeats > 1).sum() >= 10
    assert (frame.groupby("image")["rater"].nunique() >= 2).all()


def test_planted_likes_differ_from_the_planted_ctr_effects():
    assert PLANTED_EFFECTS["text"] < 1 and LIKING_EFFECTS["text"] > 0  # fewer clicks, liked
    assert "poster" not in PLANTED_EFFECTS and LIKING_EFFECTS["poster"] < 0


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_scores_and_strengths_show_the_planted_likes(demo_features, seed):
    ratings, votes = judgements_for(demo_features, seed)
    names = list(demo_features)
    code = {name: i for i, name in enumerate(names)}
    frame = pd.DataFrame(ratings)
    image, _, score = latest_scores(frame["image"].map(code).to_numpy(),
                                    frame["rater"].map(list(RATERS).index).to_numpy(),
                                    frame["score"].to_numpy(), frame["at"].to_numpy())
    pairs = votes_to_pairs([code[v["winner"]] for v in votes],
                           [[code[o] for o in v["others"]] for v in votes])
    strength = bradley_terry(len(names), *pairs).strength
    for feature, effect in LIKING_EFFECTS.items():
        has = np.array([feature in demo_features[name] for name in names])
        score_gap = score[has[image]].mean() - score[~has[image]].mean()
        strength_gap = np.nanmean(strength[has]) - np.nanmean(strength[~has])
        assert np.sign(score_gap) == np.sign(effect), (feature, score_gap)
        assert np.sign(strength_gap) == np.sign(effect), (feature, strength_gap)


def test_a_feature_table_as_dataframe_gives_the_same_judgements(demo_features):
    table = pd.DataFrame.from_dict(demo_features, orient="index")
    assert generate_judgements(list(demo_features), table, 4) == judgements_for(demo_features,
                                                                                 4)
