"""Judgement statistics (docs/statistics.md, "Human judgements") against independent computations: pandas for "latest",
scipy's t-interval, the `krippendorff` package, `choix` and a dense inverse for Bradley–Terry,
and votes simulated from known strengths for rank agreement and interval coverage."""

from __future__ import annotations

import math

import choix
import krippendorff
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from data.stats import judgements
from data.stats.judgements import (
    PRIOR_SD,
    bradley_terry,
    krippendorff_alpha_interval,
    latest_scores,
    next_comparison,
    next_to_rate,
    score_summary,
    vote_counts,
    votes_to_pairs,
)


def random_ratings(seed: int, n_images: int = 40, n_raters: int = 6, n: int = 300):
    rng = np.random.default_rng(seed)
    return (rng.integers(n_images, size=n), rng.integers(n_raters, size=n),
            rng.integers(1, 11, size=n).astype(float), rng.integers(0, 50, size=n))


def simulate_votes(rng, truth, n_votes: int, best_of_4_share: float):
    """Votes from known log-strengths by Luce's choice rule (Bradley–Terry for pairs)."""
    winner, others = [], []
    for _ in range(n_votes):
        shown = rng.choice(truth.size, size=4 if rng.random() < best_of_4_share else 2,
                           replace=False)
        odds = np.exp(truth[shown] - truth[shown].max())
        pick = rng.choice(shown.size, p=odds / odds.sum())
        winner.append(int(shown[pick]))
        others.append(np.delete(shown, pick).tolist())
    return winner, others


def covered(result, truth) -> float:
    """Share of compared items whose interval holds the truth, centred like the estimate."""
    compared = ~np.isnan(result.strength)
    centred = truth[compared] - truth[compared].mean()
    return float(np.mean((result.strength_ci_low[compared] <= centred)
                         & (centred <= result.strength_ci_high[compared])))


# ----------------------------------------------------------------------------- latest scores


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_latest_scores_match_pandas_last_by_time_then_input_order(seed):
    image, rater, score, at = random_ratings(seed)
    frame = pd.DataFrame({"image": image, "rater": rater, "score": score, "at": at})
    want = (frame.sort_values("at", kind="stable").groupby(["image", "rater"]).last()
            .reset_index())
    got_image, got_rater, got_score = latest_scores(image, rater, score, at)
    np.testing.assert_array_equal(got_image, want["image"])
    np.testing.assert_array_equal(got_rater, want["rater"])
    np.testing.assert_array_equal(got_score, want["score"])


def test_equal_times_go_to_the_row_given_later():
    _, _, score = latest_scores([0, 0, 0], [5, 5, 5], [3, 9, 4], [10, 20, 20])
    assert score.tolist() == [4]


def test_latest_scores_order_iso_timestamps():
    at = ["2024-05-06T10:00:00Z", "2024-05-06T09:00:00Z", "2024-05-07T08:00:00Z"]
    image, rater, score = latest_scores([1, 1, 2], [0, 0, 0], [7, 2, 5], at)
    assert (image.tolist(), rater.tolist(), score.tolist()) == ([1, 2], [0, 0], [7, 5])


# ----------------------------------------------------------------------------- mean score


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_score_interval_matches_scipy_t_interval(seed):
    n_images = 45  # a few never rated
    image, rater, score = latest_scores(*random_ratings(seed))
    summary = score_summary(n_images, image, rater, score)
    for i in range(n_images):
        mine = score[image == i]
        assert summary.ratings[i] == mine.size
        if mine.size == 0:
            assert math.isnan(summary.mean_score[i])
        else:
            assert summary.mean_score[i] == pytest.approx(mine.mean(), abs=1e-12)
        if mine.size < 2:
            assert math.isnan(summary.score_ci_low[i]) and math.isnan(summary.score_ci_high[i])
        elif mine.std() > 0:
            low, high = stats.t.interval(0.95, mine.size - 1, loc=mine.mean(),
                                         scale=stats.sem(mine))
            assert summary.score_ci_low[i] == pytest.approx(low, abs=1e-10)
            assert summary.score_ci_high[i] == pytest.approx(high, abs=1e-10)


def test_identical_scores_give_an_interval_equal_to_the_mean():
    summary = score_summary(1, [0, 0, 0], [0, 1, 2], [0.1, 0.1, 0.1])
    assert summary.mean_score[0] == 0.1
    assert summary.score_ci_low[0] == 0.1 and summary.score_ci_high[0] == 0.1


def test_one_rating_gives_a_mean_without_interval():
    summary = score_summary(2, [1], [0], [7.0])
    assert summary.ratings.tolist() == [0, 1]
    assert math.isnan(summary.mean_score[0]) and summary.mean_score[1] == 7.0
    assert np.isnan(summary.score_ci_low).all() and np.isnan(summary.score_ci_high).all()


def test_two_scores_from_one_rater_for_one_image_are_refused():
    with pytest.raises(ValueError, match="latest_scores"):
        score_summary(1, [0, 0], [3, 3], [5.0, 6.0])


# ----------------------------------------------------------------------------- agreement


@pytest.mark.parametrize("seed", [7, 8, 9, 10])
def test_alpha_matches_the_krippendorff_package(seed):
    rng = np.random.default_rng(seed)
    n_images, n_raters = 30, 5
    quality = rng.normal(5, 2, size=n_images)
    table = np.full((n_raters, n_images), np.nan)  # raters x units, as the package wants
    image, rater, score = [], [], []
    for r in range(n_raters):
        for i in np.flatnonzero(rng.random(n_images) < 0.5):
            table[r, i] = np.clip(np.rint(quality[i] + rng.normal(0, 1.5)), 1, 10)
            image.append(i), rater.append(r), score.append(table[r, i])
    want = krippendorff.alpha(reliability_data=table, level_of_measurement="interval")
    assert krippendorff_alpha_interval(image, rater, score) == pytest.approx(want, abs=1e-12)


def test_alpha_is_none_when_no_image_has_two_raters():
    assert krippendorff_alpha_interval([0, 1, 2], [0, 1, 0], [3, 8, 5]) is None
    assert krippendorff_alpha_interval([], [], []) is None


def test_alpha_is_none_when_all_pairable_scores_are_equal():
    assert krippendorff_alpha_interval([0, 0, 1, 1, 2], [0, 1, 0, 1, 0], [4, 4, 4, 4, 9]) is None


def test_alpha_is_one_for_perfect_agreement_and_ignores_single_ratings():
    alpha = krippendorff_alpha_interval([0, 0, 1, 1, 2], [0, 1, 0, 1, 0], [2, 2, 9, 9, 5])
    assert alpha == 1.0


# ----------------------------------------------------------------------------- votes


def test_a_best_of_four_vote_is_its_winner_beating_each_other():
    winners, losers, vote = votes_to_pairs([5, 2], [[1, 3, 4], [0]])
    assert list(zip(winners.tolist(), losers.tolist(), vote.tolist())) == [
        (5, 1, 0), (5, 3, 0), (5, 4, 0), (2, 0, 1)]


def test_a_winner_among_its_own_others_is_refused():
    with pytest.raises(ValueError):
        votes_to_pairs([1], [[0, 1]])


def test_vote_counts_count_votes_not_pairs():
    comparisons, wins = vote_counts(6, [5, 2, 1], [[1, 3, 4], [0], [5]])
    assert comparisons.tolist() == [1, 2, 1, 1, 1, 2]
    assert wins.tolist() == [0, 1, 1, 0, 0, 1]


# ----------------------------------------------------------------------------- Bradley–Terry


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_strengths_match_choix_on_the_same_penalised_likelihood(seed):
    rng = np.random.default_rng(seed)
    truth = rng.normal(0, 1, size=38)
    winner, others = simulate_votes(rng, truth, 300, best_of_4_share=0.5)
    # Item 39 always wins; items 38, 40 and 41 are never compared.
    winner += [39] * 5
    others += [[int(j)] for j in rng.choice(38, size=5)]
    winners, losers, _ = votes_to_pairs(winner, others)
    got = bradley_terry(42, winners, losers, ci="none")
    # choix penalises alpha·Σθ², i.e. a prior variance of 1 / (2·alpha).
    used = np.unique(np.concatenate([winners, losers]))
    code = np.searchsorted(used, np.arange(42))
    want = choix.opt_pairwise(used.size, list(zip(code[winners], code[losers])),
                              alpha=1 / (2 * PRIOR_SD**2), tol=1e-12)
    np.testing.assert_allclose(got.strength[used], want - want.mean(), atol=1e-6)
    assert np.isnan(got.strength[[38, 40, 41]]).all()
    assert abs(np.nanmean(got.strength)) < 1e-12
    assert np.isfinite(got.strength[39]) and got.strength[39] == np.nanmax(got.strength)
    assert np.isnan(got.strength_ci_low).all()


@pytest.mark.parametrize("seed", [14, 15])
def test_intervals_equal_the_dense_inverse_of_choix_hessian(seed):
    """Observed information: Cov(θ) = H⁻¹ at the optimum, then centred (two separate groups
    here, so the prior carries part of the spread)."""
    rng = np.random.default_rng(seed)
    truth = rng.normal(0, 1, size=30)
    w1, o1 = simulate_votes(rng, truth[:20], 150, best_of_4_share=0.0)
    w2, o2 = simulate_votes(rng, truth[20:], 60, best_of_4_share=0.0)
    winners, losers, _ = votes_to_pairs(w1 + [w + 20 for w in w2],
                                        o1 + [[o + 20 for o in os] for os in o2])
    got = bradley_terry(30, winners, losers)
    alpha = 1 / (2 * PRIOR_SD**2)
    data = list(zip(winners.tolist(), losers.tolist()))
    theta = choix.opt_pairwise(30, data, alpha=alpha, tol=1e-12)
    hessian = choix.opt.PairwiseFcts(data, alpha).hessian(theta)
    centre = np.eye(30) - 1 / 30
    sd = np.sqrt(np.diag(centre @ np.linalg.inv(hessian) @ centre))
    half = (got.strength_ci_high - got.strength_ci_low) / 2
    np.testing.assert_allclose(half, stats.norm.ppf(0.975) * sd, rtol=1e-6)
    np.testing.assert_allclose(got.strength, got.strength_ci_low + half, atol=1e-12)


def test_belief_propagation_is_within_a_few_percent_of_the_exact_inverse(monkeypatch):
    rng = np.random.default_rng(16)
    truth = rng.normal(0, 1, size=400)
    winners, losers, vote = votes_to_pairs(*simulate_votes(rng, truth, 3000, 0.5))
    widths = {}
    for exact_max in (0, 1000):
        monkeypatch.setattr(judgements, "EXACT_MAX_ITEMS", exact_max)
        result = bradley_terry(400, winners, losers, vote)
        widths[exact_max] = result.strength_ci_high - result.strength_ci_low
    ratio = widths[0] / widths[1000]
    assert np.all(np.abs(ratio - 1) < 0.03), (ratio.min(), ratio.max())


@pytest.mark.parametrize("best_of_4_share", [0.0, 0.5, 1.0])
def test_strengths_rank_known_truth_and_intervals_cover_it_at_their_rate(best_of_4_share):
    rng = np.random.default_rng(17 + int(10 * best_of_4_share))
    truth = rng.normal(0, 1, size=300)
    winners, losers, vote = votes_to_pairs(*simulate_votes(rng, truth, 6000, best_of_4_share))
    result = bradley_terry(300, winners, losers, vote)
    assert stats.spearmanr(result.strength, truth).statistic > 0.9
    assert 0.88 <= covered(result, truth) <= 0.99


def test_best_of_four_pairs_taken_as_independent_would_overstate_precision():
    """Why `vote` matters: the three pairs of one vote share its winner."""
    rng = np.random.default_rng(20)
    truth = rng.normal(0, 1, size=300)
    winners, losers, vote = votes_to_pairs(*simulate_votes(rng, truth, 6000, 1.0))
    assert covered(bradley_terry(300, winners, losers), truth) < 0.9
    assert covered(bradley_terry(300, winners, losers, vote), truth) >= 0.9


def test_coverage_holds_with_few_votes_per_item():
    rng = np.random.default_rng(21)
    truth = rng.normal(0, 1, size=400)
    winners, losers, vote = votes_to_pairs(*simulate_votes(rng, truth, 1200, 0.5))
    result = bradley_terry(400, winners, losers, vote)
    assert np.isnan(result.strength).sum() < 20  # a few items never drawn
    assert 0.88 <= covered(result, truth) <= 0.99


def test_no_votes_give_all_nan():
    result = bradley_terry(3, [], [])
    assert np.isnan(result.strength).all() and np.isnan(result.strength_ci_high).all()


# ----------------------------------------------------------------------------- what next


def test_next_comparison_starts_from_the_least_compared_and_its_closest_in_strength():
    counts = np.array([9, 9, 1, 9, 2, 2, 2, 9])
    strength = np.array([0.0, 0.0, 1.0, 0.0, -3.0, 1.2, 0.7, 0.0])
    for seed in range(20):
        chosen = next_comparison(8, counts, strength, None, size=2,
                                 rng=np.random.default_rng(seed))
        assert sorted(chosen.tolist()) == [2, 5]


def test_next_comparison_never_repeats_the_raters_last_set():
    counts = np.zeros(10, dtype=int)
    strength = np.linspace(-1, 1, 10)
    for size in (2, 4):
        for seed in range(50):
            first = next_comparison(10, counts, strength, None, size, np.random.default_rng(seed))
            again = next_comparison(10, counts, strength, first, size,
                                    np.random.default_rng(seed))
            assert len(set(again.tolist())) == size
            assert set(again.tolist()) != set(first.tolist())


def test_next_comparison_skips_broken_items_and_gives_up_when_too_few_remain():
    counts = np.zeros(5, dtype=int)
    strength = np.full(5, np.nan)
    rng = np.random.default_rng(0)
    for _ in range(20):
        chosen = next_comparison(5, counts, strength, None, 2, rng, exclude={0, 3})
        assert not {0, 3} & set(chosen.tolist())
    assert sorted(next_comparison(5, counts, strength, [1, 2, 4, 0], 4, rng,
                                  exclude={3}).tolist()) == [0, 1, 2, 4]
    assert next_comparison(5, counts, strength, None, 4, rng, exclude={0, 3}) is None


def test_next_comparison_is_deterministic_given_the_generator():
    counts = np.random.default_rng(1).integers(0, 3, size=50)
    strength = np.random.default_rng(2).normal(size=50)
    picks = [next_comparison(50, counts, strength, None, 4, np.random.default_rng(9))
             for _ in range(2)]
    np.testing.assert_array_equal(picks[0], picks[1])


def test_next_to_rate_takes_the_least_rated_image_this_rater_has_not_rated_or_skipped():
    ratings = [3, 0, 1, 0, 1]
    assert next_to_rate(ratings, rated_by_me=[], skipped=[]) == 1
    assert next_to_rate(ratings, rated_by_me=[1], skipped=[3]) == 2
    assert next_to_rate(ratings, rated_by_me=[1, 2, 3, 4], skipped=[0]) is None
    assert next_to_rate([], rated_by_me=[], skipped=[]) is None
