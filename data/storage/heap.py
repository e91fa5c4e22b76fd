"""The worker's memory around large builds: how it is taken while a build is read
(ingest_memory), and given back to the operating system after it (release_free_memory).

Parsing and checking a 100k-image body allocates the better part of a gigabyte of small objects;
when they are freed, glibc keeps most of that heap for reuse, so the worker's resident memory
stays high for good (docs/scaling.md). malloc_trim(0) returns the free parts.

On a virtual machine whose host backs each page at its first touch (this one), touching memory
that is new to the process costs ~2-3 us per 4 KB page: a 100k-image PUT touched ~1 GB of new
pages, a quarter to a third of its time. While a build is read, two things keep that down:
glibc's heap serves even the largest arrays and keeps what is freed, so each stage of the ingest
reuses the pages the stage before it freed; and numpy's new arrays are not asked to be
transparent huge pages, whose first touch costs ~4 ms each here (~4x the same memory in 4 KB
pages). Outside, glibc's and numpy's usual policies hold.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import threading
from contextlib import contextmanager
from typing import Iterator

from numpy._core import multiarray as _multiarray  # its huge-page switch (numpy's
# NUMPY_MADVISE_HUGEPAGE, read once at import)

log = logging.getLogger(__name__)

_libc = None
_loaded = False

# mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD, _M_MMAP_MAX = -1, -3, -4
# While kept: no block is mapped on its own (each would be new pages, unmapped again on free),
# and free() does not shrink the heap.
_KEEP = ((_M_MMAP_MAX, 0), (_M_TRIM_THRESHOLD, 1 << 30))
# After: glibc's own policy where its adaptive thresholds settle in a worker that handled large
# arrays (blocks from 32 MB mapped on their own, the heap trimmed past 64 MB free at its top);
# setting any of them by mallopt fixes them from then on.
_USUAL = ((_M_MMAP_MAX, 65536), (_M_MMAP_THRESHOLD, 32 << 20), (_M_TRIM_THRESHOLD, 64 << 20))

_kept_lock = threading.Lock()
_kept_by = 0
_huge_pages_before = True


def _glibc():
    """glibc's C library, or None where the allocator is another (musl, macOS)."""
    global _libc, _loaded
    if not _loaded:
        _loaded = True
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
            libc.malloc_trim.argtypes = [ctypes.c_size_t]
            libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
            _libc = libc
        except (OSError, AttributeError):  # not glibc: its allocator may do this by itself
            _libc = None
    return _libc


def release_free_memory() -> None:
    """Hand free heap memory back to the operating system (glibc only; elsewhere nothing)."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)


@contextmanager
def ingest_memory() -> Iterator[None]:
    """While inside (in any thread of the process): glibc serves every allocation from its heap
    and keeps freed memory there for the next one, instead of mapping each large block on its
    own and unmapping it when freed; and numpy does not ask for transparent huge pages. A
    build's ingest allocates and frees arrays of tens of MB in turn: the next stage reuses pages
    already touched. release_free_memory() after the request hands the heap back, as before.
    Nested and concurrent uses count: the usual policies return when the last one leaves."""
    global _kept_by, _huge_pages_before
    libc = _glibc()
    with _kept_lock:
        _kept_by += 1
        if _kept_by == 1:
            _huge_pages_before = _multiarray._set_madvise_hugepage(False)
            if libc is not None:
                _set(libc, _KEEP)
    try:
        yield
    finally:
        with _kept_lock:
            _kept_by -= 1
            if _kept_by == 0:
                _multiarray._set_madvise_hugepage(_huge_pages_before)
                if libc is not None:
                    _set(libc, _USUAL)


def _set(libc, options) -> None:
    for param, value in options:
        if libc.mallopt(param, value) != 1:
            log.warning("mallopt(%d, %d) was refused; the heap keeps its policy", param, value)

