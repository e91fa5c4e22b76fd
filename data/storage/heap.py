"""Giving freed memory back to the operating system after a large build passed through a worker,
and the page size numpy asks for.

Parsing and checking a 100k-image body allocates the better part of a gigabyte of small objects;
when they are freed, glibc keeps most of that heap for reuse, so the worker's resident memory
stays high for good (docs/scaling.md). malloc_trim(0) returns the free parts.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

import numpy as np

log = logging.getLogger(__name__)

_libc = None
_loaded = False


def release_free_memory() -> None:
    """Hand free heap memory back to the operating system (glibc only; elsewhere nothing)."""
    global _libc, _loaded
    if not _loaded:
        _loaded = True
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
            libc.malloc_trim.argtypes = [ctypes.c_size_t]
            _libc = libc
        except (OSError, AttributeError):  # not glibc: its allocator may do this by itself
            _libc = None
    if _libc is not None:
        _libc.malloc_trim(0)


def use_huge_pages(enabled: bool) -> None:
    """Whether numpy asks Linux for transparent huge pages (madvise) on its large arrays in this
    process, as numpy's NUMPY_MADVISE_HUGEPAGE does at import. A huge page saves page-table
    work where memory is cheap to touch; on a virtual machine whose host backs each page at its
    first touch (this one), it costs ~4x the same memory in 4 KB pages (docs/scaling.md)."""
    np._core.multiarray._set_madvise_hugepage(enabled)
