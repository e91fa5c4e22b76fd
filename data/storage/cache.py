"""The cached frame: per (image source, build, version) the analysis inputs, loaded once per worker.

Every read asks the database one cheap question — the image source's version and current build —
so a build or metrics delivery accepted by any worker (or machine) is seen by every worker on its
next request, without reloading anything that has not changed.

Swap, never block (docs/scaling.md): a dataset is loaded without holding the cache's lock. A
reader that finds a newer version than the one it was served last starts (or joins) the load of
the new one. When that load has real work to do (the build's files are not on this machine: it
is decoded from the database or indexed), the reader waits at most `swap_wait` seconds after
the load began and is then served the previous dataset; the new one replaces it in one step
when it is complete. When the files are here (the PUT that stored the build wrote them before
it committed) the load is mapping them, milliseconds, and the reader waits for it (at most
`map_wait`): a build accepted on this machine is what the next request gets, however busy the
machine. Only a reader with nothing to fall back on always waits for its own dataset's load —
never for another dataset's: a build nobody here has loaded yet, or new metrics. A previous
dataset is a whole build, so a new build may come late from another machine; but the metrics
PUT answers only once its outcome set is indexed (api/builds.py), so an answer from the older
outcomes would contradict what its sender was told. Waiting for new metrics costs the mapping
of the index files that PUT wrote, or, in the moment between its commit and its answer, that
index's computation.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

from data.domain.dataset import Dataset, SourceRef
from data.domain.errors import (MissingDataset, NoBuild, UnknownBuild, UnknownDataset,
                                UnknownDelivery)
from data.domain.matrix import BuildMatrix
from data.stats.features import build_index
from data.storage.build_files import BuildFiles
from data.storage.heap import release_free_memory
from data.storage.reads import StoreReads, outcomes_for

log = logging.getLogger(__name__)


@dataclass
class _Load:
    """One dataset being loaded: its start time, and its outcome once done."""

    started: float
    done: threading.Event = field(default_factory=threading.Event)
    # Set when the dataset's files are not all on this machine: the load decodes or indexes.
    heavy: threading.Event = field(default_factory=threading.Event)
    dataset: Dataset | None = None
    error: BaseException | None = None

    def result(self, timeout: float | None = None) -> Dataset | None:
        """The dataset (None when `timeout` passed first); re-raises the load's error."""
        if not self.done.wait(timeout):
            return None
        if self.error is not None:
            raise self.error
        return self.dataset


@dataclass
class _Entry:
    dataset: Dataset
    last_used: float


class DatasetCache:
    """Datasets by (image source identity, build id, source version, metrics delivery or None
    for the latest), at most `max_datasets`, each dropped after `idle_seconds` without a
    reader. The arrays of a dataset live in `files` (memory-mapped, shared by the workers of
    the machine)."""

    def __init__(self, store: StoreReads, max_datasets: int = 4, *, files: BuildFiles | None = None,
                 swap_wait: float = 0.2, map_wait: float = 10.0, idle_seconds: float = 900.0,
                 clock=time.monotonic):
        self.store = store
        self.max_datasets = max_datasets
        self.files = files or BuildFiles(None)
        self.swap_wait = swap_wait
        self.map_wait = map_wait
        self.idle_seconds = idle_seconds
        self.clock = clock
        self._entries: OrderedDict[tuple, _Entry] = OrderedDict()
        self._loads: dict[tuple, _Load] = {}
        # (source identity, requested build or None for current, requested metrics or None for
        # the latest) -> key of the dataset served last
        self._served: dict[tuple, tuple] = {}
        self._lock = threading.Lock()  # guards the dicts above; never held during a load
        # Matrices kept in this process when there are no build files (or no content hash).
        self._matrices: OrderedDict[int, tuple[str | None, BuildMatrix]] = OrderedDict()
        self._matrix_lock = threading.Lock()

    def get(self, business: str | None, image_source: str | None,
            build_id: int | None = None, metrics: int | None = None, *,
            wait: bool = False) -> Dataset:
        """The dataset for the names given (current build unless `build_id`; the latest metrics
        unless `metrics`, a delivery id whose outcome set is used instead). Raises
        MissingDataset, UnknownDataset, NoBuild, UnknownBuild or UnknownDelivery, each saying
        what to do. `wait`: never the previous dataset, wait for the new one's load (for a
        writer that wants the data it delivered in place before it answers)."""
        ref = self.source(business, image_source)
        wanted = build_id if build_id is not None else ref.current_build_id
        if wanted is None:
            raise NoBuild("no_build",
                          f"{business!r} / {image_source!r} has no build yet: PUT one to "
                          "/api/v1/features.")
        key = (ref.identity, wanted, ref.version, metrics)
        view = (ref.identity, build_id, metrics)
        now = self.clock()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                entry.last_used = now
                self._entries.move_to_end(key)
                self._served[view] = key
                return entry.dataset
            load = self._loads.get(key)
            starting = load is None
            if starting:
                load = self._loads[key] = _Load(now)
            previous = None if wait else self._entries.get(self._served.get(view))
            if previous is not None and previous.dataset.delivery_id != (
                    metrics if metrics is not None else ref.latest_delivery_id):
                previous = None  # a newer build may come late, newer metrics may not
        if starting:
            if previous is None:  # nothing to show meanwhile: this reader loads it
                self._run(load, key, view, ref, wanted, metrics)
            else:
                threading.Thread(target=self._run, args=(load, key, view, ref, wanted, metrics),
                                 daemon=True, name="dataset-load").start()
        if previous is None:
            return load.result()
        return self._new_or_previous(load, previous.dataset)

    def _new_or_previous(self, load: _Load, previous: Dataset) -> Dataset:
        """The loading dataset once it is ready; `previous` instead if it is not ready
        `swap_wait` after its load began and the load has real work to do (files to decode or
        index), or after `map_wait` in any case, or when the load failed."""
        wait_until = load.started + self.swap_wait
        while True:
            try:
                ready = load.result(max(0.0, wait_until - self.clock()))
            except Exception:  # logged by the load; the next reader tries again
                return previous
            if ready is not None:
                return ready
            now = self.clock()
            if load.heavy.is_set() or now >= load.started + self.map_wait:
                return previous
            wait_until = now + 0.02  # mapping files: this reader gets the new build

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
        """A build's values: mapped from its files when the build's `content_hash` is given
        (written once per machine), else decoded once per worker and kept for the last few
        builds. A kept matrix of another content under the same id (a business deleted and
        sent again: SQLite may reuse ids) is read again."""
        if content_hash is not None and self.files.directory is not None:
            return self.files.matrix(content_hash, lambda: self.store.load_matrix(build_id))
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

    def delivery_of(self, ref: SourceRef, metrics: int | None):
        """The DeliveryInfo whose outcome set a dataset of `ref` uses: that of delivery
        `metrics`, or the newest (None when the source has no metrics). UnknownDelivery when
        `metrics` is not one of the source's deliveries."""
        if metrics is None:
            if ref.latest_delivery_id is None:
                return None
            return self.store.delivery(ref.id, ref.latest_delivery_id)
        delivery = self.store.delivery(ref.id, metrics)
        if delivery is None:
            raise UnknownDelivery("unknown_metrics_delivery",
                                  f"Metrics delivery {metrics} does not belong to "
                                  f"{ref.business!r} / {ref.name!r}. GET "
                                  "/api/v1/metrics-deliveries lists its deliveries.")
        return delivery

    def outcomes(self, ref: SourceRef, metrics: int | None):
        """(outcomes by image name, the DeliveryInfo they are the set of or None, the newest
        delivery id of the source): the latest outcome set, or that of delivery `metrics`."""
        delivery = self.delivery_of(ref, metrics)
        outcomes = self.outcome_set(ref, delivery.id if delivery is not None else None)
        return outcomes, delivery, ref.latest_delivery_id

    def outcome_set(self, ref: SourceRef, delivery_id: int | None) -> dict:
        """The outcome set as of `delivery_id` (by image name; {} for None). The latest set is
        read from the current values when no newer delivery landed meanwhile (cheaper than
        rebuilding it from the history)."""
        if delivery_id is None:
            return {}
        if delivery_id == ref.latest_delivery_id:
            outcomes, latest = self.store.latest_outcomes(ref.id)
            if latest == delivery_id:
                return outcomes
        return self.store.outcomes_at(ref.id, delivery_id)

    def _run(self, load: _Load, key: tuple, view: tuple, ref: SourceRef, build_id: int,
             metrics: int | None) -> None:
        """Load the dataset of `key`, then publish it in one step (or record the error)."""
        try:
            dataset = self._load(ref, build_id, metrics, load.heavy)
        except BaseException as exc:  # handed to every reader waiting on this load
            with self._lock:
                self._loads.pop(key, None)
            load.error = exc
            load.done.set()
            if not isinstance(exc, (UnknownBuild, UnknownDelivery)):
                log.exception("Loading build %s of image source %s failed", build_id, ref.id)
            return
        now = self.clock()
        with self._lock:
            self._loads.pop(key, None)
            # Older versions of the same source, and sources deleted and made again under the
            # same id, are stale from now on.
            for k in [k for k in self._entries
                      if k[0][0] == key[0][0] and (k[0] != key[0] or k[2] < key[2])]:
                del self._entries[k]
            self._entries[key] = _Entry(dataset, now)
            self._served[view] = key
            self._forget(now)
        load.dataset = dataset
        load.done.set()
        release_free_memory()  # what building its files allocated

    def _forget(self, now: float) -> None:
        """Drop datasets nobody read for `idle_seconds`, then the least recently used beyond
        `max_datasets` (their mapped files are released with the last reference)."""
        for k in [k for k, e in self._entries.items() if now - e.last_used > self.idle_seconds]:
            del self._entries[k]
        while len(self._entries) > self.max_datasets:
            self._entries.popitem(last=False)
        live = set(self._entries)
        for view in [v for v, k in self._served.items() if k not in live]:
            del self._served[view]

    def prepare(self, matrix: BuildMatrix, business: str, image_source: str) -> None:
        """Write a new build's files before it is committed: its matrix, and its index under the
        image source's latest metrics. Every worker then maps them when it first sees the
        build (in milliseconds) instead of computing them while its readers wait or are served
        the previous build."""
        content_hash = matrix.content_hash()
        self.files.save_matrix(matrix, content_hash)
        if self.files.directory is None:
            return
        ref = self.store.locate(business, image_source)
        if ref is None:  # a new image source: no metrics yet
            self.files.index(content_hash, _NO_METRICS, lambda: _indexed(matrix, {}))
            return
        delivery_id = ref.latest_delivery_id
        self.files.index(content_hash, _metrics_key(ref, delivery_id),
                         lambda: _indexed(matrix, self.outcome_set(ref, delivery_id)))

    def _load(self, ref: SourceRef, build_id: int, metrics: int | None,
              heavy: threading.Event) -> Dataset:
        info = self.build(ref, build_id)
        delivery = self.delivery_of(ref, metrics)
        delivery_id = delivery.id if delivery is not None else None
        metrics_key = _metrics_key(ref, delivery_id)
        if info.content_hash is None or not self.files.has(info.content_hash, metrics_key):
            heavy.set()  # readers with a previous dataset take it rather than wait for this
        matrix = self.matrix(build_id, info.content_hash)
        index, impressions, clicks = self.files.index(
            info.content_hash, metrics_key,
            lambda: _indexed(matrix, self.outcome_set(ref, delivery_id)))
        return Dataset(ref, info, matrix, index, impressions, clicks, delivery,
                       ref.latest_delivery_id)


_NO_METRICS = "no-metrics"


def _metrics_key(ref: SourceRef, delivery_id: int | None) -> str:
    """Names an outcome set among the build files: the delivery it is as of, of this image
    source as made (a set as of a delivery never changes; SQLite may reuse the ids of a
    deleted source's deliveries, never its creation time)."""
    if delivery_id is None:
        return _NO_METRICS
    return f"delivery {delivery_id} of source {ref.id} made {ref.created_at}"


def _indexed(matrix: BuildMatrix, outcomes: dict) -> tuple:
    """(FeatureIndex, impressions, clicks) of `matrix` under `outcomes` (by image name)."""
    y, impressions, clicks = outcomes_for(matrix.image_names, outcomes)
    return build_index(matrix, y), impressions, clicks
