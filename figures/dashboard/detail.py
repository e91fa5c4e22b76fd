"""What the image detail panel shows about one image: pure, no Dash."""

from __future__ import annotations

import math
from dataclasses import dataclass
from urllib.parse import quote

from data.domain.dataset import Dataset

# Only these URL forms reach an <img src>; anything else (javascript:, data:, …) shows the
# placeholder instead.
_SAFE_URL_STARTS = ("https://", "http://", "/")


@dataclass(frozen=True)
class ImageDetail:
    name: str
    ctr: float | None  # None when the image has no outcome
    impressions: int | None
    clicks: int | None
    features: list[tuple[str, float]]  # every non-zero feature, largest confidence first
    picture_url: str | None  # None: no template, or one that does not give an http(s) URL


def picture_url(template: str | None, name: str) -> str | None:
    """The image's URL from the source's template, `{name}` replaced by the URL-quoted name."""
    if not template or "{name}" not in template:
        return None
    url = template.replace("{name}", quote(name, safe=""))
    if not url.lower().startswith(_SAFE_URL_STARTS):
        return None
    return url


def image_detail(ds: Dataset, image: int) -> ImageDetail:
    """The detail of image number `image` (position in ds.matrix.image_names)."""
    name = ds.matrix.image_names[image]
    features = sorted(ds.matrix.image_features(image).items(), key=lambda kv: (-kv[1], kv[0]))
    return ImageDetail(
        name=name,
        ctr=_finite(ds.index.y[image]),
        impressions=_count(ds.impressions[image]),
        clicks=_count(ds.clicks[image]),
        features=features,
        picture_url=picture_url(ds.source.url_template, name),
    )


def _finite(v) -> float | None:
    v = float(v)
    return v if math.isfinite(v) else None


def _count(v) -> int | None:
    v = _finite(v)
    return None if v is None else int(v)
