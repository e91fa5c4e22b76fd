"""What is computed from label fixes and saved thresholds, cached per worker (docs/statistics.md,
label fixes and thresholds).

* the fix tables (history with conflict marks, ground truth) per (image source, fixes version);
* a build with the fixes applied (data.stats.fixes.apply_fixes, ~0.25 s at 10,000 fixes) per
  (build, metrics version, fixes version), with its analysis index;
* one feature's labelled images with the model's values (the threshold advisor's input) per
  (build, feature, fixes version);
* `view(...)`: what a statistics request computes from once `apply_fixes` and
  `thresholds=saved` are read — shared by the features API and the dashboard, so both give the
  same numbers.

The fixes version is the newest fix's id (one indexed lookup per request), so a fix stored by any
worker is seen by every worker on its next request; the build's own cache is not touched.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
import numpy as np

from data.domain.dataset import Dataset, SourceRef
from data.domain.labels import FixedDataset, LabelView
from data.stats.advisor import LabelledFeature, labelled_feature
from data.stats.features import build_index
from data.stats.fix_history import FixTables, fix_tables
from data.stats.fixes import apply_fixes, as_fixed, model_values
from data.stats.thresholds import feature_thresholds
from data.storage.labels import LabelStore


class LabelCache:
    """Fix tables and fixed builds, at most `max_entries` of each (least recently used out)."""

    def __init__(self, labels: LabelStore, max_entries: int = 4):
        self.labels = labels
        self.max_entries = max_entries
        self._tables: OrderedDict[tuple, FixTables] = OrderedDict()
        self._fixed: OrderedDict[tuple, FixedDataset] = OrderedDict()
        self._labelled: OrderedDict[tuple, LabelledFeature] = OrderedDict()
        self._lock = threading.Lock()
        self._loading: dict[tuple, threading.Lock] = {}

    def tables(self, ref: SourceRef, version: int | None = None) -> FixTables:
        """The fix tables of the image source (now, or at `version` when the caller read it)."""
        version = self.labels.fixes_version(ref.id) if version is None else version
        return self._cached(self._tables, (ref.id, version),
                            lambda: fix_tables(self.labels.fixes(ref.id)), scope=1)

    def fixed(self, ds: Dataset) -> FixedDataset:
        """`ds` with the image source's latest fixes applied."""
        version = self.labels.fixes_version(ds.source.id)
        key = (ds.source.id, ds.build.id, ds.source.version, version)

        return self._cached(self._fixed, key, lambda: fixed_dataset(
            ds, as_fixed(self.tables(ds.source, version).latest), version), scope=2)

    def labelled(self, ds: Dataset, feature: str) -> LabelledFeature:
        """The threshold advisor's input: `feature`'s fixed images with the model's values in
        `ds`'s build (data.stats.advisor.labelled_feature)."""
        version = self.labels.fixes_version(ds.source.id)
        key = (ds.source.id, ds.build.id, feature, version)
        return self._cached(self._labelled, key, lambda: labelled_feature(
            ds.matrix, self.tables(ds.source, version).latest, feature), scope=3)

    def view(self, ds: Dataset, threshold: float, *, apply: bool = False,
             saved_thresholds: bool = False) -> LabelView:
        """The dataset and threshold(s) a statistics request uses: with `apply`, presence follows
        the latest fix where there is one; with `saved_thresholds`, features with a saved
        threshold are cut there and the others at `threshold`."""
        saved: dict[str, float] = {}
        cut: float | np.ndarray = threshold
        if saved_thresholds:
            stored = self.labels.saved_thresholds(ds.source.id)
            names = set(ds.matrix.feature_names)
            saved = {f: t for f, t in stored.items() if f in names}
            if saved:
                cut = feature_thresholds(ds.matrix.feature_names, saved, threshold)
        if not apply:
            return LabelView(ds, cut, saved, None, None)
        fx = self.fixed(ds)
        return LabelView(fx.dataset, cut, saved, fx, fx.changed(threshold, saved))

    def _cached(self, store: OrderedDict, key: tuple, load, scope: int):
        """store[key], loaded once (readers of the same key wait for that load, no one else).
        Keys sharing key[:scope] (same image source, same build) with other versions are stale
        once the new one is in, and go."""
        with self._lock:
            hit = store.get(key)
            if hit is not None:
                store.move_to_end(key)
                return hit
            gate = self._loading.setdefault((id(store), key), threading.Lock())
        with gate:
            with self._lock:
                hit = store.get(key)
            if hit is None:
                hit = load()
                with self._lock:
                    for k in [k for k in store if k[:scope] == key[:scope]]:
                        del store[k]
                    store[key] = hit
                    while len(store) > self.max_entries:
                        store.popitem(last=False)
                    self._loading.pop((id(store), key), None)
        return hit


def fixed_dataset(ds: Dataset, fixed: dict, version: int) -> FixedDataset:
    """`ds` with `fixed` ((image, feature) -> present) applied, its index, and the model's values
    of the fixed pairs (pure: the cache above keeps the result)."""
    result = apply_fixes(ds.matrix, fixed)
    dataset = Dataset(ds.source, ds.build, result.matrix, build_index(result.matrix, ds.index.y),
                      ds.impressions, ds.clicks)
    features = np.array([pair[1] for pair in fixed], dtype=object)
    values = model_values(ds.matrix, [pair[0] for pair in fixed], features.tolist())
    return FixedDataset(dataset, ds.matrix, fixed, version, result.applied, result.ignored,
                        features, values,
                        np.fromiter(fixed.values(), dtype=bool, count=len(fixed)))
