"""data/storage/heap.py: while a build is read, glibc's heap kept for reuse and numpy's arrays in
4 KB pages; outside, the usual policies (large blocks mapped on their own, numpy's huge-page
switch as it was); a features PUT reads and stores its build inside."""

from __future__ import annotations

import ctypes
import threading

import numpy as np
import pytest
from numpy._core import multiarray

from data.storage import heap
from data.storage.heap import ingest_memory

# Above the 32 MB from which glibc maps a block on its own, below the 64 MB of a thread's heap
# (a larger block in a thread other than the main one is mapped on its own in any case).
LARGE = 40 << 20


class _Mallinfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost")]


@pytest.fixture
def mapped_blocks():
    libc = heap._glibc()
    if libc is None or not hasattr(libc, "mallinfo2"):
        pytest.fail("these tests need glibc 2.33 or later (mallinfo2), as the servers have")
    libc.mallinfo2.restype = _Mallinfo2
    return lambda: libc.mallinfo2().hblks


def test_a_large_array_is_mapped_on_its_own_outside_and_comes_from_the_heap_inside(
        mapped_blocks):
    with ingest_memory():
        pass  # leaves the usual policy set, whatever glibc had adapted to before
    before = mapped_blocks()
    outside = np.ones(LARGE, dtype=np.uint8)
    assert mapped_blocks() == before + 1
    del outside
    assert mapped_blocks() == before
    huge_pages = multiarray._get_madvise_hugepage()
    with ingest_memory():
        assert multiarray._get_madvise_hugepage() is False
        inside = np.ones(LARGE, dtype=np.uint8)
        assert mapped_blocks() == before
        del inside
        again = np.ones(LARGE, dtype=np.uint8)  # reuses the freed block
        assert mapped_blocks() == before
        del again
    assert multiarray._get_madvise_hugepage() is huge_pages
    heap.release_free_memory()
    after = np.ones(LARGE, dtype=np.uint8)
    assert mapped_blocks() == before + 1
    del after


def test_the_usual_policy_returns_when_the_last_of_overlapping_uses_leaves(mapped_blocks):
    before = mapped_blocks()
    first_in, second_out = threading.Event(), threading.Event()
    seen = {}

    def first():
        with ingest_memory():
            first_in.set()
            second_out.wait(10)
            block = np.ones(LARGE, dtype=np.uint8)  # the second use has left; this one has not
            seen["while the first is still in"] = mapped_blocks() - before
            del block

    worker = threading.Thread(target=first)
    worker.start()
    assert first_in.wait(10)
    with ingest_memory():
        with ingest_memory():  # nested
            pass
    second_out.set()
    worker.join(10)
    assert seen == {"while the first is still in": 0}
    block = np.ones(LARGE, dtype=np.uint8)
    assert mapped_blocks() == before + 1
    del block


def test_a_features_put_reads_and_stores_its_build_with_the_heap_kept(settings, monkeypatch):
    import api.builds
    from app import create_app

    kept = []

    class Recorder:
        def __enter__(self):
            kept.append("in")

        def __exit__(self, *exc):
            kept.append("out")

    real_store = api.builds._store_features

    def store_features(*args):
        assert kept == ["in"], "the build must be read and stored inside ingest_memory"
        return real_store(*args)

    monkeypatch.setattr(api.builds, "ingest_memory", Recorder)
    monkeypatch.setattr(api.builds, "_store_features", store_features)
    client = create_app(settings).server.test_client()
    r = client.put("/api/v1/features", json={"a.png": {"dog": 0.5}, "b.png": {"cat": 1.0}},
                   headers={"Business": "Heap", "Image-Source": "covers"})
    assert r.status_code == 201, r.get_data(as_text=True)
    assert kept == ["in", "out"]
