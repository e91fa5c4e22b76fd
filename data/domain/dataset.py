"""What a reader holds for one build of one image source: plain, in-memory, no database.

The storage layer fills these (data/storage/cache.py); the API, figures and callbacks read them.
"""

from __future__ import annotations

import hashlib
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
    # When the image source was made (to the microsecond): with the id it tells a source
    # deleted and made again apart (SQLite may reuse the ids of deleted rows), so no cache
    # serves the old one's data.
    created_at: str = ""
    # The newest metrics delivery of the source (None: no metrics yet): its outcome set is the
    # current one, so it names a build's memory-mapped index under the latest metrics
    # (data/storage/build_files.py).
    latest_delivery_id: int | None = None

    @property
    def identity(self) -> tuple[int, str]:
        return self.id, self.created_at


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
    # Names of the quality checks in alarm when the build was accepted (docs/statistics.md, build quality); None when it
    # was stored without checks (before they existed, or the demo).
    alarms: tuple[str, ...] | None = None


@dataclass(frozen=True)
class DeliveryInfo:
    """One metrics delivery: the outcome set of an image source as of it is every image's value
    from the latest delivery up to it that named the image."""

    id: int
    received_at: str
    rows: int
    who: str | None


@dataclass(frozen=True)
class Dataset:
    """Everything a reader needs for one build of one image source, at one version."""

    source: SourceRef
    build: BuildInfo
    matrix: BuildMatrix
    index: FeatureIndex
    impressions: np.ndarray  # float64 per image (NaN when unknown)
    clicks: np.ndarray
    # The metrics delivery whose outcome set `index` uses (None: the source has no metrics), and
    # the newest delivery of the source when the dataset was loaded.
    delivery: DeliveryInfo | None = None
    latest_delivery_id: int | None = None
    _derived: dict = field(default_factory=dict, repr=False, compare=False)
    _recent: OrderedDict = field(default_factory=OrderedDict, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def delivery_id(self) -> int | None:
        """The id of the metrics delivery whose outcome set `index` uses (None: no metrics)."""
        return self.delivery.id if self.delivery is not None else None

    @property
    def image_table_key(self) -> str:
        """Names this dataset's image table (names and CTRs, GET /api/v1/images): its image
        source (as made: SQLite may reuse ids), its build and the metrics delivery it was loaded
        with, so the key changes whenever the table may have."""
        delivery = "none" if self.delivery_id is None else self.delivery_id
        return hashlib.sha256(f"{self.source.identity}|{self.build.id}|{self.build.content_hash}|"
                              f"{delivery}".encode()).hexdigest()[:24]

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
