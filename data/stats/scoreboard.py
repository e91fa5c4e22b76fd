"""Per image, what people think of it: the judgement statistics of one image source, by image
name (SPEC §9, `GET /api/v1/scores`; definitions in docs/statistics.md, "Human judgements").

Pure: maps image and rater names to the integer codes data/stats/judgements.py works on, and back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import chain

import numpy as np

from data.stats.judgements import (bradley_terry, krippendorff_alpha_interval, latest_scores,
                                   score_summary, vote_counts, votes_to_pairs)

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

    def records(self, images: Iterable[int] | None = None) -> list[dict]:
        return [self.record(i) for i in (range(len(self.images)) if images is None else images)]


def scoreboard(image_names: Iterable[str], rating_image: Sequence[str],
               rating_rater: Sequence[str], rating_score, rating_at,
               vote_winner: Sequence[str], vote_others: Sequence[Sequence[str]],
               key: tuple = ()) -> Scoreboard:
    """The statistics of every image in `image_names` and every image judged.

    Ratings: aligned sequences (image, rater, score 1–10, at as a sortable number), in the order
    received (on equal `at` the later row counts). Votes: the winner and the others shown.
    """
    images = sorted(set(image_names).union(rating_image, vote_winner,
                                           chain.from_iterable(vote_others)))
    code = {name: i for i, name in enumerate(images)}
    n = len(images)

    rater_names = sorted(set(rating_rater))
    rater_code = {name: i for i, name in enumerate(rater_names)}
    image = np.fromiter((code[x] for x in rating_image), dtype=np.int64, count=len(rating_image))
    rater = np.fromiter((rater_code[x] for x in rating_rater), dtype=np.int64,
                        count=len(rating_rater))
    image, rater, score = latest_scores(image, rater, np.asarray(rating_score, dtype=float),
                                        np.asarray(rating_at, dtype=float))
    summary = score_summary(n, image, rater, score)
    agreement = krippendorff_alpha_interval(image, rater, score)

    winner = np.fromiter((code[x] for x in vote_winner), dtype=np.int64, count=len(vote_winner))
    others = [[code[o] for o in row] for row in vote_others]
    if len(others):
        comparisons, wins = vote_counts(n, winner, others)
        winners, losers, vote = votes_to_pairs(winner, others)
        strengths = bradley_terry(n, winners, losers, vote)
        strength = (strengths.strength, strengths.strength_ci_low, strengths.strength_ci_high)
    else:
        comparisons = wins = np.zeros(n, dtype=np.int64)
        strength = tuple(np.full(n, np.nan) for _ in range(3))
    return Scoreboard(images, summary.ratings, summary.mean_score, summary.score_ci_low,
                      summary.score_ci_high, comparisons, wins, *strength,
                      raters=len(set(rater.tolist())), votes=len(others), agreement=agreement,
                      key=key)
