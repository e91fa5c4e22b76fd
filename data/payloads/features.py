"""Checking a features body (`{image: {feature: number or null}}`) into coordinate arrays."""

from __future__ import annotations

from itertools import chain

import numpy as np

from data.domain.errors import InvalidPayload
from data.domain.matrix import FeatureTable
from data.domain.names import MAX_FEATURE_NAME, MAX_IMAGE_NAME
from data.payloads.common import MAX_OFFENDERS, json_type, offender_message, short_repr


def validate_features(obj: object) -> FeatureTable:
    """Check a `{image_name: {feature: number or null}}` object; null and missing count as 0."""
    shape_hint = 'Send a JSON object {"image name": {"feature": number or null, ...}, ...}.'
    if not isinstance(obj, dict):
        raise InvalidPayload("wrong_shape",
                           f"The body is a JSON {json_type(obj)}, not an object. {shape_hint}")
    if not obj:
        raise InvalidPayload("empty_payload", f"The body has no images. {shape_hint}")
    image_names = list(obj.keys())
    per_image = list(obj.values())

    bad = [(name, d) for name, d in zip(image_names, per_image) if type(d) is not dict]
    if bad:
        details = [{"image": n, "problem": f"value is a JSON {json_type(d)}, not an object"}
                   for n, d in bad[:MAX_OFFENDERS]]
        raise InvalidPayload("wrong_shape", offender_message(
            f"{len(bad)} image(s) map to something other than an object of features. {shape_hint}",
            details, len(bad)), details)
    if "" in obj:
        raise InvalidPayload("empty_name", "An image has an empty name; give every image a name.",
                           [{"image": ""}])

    counts = np.fromiter(map(len, per_image), dtype=np.int64, count=len(per_image))
    try:
        cols, values, feature_names = _columns(per_image, int(counts.sum()))
    except (TypeError, OverflowError):
        _raise_bad_values(image_names, per_image)
    finite = np.isfinite(values)
    if not finite.all():  # nulls (NaN here) become 0; an infinity is a bad value
        if np.isinf(values).any():
            _raise_bad_values(image_names, per_image)
        values[~finite] = 0.0

    _check_name_lengths(image_names, feature_names)
    rows = np.repeat(np.arange(len(image_names), dtype=np.int64), counts)
    if "" in feature_names:
        k = feature_names.index("")
        first = int(rows[np.flatnonzero(cols == k)[0]])
        raise InvalidPayload("empty_name", "A feature has an empty name; give every feature a name.",
                           [{"image": image_names[first], "feature": ""}])
    return FeatureTable(image_names, feature_names, rows, cols, values)


# Images per slice of the payload converted at once: small enough that the second pass over a
# slice's values (conversion after the type check) finds them still in the CPU cache.
_IMAGES_PER_SLICE = 256
_VALUE_TYPES = frozenset({float, int, type(None)})


class _FeatureCodes(dict):
    """feature name -> column, numbered in first-seen order as names are looked up."""

    def __missing__(self, name: str) -> int:
        code = self[name] = len(self)
        return code


def _columns(per_image: list[dict], n_values: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(column of each value, values as float64 with null -> NaN, feature names) of the
    per-image dicts, in payload order. Raises TypeError on a value that is not a number or
    null (booleans included) and OverflowError on an integer beyond float range."""
    codes = _FeatureCodes()
    cols = np.empty(n_values, dtype=np.int64)
    values = np.empty(n_values, dtype=np.float64)
    pos = 0
    for start in range(0, len(per_image), _IMAGES_PER_SLICE):
        part = per_image[start:start + _IMAGES_PER_SLICE]
        vals = list(chain.from_iterable(map(dict.values, part)))
        if not _VALUE_TYPES.issuperset(map(type, vals)):
            raise TypeError("a value is not a number or null")
        end = pos + len(vals)
        values[pos:end] = vals  # None -> NaN
        cols[pos:end] = np.fromiter(map(codes.__getitem__, chain.from_iterable(part)),
                                    dtype=np.int64, count=len(vals))
        pos = end
    return cols, values, list(codes)


def _check_name_lengths(image_names: list[str], feature_names: list[str]) -> None:
    """InvalidPayload (422) when an image or feature name is over its limit
    (data/domain/names.py), listing the first offenders."""
    for what, names, limit in (("feature", feature_names, MAX_FEATURE_NAME),
                               ("image", image_names, MAX_IMAGE_NAME)):
        if max(map(len, names), default=0) <= limit:
            continue
        long = [n for n in names if len(n) > limit]
        details = [{what: n[:60] + "…", "length": len(n), "limit": limit}
                   for n in long[:MAX_OFFENDERS]]
        raise InvalidPayload("name_too_long", offender_message(
            f"{len(long)} {what} name(s) are longer than {limit} characters, the limit for "
            f"{what} names; shorten them where they are made", details, len(long)), details)


def _raise_bad_values(image_names: list[str], per_image: list[dict]) -> None:
    details, total = [], 0
    for name, feats in zip(image_names, per_image):
        for feat, v in feats.items():
            if v is None or (type(v) in (int, float) and abs(v) <= 1.7e308):  # NaN fails too
                continue
            total += 1
            if len(details) < MAX_OFFENDERS:
                details.append({"image": name, "feature": feat, "value": short_repr(v),
                                "problem": _value_problem(v)})
    raise InvalidPayload("bad_value", offender_message(
        f"{total} feature value(s) are not finite numbers or null", details, total), details)


def _value_problem(v: object) -> str:
    if isinstance(v, bool):
        return "a boolean; send 1 or 0"
    if isinstance(v, (int, float)):
        return "not a finite number (too large or NaN/Infinity)"
    return f"a JSON {json_type(v)}; send a number or null"
