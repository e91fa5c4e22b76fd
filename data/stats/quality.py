"""Quality checks of a new build, alone and against the previous build of its image source
(docs/statistics.md, build quality). Each check gives a value, its limit and "alarm" when the value is above the limit.

Shares are fractions in [0, 1]; prevalence_shift is in percentage points. A feature's prevalence
here is over all images of the build (outcomes play no part): 100 * images with v > 0 / images.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace

import numpy as np

from data.domain.matrix import BuildMatrix
from data.stats.vectors import image_fingerprints

_EXAMPLES = 3  # names quoted in a message
CHECKS = ("empty_images", "duplicate_vectors", "images_dropped", "features_missing",
          "prevalence_shift", "value_range")  # run_checks' order; names for REJECT_ON_ALARM


@dataclass(frozen=True)
class QualityLimits:
    """Alarm above these. Defaults are loose enough that a normal re-run of the featurizer on a
    grown image set passes, tight enough that a broken one does not."""

    empty_images: float = 0.2  # share of images with no non-zero value
    duplicate_vectors: float = 0.2  # share of images sharing the most common non-empty vector
    images_dropped: float = 0.3  # share of the previous build's images missing
    features_missing: float = 0.1  # share of the previous build's features missing
    prevalence_shift: float = 20.0  # percentage points, largest move of one feature
    value_range: float = 0.01  # share of values outside the feature's previous range
    value_range_tolerance: float = 0.1  # how far outside counts, as a fraction of that range

    @classmethod
    def from_dict(cls, overrides: Mapping[str, float] | None = None) -> "QualityLimits":
        """Defaults with some limits replaced; an unknown name is a ValueError naming the known."""
        overrides = dict(overrides or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise ValueError(f"unknown quality limit(s) {', '.join(unknown)}; "
                             f"known: {', '.join(sorted(known))}")
        values = {}
        for name, value in overrides.items():
            try:
                values[name] = float(value)
            except (TypeError, ValueError):
                raise ValueError(f"quality limit {name} must be a number, not {value!r}") from None
        return replace(cls(), **values)


def run_checks(new: BuildMatrix, previous: BuildMatrix | None,
               limits: QualityLimits = QualityLimits()) -> list[dict]:
    """Every check, in a fixed order, as {"check", "value", "limit", "status", "message"}.
    Checks that need a previous build are "ok" with value None when there is none."""
    fingerprint = image_fingerprints(new)
    results = [_empty_images(new, fingerprint, limits.empty_images),
               _duplicate_vectors(new, fingerprint, limits.duplicate_vectors)]
    for name, check in (("images_dropped", _images_dropped),
                        ("features_missing", _features_missing),
                        ("prevalence_shift", _prevalence_shift),
                        ("value_range", _value_range)):
        if previous is None:
            results.append(_result(name, None, getattr(limits, name),
                                   "First build of this image source: nothing to compare with."))
        else:
            results.append(check(new, previous, limits))
    return results


def _result(check: str, value: float | None, limit: float, message: str) -> dict:
    alarm = value is not None and value > limit
    return {"check": check, "value": value, "limit": limit,
            "status": "alarm" if alarm else "ok", "message": message}


def _empty_images(new: BuildMatrix, fingerprint: np.ndarray, limit: float) -> dict:
    empty = fingerprint == 0
    share = float(empty.mean())
    what = (f"{_pct(share)} of images ({int(empty.sum()):,} of {new.n_images:,}) have no "
            "non-zero value")
    if share <= limit:
        return _result("empty_images", share, limit, f"{what} (limit {_pct(limit)}).")
    return _result("empty_images", share, limit, (
        f"{what}, e.g. {_names(new.image_names, np.flatnonzero(empty))}: the featurizer probably "
        "failed on them (missing or placeholder pictures). Check its log for these images, fix "
        "the input and send the build again."))


def _duplicate_vectors(new: BuildMatrix, fingerprint: np.ndarray, limit: float) -> dict:
    keys = np.sort(fingerprint[fingerprint != 0])
    share, examples = 0.0, ""
    if len(keys):
        starts = np.flatnonzero(np.diff(keys, prepend=-1.0))  # fingerprints are >= 0
        runs = np.diff(starts, append=len(keys))
        top = int(np.argmax(runs))
        if runs[top] >= 2:
            share = float(runs[top] / new.n_images)
            same = np.flatnonzero(fingerprint == keys[starts[top]])
            examples = f", e.g. {_names(new.image_names, same)}"
    what = f"{_pct(share)} of images share one non-empty feature vector"
    if share <= limit:
        return _result("duplicate_vectors", share, limit, f"{what} (limit {_pct(limit)}).")
    return _result("duplicate_vectors", share, limit, (
        f"{what}{examples}: the featurizer likely returned a default output for pictures it could "
        "not read. Look at those images and the featurizer's log; if identical vectors are normal "
        "for this featurizer (few, coarse features), raise the duplicate_vectors limit."))


def _images_dropped(new: BuildMatrix, previous: BuildMatrix, limits: QualityLimits) -> dict:
    limit = limits.images_dropped
    same = new.image_names == previous.image_names  # the common re-run: no set needed
    missing = [] if same else sorted(set(previous.image_names).difference(new.image_names))
    share = len(missing) / previous.n_images
    what = (f"{_pct(share)} of the previous build's images ({len(missing):,} of "
            f"{previous.n_images:,}) are missing")
    if share <= limit:
        return _result("images_dropped", share, limit, f"{what} (limit {_pct(limit)}).")
    return _result("images_dropped", share, limit, (
        f"{what}, e.g. {', '.join(map(repr, missing[:_EXAMPLES]))}. If the image set did not "
        "shrink on purpose, the job sent a partial delivery: check its input list and send the "
        "whole build again."))


def _features_missing(new: BuildMatrix, previous: BuildMatrix, limits: QualityLimits) -> dict:
    limit = limits.features_missing
    missing = sorted(set(previous.feature_names).difference(new.feature_names))
    added = sorted(set(new.feature_names).difference(previous.feature_names))
    share = len(missing) / previous.n_features if previous.n_features else 0.0
    what = (f"{_pct(share)} of the previous build's features ({len(missing)} of "
            f"{previous.n_features}) are missing")
    if share <= limit:
        return _result("features_missing", share, limit, f"{what} (limit {_pct(limit)}).")
    renamed = (f"; {len(added)} new feature(s) appeared, e.g. "
               f"{', '.join(map(repr, added[:_EXAMPLES]))}: renamed?" if added else "")
    return _result("features_missing", share, limit, (
        f"{what}, e.g. {', '.join(map(repr, missing[:_EXAMPLES]))}{renamed}. Check the "
        "featurizer's version and label names; comparisons with earlier builds lose these "
        "features."))


def feature_prevalence(matrix: BuildMatrix) -> dict[str, float]:
    """Percentage of the build's images with v > 0, per feature name."""
    # Each feature's values are sorted ascending: its positive values are a suffix.
    ptr, values = matrix.col_ptr.tolist(), matrix.values
    counts = [hi - lo - int(np.searchsorted(values[lo:hi], 0.0, side="right"))
              for lo, hi in zip(ptr[:-1], ptr[1:])]
    n = max(matrix.n_images, 1)
    return {name: 100.0 * c / n for name, c in zip(matrix.feature_names, counts)}


def _prevalence_shift(new: BuildMatrix, previous: BuildMatrix, limits: QualityLimits) -> dict:
    limit = limits.prevalence_shift
    before, after = feature_prevalence(previous), feature_prevalence(new)
    names = sorted(set(before) | set(after))  # a new or gone feature counts from/to 0%
    shift = {f: after.get(f, 0.0) - before.get(f, 0.0) for f in names}
    worst = sorted(names, key=lambda f: (-abs(shift[f]), f))
    largest = abs(shift[worst[0]]) if worst else 0.0
    if largest <= limit:
        return _result("prevalence_shift", largest, limit, (
            f"No feature's prevalence moved more than {limit:g} percentage points "
            f"(largest: {largest:.1f})."))
    moved = [f for f in worst if abs(shift[f]) > limit]
    listed = "; ".join(f"{f!r} {before.get(f, 0.0):.1f}% -> {after.get(f, 0.0):.1f}%"
                       for f in moved[:5])
    more = f" and {len(moved) - 5} more" if len(moved) > 5 else ""
    return _result("prevalence_shift", largest, limit, (
        f"{len(moved)} feature(s) moved more than {limit:g} percentage points since the previous "
        f"build: {listed}{more}. A new featurizer version or a different image set does this; "
        "check which, and compare the two builds before trusting changes in impact."))


def _value_range(new: BuildMatrix, previous: BuildMatrix, limits: QualityLimits) -> dict:
    """Share of the new build's values (of features with values in both builds) outside
    [lo - tol, hi + tol], where [lo, hi] is the feature's previous range including 0 and
    tol = value_range_tolerance * (hi - lo)."""
    limit, tolerance = limits.value_range, limits.value_range_tolerance
    prev_pos = {name: f for f, name in enumerate(previous.feature_names)}
    outside, total, offenders = 0, 0, []
    for f, name in enumerate(new.feature_names):
        p = prev_pos.get(name)
        if p is None or previous.col_ptr[p] == previous.col_ptr[p + 1]:
            continue  # no previous values: no range to compare with
        lo, hi = _range(previous, p)
        lo, hi = lo - tolerance * (hi - lo), hi + tolerance * (hi - lo)
        vals = new.values[new.col_ptr[f]:new.col_ptr[f + 1]]  # ascending
        out = (int(np.searchsorted(vals, lo, side="left"))
               + len(vals) - int(np.searchsorted(vals, hi, side="right")))
        outside, total = outside + out, total + len(vals)
        if out:
            offenders.append((out / len(vals), name, _range(previous, p), _range(new, f)))
    share = outside / total if total else 0.0
    what = f"{_pct(share)} of values lie outside their feature's range in the previous build"
    if share <= limit:
        return _result("value_range", share, limit, f"{what} (limit {_pct(limit)}).")
    offenders.sort(key=lambda o: (-o[0], o[1]))
    listed = "; ".join(f"{name!r} now {a:g}..{b:g}, before {c:g}..{d:g}"
                       for _, name, (c, d), (a, b) in offenders[:5])
    return _result("value_range", share, limit, (
        f"{what}: {listed}. The featurizer's scale changed (e.g. probabilities became "
        "percentages or raw scores): check its version; saved thresholds no longer mean the same."))


def _range(matrix: BuildMatrix, f: int) -> tuple[float, float]:
    """(min, max) of feature f's values including the implicit 0s."""
    lo, hi = matrix.col_ptr[f], matrix.col_ptr[f + 1]
    if lo == hi:
        return 0.0, 0.0
    return min(0.0, float(matrix.values[lo])), max(0.0, float(matrix.values[hi - 1]))


def _pct(share: float) -> str:
    return f"{100 * share:.1f}%"


def _names(names: list[str], indices: np.ndarray) -> str:
    return ", ".join(repr(names[i]) for i in indices[:_EXAMPLES])
