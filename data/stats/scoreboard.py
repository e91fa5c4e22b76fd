"""Per image, what people think of it: the judgement statistics of one image source, by image
name (docs/statistics.md ("Human judgements"), `GET /api/v1/scores`; definitions in docs/statistics.md, "Human judgements").

Pure: maps image and rater names to the integer codes data/stats/judgements.py works on, and back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import chain

import numpy as np

from data.stats.judgements import (bradley_terry, krippendorff_alpha_interval, latest_scores,
                                   score_summary)

SCORE_COLUMNS = ("image", "ratings", "mean_score", "score_ci_low", "score_ci_high",
                 "comparisons", "wins", "strength", "strength_ci_low", "strength_ci_high")
_COUNTS = ("ratings", "comparisons", "wins")


@dataclass(frozen=True)
class Scoreboard:
    """Aligned per-image arrays over `images` (sorted names); NaN where the API says null."""

    images: list[str]
    ratings: np.ndarray  # int: raters whose latest score counts
    mean_score: np.ndarray
    score_ci_low: np.ndarray
    score_ci_high: np.ndarray
    comparisons: np.ndarray  # int: votes the image was shown in
    wins: np.ndarray  # int: votes it won
    strength: np.ndarray
    strength_ci_low: np.ndarray
    strength_ci_high: np.ndarray
    raters: int  # distinct raters with at least one score
    votes: int
    agreement: float | None  # Krippendorff's alpha (interval), None when undefined
    key: tuple = field(default=(), compare=False)  # what it was computed from (for caches)

    @cached_property
    def position(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.images)}

    def values(self, outcome: str, names: Sequence[str]) -> np.ndarray:
        """The outcome "score" (mean score) or "strength" for each of `names`; NaN for an image
        without it."""
        column = {"score": self.mean_score, "strength": self.strength}[outcome]
        where = np.fromiter((self.position.get(n, -1) for n in names), dtype=np.int64,
                            count=len(names))
        out = np.full(len(names), np.nan)
        out[where >= 0] = column[where[where >= 0]]
        return out

    def record(self, i: int) -> dict:
        """The API's row for image number `i`: counts as ints, NaN as None."""
        rec = {"image": self.images[i]}
        for name in SCORE_COLUMNS[1:]:
            v = getattr(self, name)[i]
            rec[name] = int(v) if name in _COUNTS else (None if v != v else float(v))
        return rec

    def records(self) -> list[dict]:
        """Every image's row (column by column: ~10x faster than row by row at 10,000)."""
        columns = [self.images]
        for name in SCORE_COLUMNS[1:]:
            values = getattr(self, name).tolist()
            columns.append([int(v) for v in values] if name in _COUNTS
                           else [None if v != v else v for v in values])
        return [dict(zip(SCORE_COLUMNS, row)) for row in zip(*columns)]


def scoreboard(image_names: Iterable[str], rating_image: Sequence[str],
               rating_rater: Sequence[str], rating_score, rating_at,
               vote_winner: Sequence[str], vote_others: Sequence[Sequence[str]],
               key: tuple = ()) -> Scoreboard:
    """The statistics of every image in `image_names` and every image judged.

    Ratings: aligned sequences (image, rater, score 1–10, and when it was given as any sortable
    number: on equal values the row given later counts). Votes: the winner and the others.
    """
    images = sorted(set(image_names).union(rating_image, vote_winner,
                                           chain.from_iterable(vote_others)))
    code = {name: i for i, name in enumerate(images)}
    n = len(images)

    rater_names = sorted(set(rating_rater))
    rater_code = {name: i for i, name in enumerate(rater_names)}
    image = np.fromiter(map(code.__getitem__, rating_image), dtype=np.int64,
                        count=len(rating_image))
    rater = np.fromiter(map(rater_code.__getitem__, rating_rater), dtype=np.int64,
                        count=len(rating_rater))
    image, rater, score = latest_scores(image, rater, np.asarray(rating_score, dtype=float),
                                        np.asarray(rating_at, dtype=float))
    summary = score_summary(n, image, rater, score)
    agreement = krippendorff_alpha_interval(image, rater, score)

    n_votes = len(vote_winner)
    if n_votes:
        winner = np.fromiter(map(code.__getitem__, vote_winner), dtype=np.int64, count=n_votes)
        # votes_to_pairs and vote_counts, on flat arrays: at 200,000 votes building a list per
        # vote costs more than the statistics.
        sizes = np.fromiter(map(len, vote_others), dtype=np.int64, count=n_votes)
        losers = np.fromiter(map(code.__getitem__, chain.from_iterable(vote_others)),
                             dtype=np.int64, count=int(sizes.sum()))
        winners, vote = np.repeat(winner, sizes), np.repeat(np.arange(n_votes), sizes)
        if np.any(winners == losers):
            raise ValueError("a vote's winner cannot also be among its others")
        wins = np.bincount(winner, minlength=n)
        comparisons = wins + np.bincount(losers, minlength=n)
        strengths = bradley_terry(n, winners, losers, vote)
        strength = (strengths.strength, strengths.strength_ci_low, strengths.strength_ci_high)
    else:
        comparisons = wins = np.zeros(n, dtype=np.int64)
        strength = tuple(np.full(n, np.nan) for _ in range(3))
    return Scoreboard(images, summary.ratings, summary.mean_score, summary.score_ci_low,
                      summary.score_ci_high, comparisons, wins, *strength,
                      raters=len(set(rater.tolist())), votes=n_votes, agreement=agreement,
                      key=key)
