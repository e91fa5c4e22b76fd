"""What a reader holds for one build of one image source: plain, in-memory, no database.

The storage layer fills these (data/storage/cache.py); the API, figures and callbacks read them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from data.domain.matrix import BuildMatrix
from data.stats.features import FeatureIndex


@dataclass(frozen=True)
class SourceRef:
    """An image source as readers need it: identity, and the version that keys caches."""

    id: int
    business: str
    name: str
    version: int
    url_template: str | None
    is_demo: bool
    current_build_id: int | None
    metrics_key: str | None = None  # changes with every metrics delivery; None: no metrics yet


@dataclass(frozen=True)
class BuildInfo:
    """One build's description (not its values)."""

    id: int
    image_source_id: int
    build_label: str | None
    received_at: str
    n_images: int
    n_features: int
    n_values: int
    is_current: bool
    is_demo: bool
    content_hash: str


@dataclass(frozen=True)
class Dataset:
    """Everything a reader needs for one build of one image source, at one version."""

    source: SourceRef
    build: BuildInfo
    matrix: BuildMatrix
    index: FeatureIndex
    impressions: np.ndarray  # float64 per image (NaN when unknown)
    clicks: np.ndarray
    _derived: dict = field(default_factory=dict, repr=False, compare=False)
    _recent: OrderedDict = field(default_factory=OrderedDict, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def image_table_key(self) -> str:
        """Names this dataset's image table (names and CTRs, GET /api/v1/images): its build
        and the metrics it was loaded with."""
        return f"{self.build.id}-{self.source.metrics_key or 'none'}"

    @property
    def images_without_ctr(self) -> int:
        return self.matrix.n_images - self.index.n_images

    def derived(self, key: str, compute: Callable[["Dataset"], object]):
        """`compute(self)`, computed once per dataset and kept as long as the dataset is (for
        per-build arrays that several requests need, such as escaped image labels)."""
        hit = self._derived.get(key)
        if hit is None:
            with self._lock:
                hit = self._derived.get(key)
                if hit is None:
                    hit = self._derived[key] = compute(self)
        return hit

    def recent(self, key, compute: Callable[[], object], keep: int = 64):
        """`compute()`, remembered for the `keep` most recently asked keys of this dataset (for
        answers to repeated queries: a dataset never changes, so neither do they)."""
        with self._lock:
            hit = self._recent.get(key)
            if hit is not None:
                self._recent.move_to_end(key)
                return hit
        value = compute()
        with self._lock:
            self._recent[key] = value
            while len(self._recent) > keep:
                self._recent.popitem(last=False)
        return value
