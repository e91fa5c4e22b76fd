"""The cached frame: per (image source, build, version) the analysis inputs, loaded once per worker.

Every read asks the database one cheap question — the image source's version and current build —
so a build or metrics delivery accepted by any worker (or machine) is seen by every worker on its
next request, without reloading anything that has not changed.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from data.domain.dataset import Dataset, SourceRef
from data.domain.errors import (MissingDataset, NoBuild, UnknownBuild, UnknownDataset,
                                UnknownDelivery)
from data.domain.matrix import BuildMatrix
from data.stats.features import build_index
from data.storage.reads import StoreReads, outcomes_for


class DatasetCache:
    def __init__(self, store: StoreReads, max_datasets: int = 4):
        self.store = store
        self.max_datasets = max_datasets
        self._datasets: OrderedDict[tuple, Dataset] = OrderedDict()
        self._matrices: OrderedDict[int, tuple[str | None, BuildMatrix]] = OrderedDict()
        self._lock = threading.Lock()
        self._matrix_lock = threading.Lock()  # matrix() is also called outside _lock

    def get(self, business: str | None, image_source: str | None,
            build_id: int | None = None, metrics: int | None = None) -> Dataset:
        """The dataset for the names given (current build unless `build_id`; the latest metrics
        unless `metrics`, a delivery id whose outcome set is used instead). Raises
        MissingDataset, UnknownDataset, NoBuild, UnknownBuild or UnknownDelivery, each saying
        what to do."""
        ref = self.source(business, image_source)
        if build_id is None:
            build_id = ref.current_build_id
            if build_id is None:
                raise NoBuild("no_build",
                                   f"{business!r} / {image_source!r} has no build yet: PUT one to "
                                   "/api/v1/features.")
        key = (ref.identity, build_id, ref.version, metrics)
        with self._lock:
            hit = self._datasets.get(key)
            if hit is not None:
                self._datasets.move_to_end(key)
                return hit
            dataset = self._load(ref, build_id, metrics)
            self._datasets[key] = dataset
            # Older versions of the same source are stale now: drop them at once.
            for k in [k for k in self._datasets if k[0][0] == ref.id and k != key
                      and (k[0] != ref.identity or k[2] != ref.version)]:
                del self._datasets[k]
            while len(self._datasets) > self.max_datasets:
                self._datasets.popitem(last=False)
            return dataset

    def source(self, business: str | None, image_source: str | None) -> SourceRef:
        """The image source by names; MissingDataset or UnknownDataset saying what to do."""
        if not business or not image_source:
            raise MissingDataset("missing_dataset",
                               "Say which dataset: give both `business` and `image_source`.")
        ref = self.store.locate(business, image_source)
        if ref is None:
            raise UnknownDataset("unknown_dataset",
                               f"No image source {image_source!r} for business {business!r}. "
                               "GET /api/v1/datasets lists what exists.")
        return ref

    def build(self, ref: SourceRef, build_id: int):
        """The BuildInfo of a build of `ref`; UnknownBuild when it is not one of its builds."""
        info = self.store.build_info(ref.id, build_id)
        if info is None:
            raise UnknownBuild("unknown_build",
                               f"Build {build_id} does not belong to {ref.business!r} / "
                               f"{ref.name!r}. GET /api/v1/datasets lists its builds.")
        return info

    def matrix(self, build_id: int, content_hash: str | None = None) -> BuildMatrix:
        """A build's values, decoded once per worker and kept for the last few builds. Given
        the build's `content_hash`, a kept matrix of another content under the same id (a
        business deleted and sent again: SQLite may reuse ids) is read again."""
        with self._matrix_lock:
            kept = self._matrices.get(build_id)
            if kept is not None and (content_hash is None or kept[0] == content_hash):
                self._matrices.move_to_end(build_id)
                return kept[1]
        matrix = self.store.load_matrix(build_id)
        with self._matrix_lock:
            self._matrices[build_id] = (content_hash, matrix)
            self._matrices.move_to_end(build_id)
            while len(self._matrices) > self.max_datasets:
                self._matrices.popitem(last=False)
        return matrix

    def outcomes(self, ref: SourceRef, metrics: int | None):
        """(outcomes by image name, the DeliveryInfo they are the set of or None, the newest
        delivery id of the source): the latest outcome set, or that of delivery `metrics`."""
        if metrics is None:
            outcomes, delivery_id = self.store.latest_outcomes(ref.id)
            delivery = (self.store.delivery(ref.id, delivery_id)
                        if delivery_id is not None else None)
            return outcomes, delivery, delivery_id
        delivery = self.store.delivery(ref.id, metrics)
        if delivery is None:
            raise UnknownDelivery("unknown_metrics_delivery",
                                  f"Metrics delivery {metrics} does not belong to "
                                  f"{ref.business!r} / {ref.name!r}. GET "
                                  "/api/v1/metrics-deliveries lists its deliveries.")
        latest = self.store.deliveries(ref.id)[0].id
        return self.store.outcomes_at(ref.id, metrics), delivery, latest

    def _load(self, ref: SourceRef, build_id: int, metrics: int | None) -> Dataset:
        info = self.build(ref, build_id)
        matrix = self.matrix(build_id, info.content_hash)
        outcomes, delivery, latest = self.outcomes(ref, metrics)
        y, impressions, clicks = outcomes_for(matrix.image_names, outcomes)
        return Dataset(ref, info, matrix, build_index(matrix, y), impressions, clicks,
                       delivery, latest)

