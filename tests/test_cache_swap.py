"""Swap, never block (data/storage/cache.py) and shared build files (data/storage/build_files.py):
a new build is loaded off every reader's path and swapped in whole; a reader waits only for a
dataset nobody here has yet, and never for another dataset's load; workers map one copy of a
build's arrays from files."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from data.domain.dataset import BuildInfo, DeliveryInfo, SourceRef
from data.domain.errors import UnknownBuild
from data.domain.matrix import FeatureTable, matrix_from_table
from data.storage.build_files import BuildFiles
from data.storage.cache import DatasetCache

N_IMAGES = 30


def _matrix(build: int):
    """Build k: feature "marker" present in the first k images, so answers say their build."""
    rows = list(range(N_IMAGES)) + list(range(build))
    cols = [0] * N_IMAGES + [1] * build
    return matrix_from_table(FeatureTable([f"img{i:03d}" for i in range(N_IMAGES)],
                                          ["filler", "marker"], np.array(rows), np.array(cols),
                                          np.ones(len(rows))))


class FakeStore:
    """The store's reads that the cache uses; `gates[build]` holds that build's load until set,
    and `loads` counts matrix loads."""

    def __init__(self):
        self.version, self.current, self.delivery_id = 1, 1, 7
        self.gates: dict[int, threading.Event] = {}
        self.loads: list[int] = []
        self.fail: set[int] = set()
        self.outcome_gate: threading.Event | None = None  # holds reading the outcomes
        self.info_gates: dict[int, threading.Event] = {}  # hold a build's row being read

    def locate(self, business, image_source):
        source_id = 1 if image_source == "s" else 2
        return SourceRef(source_id, business, image_source, self.version, None, False,
                         self.current, created_at="2026-01-01T00:00:00",
                         latest_delivery_id=self.delivery_id)

    def build_info(self, source_id, build_id):
        gate = self.info_gates.get(build_id)
        if gate is not None:
            assert gate.wait(20), "test gate never opened"
        if build_id > 100:
            return None
        return BuildInfo(build_id, source_id, None, "2026-01-01T00:00:00Z", N_IMAGES, 2, 0,
                         True, False, f"hash{build_id}")

    def load_matrix(self, build_id):
        gate = self.gates.get(build_id)
        if gate is not None:
            assert gate.wait(20), "test gate never opened"
        if build_id in self.fail:
            raise RuntimeError("database went away")
        self.loads.append(build_id)
        return _matrix(build_id)

    def delivery(self, source_id, delivery_id):
        return (DeliveryInfo(delivery_id, "2026-01-01T00:00:00Z", N_IMAGES, None)
                if delivery_id == self.delivery_id else None)

    def latest_outcomes(self, source_id):
        if self.outcome_gate is not None:
            assert self.outcome_gate.wait(20), "test gate never opened"
        return ({f"img{i:03d}": (1000, i + 1, None) for i in range(N_IMAGES)},
                self.delivery_id)


def _marker(ds) -> int:
    return int(ds.index.counts_at(0.5)[1])


def _cache(store, tmp_path, **kwargs) -> DatasetCache:
    kwargs.setdefault("swap_wait", 0.05)
    return DatasetCache(store, files=BuildFiles(tmp_path / "files"), **kwargs)


def test_readers_keep_the_previous_build_while_the_new_one_loads_then_get_it_whole(tmp_path):
    store = FakeStore()
    cache = _cache(store, tmp_path)
    assert _marker(cache.get("b", "s")) == 1
    store.version, store.current = 2, 2
    store.gates[2] = threading.Event()
    started = time.monotonic()
    answers = [cache.get("b", "s") for _ in range(5)]
    assert time.monotonic() - started < 1.0, "readers waited for the new build's load"
    assert {(a.build.id, _marker(a)) for a in answers} == {(1, 1)}
    store.gates[2].set()
    deadline = time.monotonic() + 10
    while cache.get("b", "s").build.id != 2:
        assert time.monotonic() < deadline, "the new build never replaced the old one"
        time.sleep(0.01)
    assert _marker(cache.get("b", "s")) == 2 and store.loads.count(2) == 1


def test_a_new_build_that_loads_quickly_is_served_at_once(tmp_path):
    store = FakeStore()
    cache = _cache(store, tmp_path, swap_wait=5.0)
    cache.get("b", "s")
    store.version, store.current = 2, 2
    assert cache.get("b", "s").build.id == 2  # the reader waited (briefly) instead of stale


def test_a_reader_never_waits_for_another_datasets_load(tmp_path):
    store = FakeStore()
    cache = _cache(store, tmp_path)
    store.gates[1] = threading.Event()  # source "s" build 1: stuck in the database
    stuck = threading.Thread(target=cache.get, args=("b", "s"), daemon=True)
    stuck.start()
    time.sleep(0.1)
    started = time.monotonic()
    other = cache.get("b", "other", 3)  # another source's build, nobody has it: loads itself
    assert other.build.id == 3 and time.monotonic() - started < 2.0
    assert stuck.is_alive()
    store.gates[1].set()
    stuck.join(10)


def test_readers_of_a_build_nobody_has_share_one_load(tmp_path):
    store = FakeStore()
    cache = _cache(store, tmp_path)
    store.gates[1] = threading.Event()
    results = []
    readers = [threading.Thread(target=lambda: results.append(cache.get("b", "s")))
               for _ in range(6)]
    for r in readers:
        r.start()
    time.sleep(0.2)
    store.gates[1].set()
    for r in readers:
        r.join(10)
    assert len(results) == 6 and store.loads == [1]
    assert len({id(r) for r in results}) == 1


def test_a_failed_background_load_leaves_the_previous_build_and_is_tried_again(tmp_path):
    store = FakeStore()
    cache = _cache(store, tmp_path)
    cache.get("b", "s")
    store.version, store.current = 2, 2
    store.fail.add(2)
    for _ in range(3):
        assert cache.get("b", "s").build.id == 1
        time.sleep(0.1)
    store.fail.clear()
    deadline = time.monotonic() + 10
    while cache.get("b", "s").build.id != 2:
        assert time.monotonic() < deadline
        time.sleep(0.02)


def test_an_unknown_build_is_an_error_for_its_reader_only(tmp_path):
    cache = _cache(FakeStore(), tmp_path)
    with pytest.raises(UnknownBuild):
        cache.get("b", "s", 999)
    assert cache.get("b", "s").build.id == 1


def test_builds_nobody_reads_are_released(tmp_path):
    now = [0.0]
    store = FakeStore()
    cache = _cache(store, tmp_path, idle_seconds=60, clock=lambda: now[0])
    cache.get("b", "s", 5)
    cache.get("b", "s", 6)
    now[0] = 100.0
    cache.get("b", "s", 7)  # publishing 7 drops the idle 5 and 6
    assert sorted(k[1] for k in cache._entries) == [7]


def test_workers_map_one_copy_of_a_builds_arrays_from_files(tmp_path):
    store = FakeStore()
    first = _cache(store, tmp_path).get("b", "s")  # "worker 1": loads from the database
    second = _cache(store, tmp_path).get("b", "s")  # "worker 2": finds the files
    assert store.loads == [1]
    for ds in (first, second):
        for arr in (ds.matrix.values, ds.matrix.rows, ds.index.values, ds.index.cum_z,
                    ds.index.entry_key, ds.impressions):
            assert not arr.flags.writeable and not arr.flags.owndata  # a read-only file mapping
    assert np.array_equal(first.index.cum_z, second.index.cum_z)
    assert second.matrix.image_names == first.matrix.image_names
    sets = sorted(p.name[0] for p in (tmp_path / "files").iterdir() if p.is_dir())
    assert sets == ["i", "m"]


def test_without_a_files_directory_builds_stay_in_memory(tmp_path):
    store = FakeStore()
    ds = DatasetCache(store, files=BuildFiles(None)).get("b", "s")
    assert _marker(ds) == 1 and ds.matrix.values.flags.owndata


def test_old_file_sets_beyond_the_limit_are_deleted(tmp_path):
    files = BuildFiles(tmp_path / "files", keep=2)
    for build in range(1, 5):
        matrix = _matrix(build)
        files.save_matrix(matrix, f"hash{build}")
    import os
    for i, path in enumerate(sorted((tmp_path / "files").glob("m*-*"))):
        os.utime(path, (1000 + i, 1000 + i))  # long unused
    files.save_matrix(_matrix(9), "hash9")
    left = sorted(p.name for p in (tmp_path / "files").glob("m*-*"))
    assert len(left) == 2 and any(name.endswith("-hash9") for name in left)


def test_a_writer_that_waits_gets_the_new_build_never_the_previous(tmp_path):
    store = FakeStore()
    cache = _cache(store, tmp_path)
    cache.get("b", "s")
    store.version, store.current = 2, 2
    store.gates[2] = threading.Event()
    threading.Timer(0.3, store.gates[2].set).start()
    assert cache.get("b", "s", wait=True).build.id == 2
    assert cache.get("b", "s").build.id == 2  # and every reader after it


def test_after_new_metrics_no_reader_is_served_the_older_outcomes(tmp_path):
    """A build may be swapped in late (readers keep the previous whole build meanwhile), but a
    metrics delivery, once stored, is what every answer uses: the writer answered after it was
    indexed, so an answer from the older outcome set would contradict what it was told."""
    store = FakeStore()
    store.delivery_id = None  # a build, no metrics yet
    cache = _cache(store, tmp_path)
    assert cache.get("b", "s").delivery is None
    store.version, store.delivery_id = 2, 8
    store.outcome_gate = threading.Event()
    threading.Timer(0.5, store.outcome_gate.set).start()
    answers = []
    readers = [threading.Thread(target=lambda: answers.append(cache.get("b", "s")))
               for _ in range(3)]
    for r in readers:
        r.start()
    for r in readers:
        r.join(10)
    assert [a.delivery.id for a in answers] == [8, 8, 8]
    # A new build under the same metrics is still swapped in without waiting.
    store.outcome_gate = None
    store.version, store.current = 3, 2
    store.gates[2] = threading.Event()
    started = time.monotonic()
    assert cache.get("b", "s").build.id == 1 and time.monotonic() - started < 1.0
    store.gates[2].set()


def test_a_new_build_whose_files_are_here_is_waited_for_not_served_late(tmp_path):
    """The PUT that stores a build writes its files before it commits: loading it on this
    machine is mapping them, so even a slow moment (here the build's row is read slowly, longer
    than swap_wait) gives the next reader the new build, never the previous one."""
    store = FakeStore()
    cache = _cache(store, tmp_path)
    assert cache.get("b", "s").build.id == 1
    _cache(store, tmp_path).get("b", "s", 2)  # another worker: build 2's files are written
    store.version, store.current = 2, 2
    store.info_gates[2] = threading.Event()
    threading.Timer(0.4, store.info_gates[2].set).start()
    answers = []
    readers = [threading.Thread(target=lambda: answers.append(cache.get("b", "s").build.id))
               for _ in range(3)]
    for r in readers:
        r.start()
    for r in readers:
        r.join(10)
    assert answers == [2, 2, 2]


def test_a_load_that_only_maps_files_but_hangs_still_lets_readers_go(tmp_path):
    store = FakeStore()
    cache = _cache(store, tmp_path, map_wait=0.3)
    cache.get("b", "s")
    _cache(store, tmp_path).get("b", "s", 2)
    store.version, store.current = 2, 2
    store.info_gates[2] = threading.Event()  # the database stalls
    started = time.monotonic()
    assert cache.get("b", "s").build.id == 1
    assert time.monotonic() - started < 2.0
    store.info_gates[2].set()
