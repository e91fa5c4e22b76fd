"""Deterministic demo of human judgements for the demo build (docs/statistics.md, "Human judgements"): scores 1–10 and
best-of-2 / best-of-4 votes from a handful of raters.

What people like is planted on purpose and differs from what gets clicked (data/demo.py): text
lowers CTR but people like it, posters are disliked, smiles are liked by both — so the
dashboard's "do people's favourites get clicked?" has a known, non-trivial answer.

Pure Python + numpy: no database, no global random state, no wall clock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone

import numpy as np

# Additive effect on an image's appeal (a latent scale whose unexplained part has sd 0.7).
LIKING_EFFECTS: dict[str, float] = {"text": 0.8, "poster": -1.0, "smile": 0.6}

# Rater name -> strictness: added to every score they give (negative = strict).
RATERS: dict[str, float] = {
    "ana": -1.2, "ben": -0.8, "chen": -0.4, "dara": 0.0,
    "eli": 0.2, "fatima": 0.5, "gus": 0.9, "hana": 1.3,
}

N_RATED_IMAGES = 130  # each scored by 2-4 raters, so agreement can be measured
RESCORE_SHARE = 0.05  # scores given again later by the same rater (the latest counts)
N_VOTES = 1000
BEST_OF_4_SHARE = 0.4
START = datetime(2024, 5, 6, 9, 0, tzinfo=timezone.utc)
SPAN_SECONDS = 14 * 24 * 3600


def generate_judgements(image_names: Sequence[str], features, seed: int = 11
                        ) -> tuple[list[dict], list[dict]]:
    """(ratings, votes) for the given images; same arguments -> same output.

    `features` is {image: {feature: value}} (as generate_demo returns) or a DataFrame indexed
    by image with one column per feature (absent = 0 or NaN). ratings = [{"image", "score"
    (int 1..10), "rater", "at" (ISO-8601 UTC)}], votes = [{"winner", "others" (1 or 3 names),
    "rater", "at"}], each list in time order.
    """
    rng = np.random.default_rng(seed)
    names = list(image_names)
    appeal = rng.normal(0.0, 0.7, size=len(names))
    for feature, effect in LIKING_EFFECTS.items():
        appeal += effect * _has(features, names, feature)
    return _ratings(names, appeal, rng), _votes(names, appeal, rng)


def _has(features, names: list[str], feature: str) -> np.ndarray:
    """1.0 where the image has the feature (value present, non-zero), else 0.0."""
    if isinstance(features, Mapping):
        values = [features.get(name, {}).get(feature, 0.0) for name in names]
    elif feature in getattr(features, "columns", ()):
        values = features[feature].reindex(names).to_numpy()
    else:
        values = [0.0] * len(names)
    values = np.nan_to_num(np.asarray(values, dtype=float))
    return (values != 0).astype(float)


def _timestamps(rng: np.random.Generator, n: int) -> list[datetime]:
    seconds = np.sort(rng.integers(0, SPAN_SECONDS, size=n))
    return [START + timedelta(seconds=int(s)) for s in seconds]


def _iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _ratings(names: list[str], appeal: np.ndarray, rng: np.random.Generator) -> list[dict]:
    rater_names = list(RATERS)
    rated = rng.choice(len(names), size=min(N_RATED_IMAGES, len(names)), replace=False)
    pairs = [(int(i), rater) for i in rated
             for rater in rng.choice(rater_names, size=rng.integers(2, 5), replace=False)]
    again = rng.choice(len(pairs), size=round(RESCORE_SHARE * len(pairs)), replace=False)
    # Rescores come after every first score: the timestamps are handed out in order.
    jobs = [pairs[k] for k in rng.permutation(len(pairs))] + [pairs[k] for k in again]
    times = _timestamps(rng, len(jobs))
    ratings = []
    for (i, rater), at in zip(jobs, times):
        raw = 5.5 + 1.6 * appeal[i] + RATERS[rater] + rng.normal(0.0, 0.8)
        ratings.append({"image": names[i], "score": int(np.clip(np.rint(raw), 1, 10)),
                        "rater": str(rater), "at": _iso(at)})
    return ratings


def _votes(names: list[str], appeal: np.ndarray, rng: np.random.Generator) -> list[dict]:
    if len(names) < 4:
        return []
    rater_names = list(RATERS)
    times = _timestamps(rng, N_VOTES)
    votes = []
    for at in times:
        shown = rng.choice(len(names), size=4 if rng.random() < BEST_OF_4_SHARE else 2,
                           replace=False)
        # Luce's choice rule: the chance of being picked is proportional to exp(1.5 × appeal).
        odds = np.exp(1.5 * (appeal[shown] - appeal[shown].max()))
        pick = rng.choice(shown.size, p=odds / odds.sum())
        votes.append({"winner": names[shown[pick]],
                      "others": [names[j] for j in np.delete(shown, pick)],
                      "rater": str(rng.choice(rater_names)), "at": _iso(at)})
    return votes
