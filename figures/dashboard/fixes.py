"""What the image detail panel shows about people's label fixes of one image: pure, no Dash.

Side by side per fixed feature: the model's value in the build on screen (0 where it gave none)
and whether that is present at the threshold, and the latest fix (who, when, note, conflict).
The history lists every fix of the image, newest first.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

import numpy as np
import pandas as pd

from data.domain.matrix import BuildMatrix
from data.stats.fix_history import FixTables, image_fixes
from data.stats.fixes import model_values


@dataclass(frozen=True)
class FixedLabel:
    """One feature of the image with a fix."""

    feature: str
    model_value: float | None  # in the build on screen; None: the build has no such feature
    model_present: bool  # v > 0 and v >= threshold
    fixed_present: bool  # the latest fix
    by: str
    at: str  # ISO 8601 UTC, seconds
    note: str | None
    conflict: bool  # people's latest fixes of the pair disagree


@dataclass(frozen=True)
class HistoryEntry:
    feature: str
    present: bool
    by: str
    at: str
    note: str | None
    model_value: float | None  # in the build the fix was made against
    build: int | None


@dataclass(frozen=True)
class ImageFixes:
    image: str
    labels: list[FixedLabel]  # by feature name
    history: list[HistoryEntry]  # newest first
    feature_options: list[str]  # the image's features (largest value first), then the rest


def image_fixes_view(matrix: BuildMatrix, tables: FixTables, image: str,
                     threshold: float) -> ImageFixes:
    """The fixes of `image` against the build `matrix` (the model's values) at `threshold`."""
    rows = image_fixes(tables, image)
    latest = rows[rows["latest"].to_numpy(dtype=bool)].sort_values("feature", kind="stable")
    values = model_values(matrix, [image] * len(latest), latest["feature"].tolist())
    labels = [FixedLabel(feature, None if v != v else v, bool(v == v and v > 0 and v >= threshold),
                         bool(present), by, _iso(at), note, bool(conflict))
              for feature, v, present, by, at, note, conflict in zip(
                  latest["feature"], values.tolist(), latest["present"], latest["by"],
                  latest["at"], latest["note"], latest["conflict"])]
    history = [HistoryEntry(feature, bool(present), by, _iso(at), note,
                            None if mv != mv else float(mv), None if b is None else int(b))
               for feature, present, by, at, note, mv, b in zip(
                   rows["feature"], rows["present"], rows["by"], rows["at"], rows["note"],
                   rows["model_value"], rows["build"])]
    return ImageFixes(image, labels, history, feature_options(matrix, image))


def feature_options(matrix: BuildMatrix, image: str) -> list[str]:
    """Features to offer for a fix: the image's own (largest value first), then every other
    feature of the build by name."""
    position = _position(matrix.image_names, image)
    own = []
    if position >= 0:
        own = [name for name, _ in sorted(matrix.image_features(position).items(),
                                          key=lambda kv: (-kv[1], kv[0]))]
    seen = set(own)
    return own + [n for n in matrix.feature_names if n not in seen]


def image_position(matrix: BuildMatrix, image: str) -> int:
    """The image's index in the build, -1 when the build does not have it."""
    return _position(matrix.image_names, image)


def _position(names: list[str], name: str) -> int:
    k = bisect_left(names, name)
    return k if k < len(names) and names[k] == name else -1


def _iso(at) -> str:
    return str(np.datetime_as_string(np.datetime64(pd.Timestamp(at).to_datetime64(), "s"),
                                     unit="s")) + "Z"
