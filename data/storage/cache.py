"""The cached frame: per (image source, build, version) the analysis inputs, loaded once per worker.

Every read asks the database one cheap question — the image source's version and current build —
so a build or metrics delivery accepted by any worker (or machine) is seen by every worker on its
next request, without reloading anything that has not changed.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from data.domain.dataset import Dataset, SourceRef
from data.domain.errors import MissingDataset, NoBuild, UnknownBuild, UnknownDataset
from data.domain.matrix import BuildMatrix
from data.stats.features import build_index
from data.storage.reads import StoreReads, outcomes_for


class DatasetCache:
    def __init__(self, store: StoreReads, max_datasets: int = 4):
        self.store = store
        self.max_datasets = max_datasets
        self._datasets: OrderedDict[tuple, Dataset] = OrderedDict()
        self._matrices: OrderedDict[int, BuildMatrix] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, business: str | None, image_source: str | None,
            build_id: int | None = None) -> Dataset:
        """The dataset for the names given (current build unless `build_id`). Raises
        MissingDataset, UnknownDataset, NoBuild or UnknownBuild, each saying what to do."""
        if not business or not image_source:
            raise MissingDataset("missing_dataset",
                               "Say which dataset: give both `business` and `image_source`.")
        ref = self.store.locate(business, image_source)
        if ref is None:
            raise UnknownDataset("unknown_dataset",
                               f"No image source {image_source!r} for business {business!r}. "
                               "GET /api/v1/datasets lists what exists.")
        if build_id is None:
            build_id = ref.current_build_id
            if build_id is None:
                raise NoBuild("no_build",
                                   f"{business!r} / {image_source!r} has no build yet: PUT one to "
                                   "/api/v1/features.")
        key = (ref.identity, build_id, ref.version)
        with self._lock:
            hit = self._datasets.get(key)
            if hit is not None:
                self._datasets.move_to_end(key)
                return hit
            dataset = self._load(ref, build_id)
            self._datasets[key] = dataset
            # Older versions of the same source are stale now: drop them at once.
            for k in [k for k in self._datasets if k[0][0] == ref.id and k != key
                      and (k[0] != ref.identity or k[2] != ref.version)]:
                del self._datasets[k]
            while len(self._datasets) > self.max_datasets:
                self._datasets.popitem(last=False)
            return dataset

    def _load(self, ref: SourceRef, build_id: int) -> Dataset:
        info = self.store.build_info(ref.id, build_id)
        if info is None:
            raise UnknownBuild("unknown_build",
                               f"Build {build_id} does not belong to {ref.business!r} / "
                               f"{ref.name!r}. GET /api/v1/datasets lists its builds.")
        matrix_key = (ref.identity, build_id)  # a build's values never change
        matrix = self._matrices.get(matrix_key)
        if matrix is None:
            matrix = self.store.load_matrix(build_id)
            self._matrices[matrix_key] = matrix
            while len(self._matrices) > self.max_datasets:
                self._matrices.popitem(last=False)
        else:
            self._matrices.move_to_end(matrix_key)
        outcomes = self.store.load_outcomes(ref.id)
        y, impressions, clicks = outcomes_for(matrix.image_names, outcomes)
        return Dataset(ref, info, matrix, build_index(matrix, y), impressions, clicks)

