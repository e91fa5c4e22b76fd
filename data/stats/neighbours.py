"""Look-alike images of one image in a build, with what is known of each: CTR and mean score
(`GET /api/v1/similar`, the dashboard's image detail). Cosine similarity of feature vectors
(data/stats/similar.py); the norms are computed once per dataset."""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

from data.domain.dataset import Dataset
from data.domain.errors import UnknownImage
from data.stats.scoreboard import Scoreboard
from data.stats.similar import cosine_neighbours, image_norms

DEFAULT_K = 12


@dataclass(frozen=True)
class Neighbour:
    image: str
    similarity: float
    ctr: float | None
    mean_score: float | None

    def record(self) -> dict:
        return {"image": self.image, "similarity": self.similarity, "ctr": self.ctr,
                "mean_score": self.mean_score}


def image_position(ds: Dataset, name: str) -> int:
    """The index of image `name` in the build (names are sorted); UnknownImage otherwise."""
    names = ds.matrix.image_names
    i = bisect.bisect_left(names, name)
    if i == len(names) or names[i] != name:
        raise UnknownImage("unknown_image",
                           f"Build {ds.build.id} of {ds.source.business!r} / {ds.source.name!r} "
                           f"has no image {name!r}.", [{"image": name}])
    return i


def neighbours(ds: Dataset, image: int, k: int = DEFAULT_K,
               board: Scoreboard | None = None) -> list[Neighbour]:
    """The k images most similar to image number `image`, most similar first; CTR from the
    dataset (None without metrics), mean score from `board` (None when unrated)."""
    m = ds.matrix
    norms = ds.derived("image_norms", lambda d: image_norms(
        d.matrix.col_ptr, d.matrix.rows, d.matrix.values, d.matrix.n_images))
    found, similarity = cosine_neighbours(m.col_ptr, m.rows, m.values, m.n_images, image, k,
                                          norms)
    names = [m.image_names[j] for j in found.tolist()]
    scores = board.values("score", names) if board is not None else [math.nan] * len(names)
    return [Neighbour(name, float(s), _finite(ds.index.y[j]), _finite(score))
            for name, j, s, score in zip(names, found.tolist(), similarity.tolist(), scores)]


def _finite(v) -> float | None:
    v = float(v)
    return v if math.isfinite(v) else None
