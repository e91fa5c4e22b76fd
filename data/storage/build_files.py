"""A build's served arrays as files, memory-mapped read-only by every worker of the machine.

The arrays a build is served from (its canonical matrix, and the analysis index built from it
and the image source's metrics) are written once per machine under BUILD_FILES_DIR and mapped
by every worker, so N workers hold one copy in the operating system's page cache instead of N
copies in their own memory, and only the pages a query touches are read at all.

    <dir>/m2-<build content hash>/                the canonical matrix (docs/scaling.md)
        meta.json (image and feature names), col_ptr.npy, rows.npy, values.npy
    <dir>/i2-<build content hash>-<metrics key>/  its FeatureIndex under one set of metrics
        meta.json (scalars, feature names), one .npy per array, impressions.npy, clicks.npy

Sets are content-addressed (the build's content hash, and a hash of the metrics fingerprint),
so a set never changes once written: it is written into a temporary directory and renamed into
place, and a worker that finds it complete maps it. Two workers that need the same missing set
take turns on a lock file, so it is computed once. Sets not used recently are deleted beyond
`keep`; a worker still mapping a deleted set keeps reading it (the kernel frees the pages when
the last mapping goes).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import orjson

from data.domain.matrix import NPY_HEADER_LOCK, BuildMatrix
from data.stats.features import FeatureIndex

log = logging.getLogger(__name__)

_FORMAT = 2
_MATRIX_ARRAYS = ("col_ptr", "rows", "values")
_INDEX_ARRAYS = ("col_ptr", "values", "rows", "cum_z", "cum_z2", "y", "entry_key")
_INDEX_SCALARS = ("y_mean", "z_sum", "z2_sum", "n_images", "max_value")
_RECENT_SECONDS = 600  # a set used this recently is never deleted
_SET_NAME = re.compile(r"^[mi]\d*-")  # m<format>-<hash>, i<format>-<hash>-<metrics>


class BuildFiles:
    """Matrices and indexes of builds as memory-mapped files under `directory`; with no
    directory, everything stays in this process's memory (nothing is written)."""

    def __init__(self, directory: Path | str | None, keep: int = 24):
        self.directory = Path(directory) if directory else None
        self.keep = keep
        if self.directory is not None:
            try:
                self.directory.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                log.warning("BUILD_FILES_DIR %s cannot be created (%s): each worker keeps its "
                            "own copy of every build in memory.", self.directory, exc)
                self.directory = None

    # ----------------------------------------------------------------------------- matrix

    def matrix(self, content_hash: str, load=None) -> BuildMatrix | None:
        """The build's matrix, mapped from its files; when they are missing, `load()` (from the
        database) is written first, once per machine. None when missing and no `load`."""
        if self.directory is None:
            return load() if load is not None else None
        name = _matrix_name(content_hash)
        found = self._map_matrix(name)
        if found is not None or load is None:
            return found
        with self._turn(name):
            found = self._map_matrix(name)
            if found is None:
                matrix = load()
                if not self._write(name, _matrix_parts(matrix)):
                    return matrix
                found = self._map_matrix(name)
        return found

    def save_matrix(self, matrix: BuildMatrix, content_hash: str) -> None:
        """Write a new build's matrix (at ingest, before it is committed, so the other workers
        find the files when they first see the build)."""
        if self.directory is None:
            return
        name = _matrix_name(content_hash)
        if self._written(name):
            self._touch(name)
            return
        with self._turn(name):
            if not self._written(name):
                self._write(name, _matrix_parts(matrix))

    def _map_matrix(self, name: str) -> BuildMatrix | None:
        mapped = self._map(name, _MATRIX_ARRAYS)
        if mapped is None:
            return None
        meta, arrays = mapped
        return BuildMatrix(meta["images"], meta["features"], arrays["col_ptr"], arrays["rows"],
                           arrays["values"])

    # ------------------------------------------------------------------------------ index

    def index(self, content_hash: str, metrics_key: str, build) -> tuple:
        """(FeatureIndex, impressions, clicks) of a build under one set of metrics, mapped from
        files; `build()` computes them when missing (once per machine)."""
        if self.directory is None:
            return build()
        name = _index_name(content_hash, metrics_key)
        found = self._map_index(name)
        if found is not None:
            return found
        with self._turn(name):
            found = self._map_index(name)
            if found is None:
                index, impressions, clicks = built = build()
                if not self._write(name, _index_parts(index, impressions, clicks)):
                    return built
                found = self._map_index(name)
        return found

    def _map_index(self, name: str) -> tuple | None:
        mapped = self._map(name, _INDEX_ARRAYS + ("impressions", "clicks"))
        if mapped is None:
            return None
        meta, a = mapped
        index = FeatureIndex(
            feature_names=tuple(meta["features"]),
            **{k: a[k] for k in _INDEX_ARRAYS},
            **{k: meta[k] for k in _INDEX_SCALARS})
        return index, a["impressions"], a["clicks"]

    def has(self, content_hash: str, metrics_key: str) -> bool:
        """Whether the build's matrix and its index under `metrics_key` are both written here,
        so that loading it is mapping files (milliseconds), not decoding or indexing it."""
        if self.directory is None:
            return False
        return (self._written(_matrix_name(content_hash))
                and self._written(_index_name(content_hash, metrics_key)))

    def _written(self, name: str) -> bool:
        """Whether set `name` is complete here (its meta.json is written last, then renamed)."""
        return (self.directory / name / "meta.json").exists()

    # ---------------------------------------------------------------------------- storage

    def _map(self, name: str, arrays: tuple[str, ...]) -> tuple[dict, dict] | None:
        folder = self.directory / name
        try:
            meta = orjson.loads((folder / "meta.json").read_bytes())
            if meta.get("format") != _FORMAT:
                return None
            with NPY_HEADER_LOCK:  # CPython 3.11's AST constructor, see data/domain/matrix.py
                mapped = {k: np.asarray(np.load(folder / f"{k}.npy", mmap_mode="r",
                                                allow_pickle=False)) for k in arrays}
        except (OSError, ValueError):
            return None  # missing, or deleted meanwhile: the caller builds it again
        self._touch(name)
        return meta, mapped

    def _write(self, name: str, parts: tuple[dict, dict]) -> bool:
        """Write a set atomically (temporary directory, then rename). False when it cannot be
        written (disk full, read-only): the caller serves from memory instead."""
        meta, arrays = parts
        tmp = None
        try:
            tmp = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=self.directory))
            for key, arr in arrays.items():
                np.save(tmp / f"{key}.npy", np.ascontiguousarray(arr), allow_pickle=False)
            (tmp / "meta.json").write_bytes(orjson.dumps({"format": _FORMAT, **meta}))
            try:
                os.rename(tmp, self.directory / name)
            except OSError:
                if not self._written(name):
                    raise
                shutil.rmtree(tmp, ignore_errors=True)  # another worker was first: same content
            tmp = None
        except OSError as exc:
            log.warning("Could not write build files %s (%s); serving it from memory.", name, exc)
            return False
        finally:
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)
        self._forget_old()
        return True

    @contextlib.contextmanager
    def _turn(self, name: str):
        """Hold the set's lock file: workers that miss the same set compute it one at a time
        (the second then finds it written)."""
        try:
            fh = open(self.directory / f".{name}.lock", "a")
        except OSError:
            yield
            return
        with fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def _touch(self, name: str) -> None:
        with contextlib.suppress(OSError):
            os.utime(self.directory / name)

    def _forget_old(self) -> None:
        """Delete the least recently used sets beyond `keep` (never one used in the last ten
        minutes), and their lock files."""
        try:
            sets = [(p.stat().st_mtime, p) for p in self.directory.iterdir()
                    if p.is_dir() and _SET_NAME.match(p.name)]
        except OSError:
            return
        sets.sort(reverse=True)
        now = time.time()
        for mtime, path in sets[self.keep:]:
            if now - mtime > _RECENT_SECONDS:
                shutil.rmtree(path, ignore_errors=True)
                with contextlib.suppress(OSError):
                    (self.directory / f".{path.name}.lock").unlink()


def _safe(text: str) -> str:
    return "".join(ch for ch in text if ch.isalnum())[:64] or "x"


def _matrix_name(content_hash: str) -> str:
    return f"m{_FORMAT}-{_safe(content_hash)}"


def _index_name(content_hash: str, metrics_key: str) -> str:
    metrics = hashlib.sha256(metrics_key.encode()).hexdigest()[:24]
    return f"i{_FORMAT}-{_safe(content_hash)[:32]}-{metrics}"


def _matrix_parts(matrix: BuildMatrix) -> tuple[dict, dict]:
    return ({"images": matrix.image_names, "features": matrix.feature_names},
            {"col_ptr": matrix.col_ptr, "rows": matrix.rows, "values": matrix.values})


def _index_parts(index: FeatureIndex, impressions: np.ndarray, clicks: np.ndarray):
    meta = {"features": list(index.feature_names),
            **{k: getattr(index, k) for k in _INDEX_SCALARS}}
    arrays = {k: getattr(index, k) for k in _INDEX_ARRAYS}
    arrays.update(impressions=impressions, clicks=clicks)
    return meta, arrays
