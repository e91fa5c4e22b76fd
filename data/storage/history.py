"""Every build of an image source with its feature statistics, for a feature's history: computed
once per (image source version, metrics delivery, threshold) and kept for the next feature."""

from __future__ import annotations

import threading
from collections import OrderedDict

from data.domain.dataset import SourceRef
from data.stats.features import build_index, feature_stats
from data.stats.history import BuildStats
from data.storage.cache import DatasetCache
from data.storage.reads import outcomes_for


class BuildHistory:
    """Per worker. The statistics are those of the features API for each build (sparsity
    0–100%), with the image source's latest outcome set or that of a pinned delivery."""

    def __init__(self, cache: DatasetCache, max_entries: int = 8):
        self.cache = cache
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple, list[BuildStats]] = OrderedDict()
        self._lock = threading.Lock()

    def builds(self, ref: SourceRef, threshold: float,
               metrics: int | None = None) -> tuple[list[BuildStats], object]:
        """(every build of `ref`, oldest first, with its statistics at `threshold`; the
        DeliveryInfo of the outcome set used, or None)."""
        key = (ref.id, ref.version, metrics, threshold)
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None:
                self._entries.move_to_end(key)
                return hit
        outcomes, delivery, _latest = self.cache.outcomes(ref, metrics)
        entries = []
        for info in reversed(self.cache.store.builds(ref.id)):
            matrix = self.cache.matrix(info.id, info.content_hash)
            y, _, _ = outcomes_for(matrix.image_names, outcomes)
            index = build_index(matrix, y)
            entries.append(BuildStats(info, feature_stats(index, threshold),
                                      frozenset(matrix.feature_names),
                                      matrix.n_images - index.n_images))
        value = (entries, delivery)
        with self._lock:
            self._entries[key] = value
            for k in [k for k in self._entries if k[0] == ref.id and k[1] != ref.version]:
                del self._entries[k]
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value
