"""What the Rate, Compare and People pages share, pure: which image sources can be judged, how a
chosen one travels in a dropdown value, what a rater sees next, and the predicted score a rater
may nudge (docs/statistics.md, "Human judgements")."""

from __future__ import annotations

import json
import math

import numpy as np

from data.domain.dataset import Dataset
from data.stats.judgements import next_comparison, next_to_rate
from data.stats.neighbours import neighbours
from data.stats.scoreboard import Scoreboard
from data.payloads.judgements import SCORE_MAX, SCORE_MIN

NO_NAME = "Type your name in the bar at the top first: your judgements are stored under it."
# /rate: what the predicted score is. "feature:<name>" scales that feature to 1–10.
PREDICT_NONE, PREDICT_MEAN, PREDICT_FEATURE = "none", "mean", "feature:"
NUDGES = {-2: "−−", -1: "−", 1: "+", 2: "++"}  # step -> button text
LOOK_ALIKES = 12  # an unrated image's predicted score: the mean of this many look-alikes'


def source_value(business: str, image_source: str) -> str:
    """A dropdown value naming one image source (names are free text: JSON keeps them whole)."""
    return json.dumps([business, image_source])


def source_of(value: str | None) -> tuple[str, str] | None:
    """(business, image source) from a dropdown value, None when there is none or it is bad."""
    try:
        business, source = json.loads(value)
    except (TypeError, ValueError):
        return None
    return (business, source) if isinstance(business, str) and isinstance(source, str) else None


def source_options(datasets: list[dict]) -> list[dict]:
    """Every image source with a current build, real data before the demo."""
    options = []
    for biz in sorted(datasets, key=lambda d: (d.get("is_demo", False), d["business"])):
        for src in biz["image_sources"]:
            if src.get("current_build") is not None:
                options.append({"label": f"{biz['business']} / {src['image_source']}",
                                "value": source_value(biz["business"], src["image_source"])})
    return options


def chosen_source(options: list[dict], business: str | None, image_source: str | None) -> str | None:
    """The option the URL asks for when it exists, else the first; None without options."""
    asked = source_value(business or "", image_source or "")
    values = [o["value"] for o in options]
    return asked if asked in values else (values[0] if values else None)


def counts_for(board: Scoreboard, names: list[str], column: str) -> np.ndarray:
    """Board column (ratings, comparisons) aligned to `names`; 0 for images not on the board."""
    where = np.fromiter((board.position.get(n, -1) for n in names), dtype=np.int64,
                        count=len(names))
    out = np.zeros(len(names), dtype=np.int64)
    out[where >= 0] = getattr(board, column)[where[where >= 0]]
    return out


def next_image(names: list[str], ratings: np.ndarray, mine: set[str], skipped: set[str]
               ) -> str | None:
    """The next image to rate: neither rated by this rater nor skipped, fewest ratings first."""
    position = {n: i for i, n in enumerate(names)}
    i = next_to_rate(ratings, [position[n] for n in mine if n in position],
                     [position[n] for n in skipped if n in position])
    return None if i is None else names[i]


def next_set(names: list[str], comparisons: np.ndarray, strength: np.ndarray,
             last: frozenset[str] | None, size: int, exclude: set[str],
             rng: np.random.Generator | None = None) -> list[str] | None:
    """The next images to compare (data.stats.judgements.next_comparison), by name; None when
    fewer than `size` pictures are left."""
    position = {n: i for i, n in enumerate(names)}
    last_set = None if last is None else [position[n] for n in last if n in position]
    chosen = next_comparison(len(names), comparisons, strength, last_set, size, rng,
                             exclude=[position[n] for n in exclude if n in position])
    return None if chosen is None else [names[i] for i in chosen.tolist()]


def predicted_score(mode: str | None, ds: Dataset, board: Scoreboard | None,
                    image: str) -> float | None:
    """The score to nudge: people's mean score of the image, or when nobody rated it yet the
    average mean score of its rated look-alikes ("mean"); or a feature scaled to 1–10 over the
    build ("feature:<name>": 1 at the smallest value, 10 at the largest, absent counting as 0).
    None when there is none."""
    if not mode or mode == PREDICT_NONE:
        return None
    if mode == PREDICT_MEAN:
        if board is None:
            return None
        if image in board.position:
            value = float(board.mean_score[board.position[image]])
            if math.isfinite(value):
                return value
        try:
            i = ds.matrix.image_names.index(image)
        except ValueError:
            return None
        rated = [n.mean_score for n in neighbours(ds, i, LOOK_ALIKES, board)
                 if n.mean_score is not None]
        return float(np.mean(rated)) if rated else None
    if mode.startswith(PREDICT_FEATURE):
        return _scaled_feature(ds, mode[len(PREDICT_FEATURE):], image)
    return None


def _scaled_feature(ds: Dataset, feature: str, image: str) -> float | None:
    m = ds.matrix
    try:
        f = m.feature_names.index(feature)
        i = m.image_names.index(image)
    except ValueError:
        return None
    lo_ptr, hi_ptr = int(m.col_ptr[f]), int(m.col_ptr[f + 1])
    values = m.values[lo_ptr:hi_ptr]
    has_zero = hi_ptr - lo_ptr < m.n_images  # images without the feature count as 0
    low = min(float(values.min()) if values.size else 0.0, 0.0 if has_zero else math.inf)
    high = max(float(values.max()) if values.size else 0.0, 0.0 if has_zero else -math.inf)
    hits = np.flatnonzero(m.rows[lo_ptr:hi_ptr] == i)
    v = float(values[hits[0]]) if hits.size else 0.0
    if high <= low:
        return None
    return SCORE_MIN + (SCORE_MAX - SCORE_MIN) * (v - low) / (high - low)


def nudged(predicted: float, step: int) -> int:
    """The score a nudge gives: the predicted score rounded, moved by `step`, kept in 1–10."""
    return int(min(SCORE_MAX, max(SCORE_MIN, math.floor(predicted + 0.5) + step)))


def progress_text(rated: int, total: int) -> str:
    return f"{rated:,} of {total:,} rated by you"
