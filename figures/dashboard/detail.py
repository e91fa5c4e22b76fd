"""What the image detail panel shows about one image: pure, no Dash."""

from __future__ import annotations

import math
from dataclasses import dataclass
from urllib.parse import quote

from data.domain.dataset import Dataset
from data.stats.neighbours import DEFAULT_K, neighbours
from data.stats.scoreboard import Scoreboard

# Only these URL forms reach an <img src>; anything else (javascript:, data:, …) shows the
# placeholder instead.
_SAFE_URL_STARTS = ("https://", "http://", "/")


@dataclass(frozen=True)
class LookAlike:
    """An image whose feature vector is close to the one shown (cosine similarity)."""

    name: str
    similarity: float
    ctr: float | None
    mean_score: float | None
    picture_url: str | None


@dataclass(frozen=True)
class ImageDetail:
    name: str
    ctr: float | None  # None when the image has no outcome
    impressions: int | None
    clicks: int | None
    features: list[tuple[str, float]]  # every non-zero feature, largest confidence first
    picture_url: str | None  # None: no template, or one that does not give an http(s) URL
    # What people think of it (None when nobody rated / compared it).
    ratings: int = 0
    mean_score: float | None = None
    score_ci: tuple[float, float] | None = None
    strength: float | None = None
    strength_ci: tuple[float, float] | None = None
    look_alikes: tuple[LookAlike, ...] = ()


def picture_url(template: str | None, name: str) -> str | None:
    """The image's URL from the source's template, `{name}` replaced by the URL-quoted name."""
    if not template or "{name}" not in template:
        return None
    url = template.replace("{name}", quote(name, safe=""))
    if not url.lower().startswith(_SAFE_URL_STARTS):
        return None
    return url


def image_detail(ds: Dataset, image: int, board: Scoreboard | None = None,
                 k: int = DEFAULT_K) -> ImageDetail:
    """The detail of image number `image` (position in ds.matrix.image_names), with people's
    judgement from `board` and its `k` look-alikes. `ds` holds CTR as its outcome."""
    name = ds.matrix.image_names[image]
    features = sorted(ds.matrix.image_features(image).items(), key=lambda kv: (-kv[1], kv[0]))
    judged = {}
    if board is not None and name in board.position:
        i = board.position[name]
        judged = dict(
            ratings=int(board.ratings[i]), mean_score=_finite(board.mean_score[i]),
            score_ci=_interval(board.score_ci_low[i], board.score_ci_high[i]),
            strength=_finite(board.strength[i]),
            strength_ci=_interval(board.strength_ci_low[i], board.strength_ci_high[i]))
    template = ds.source.url_template
    look_alikes = tuple(LookAlike(n.image, n.similarity, n.ctr, n.mean_score,
                                  picture_url(template, n.image))
                        for n in neighbours(ds, image, k, board))
    return ImageDetail(
        name=name,
        ctr=_finite(ds.index.y[image]),
        impressions=_count(ds.impressions[image]),
        clicks=_count(ds.clicks[image]),
        features=features,
        picture_url=picture_url(template, name),
        look_alikes=look_alikes,
        **judged,
    )


def _interval(low, high) -> tuple[float, float] | None:
    low, high = _finite(low), _finite(high)
    return None if low is None or high is None else (low, high)


def _finite(v) -> float | None:
    v = float(v)
    return v if math.isfinite(v) else None


def _count(v) -> int | None:
    v = _finite(v)
    return None if v is None else int(v)
