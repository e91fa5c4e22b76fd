"""Checking a features body (`{image: {feature: number or null}}`) into coordinate arrays."""

from __future__ import annotations

from itertools import chain
from operator import itemgetter
from typing import Callable

import numpy as np
import orjson

from data.domain.errors import DomainError, InvalidPayload
from data.domain.matrix import FeatureTable
from data.payloads.charset import UTF8_BOM
from data.payloads.common import (MAX_OFFENDERS, NUL_PROBLEM, json_type, name_limit,
                                  name_problem, offender_message, short_repr, shown_name)
from data.payloads.duplicates import reject_repeated_keys, reject_repeated_keys_exactly
from data.payloads.json_body import parse_json
from data.payloads.json_halves import (ChildFailed, Forked, first_half, second_half, split_point,
                                       worth_splitting)


# Bodies from this size up are read in two processes at once (data/payloads/json_halves.py):
# below it the fork costs more than the second core saves. The server's PARALLEL_PARSE_BYTES.
PARALLEL_PARSE_BYTES = 16 * 1024 * 1024


def features_from_json(raw: bytes, parallel_from: int = PARALLEL_PARSE_BYTES) -> FeatureTable:
    """The checked table of a UTF-8 features body; an image named twice, or a feature named
    twice in one image, is refused like any other bad value (nothing is kept silently). A body
    of `parallel_from` bytes or more (0: none) is read by two processes at once."""
    table = None
    if worth_splitting(raw, parallel_from):
        table = _in_halves(raw[len(UTF8_BOM):] if raw.startswith(UTF8_BOM) else raw)
    if table is None:
        table = validate_features(parse_json(raw))
    n_features = len(table.feature_names)

    def string_colons() -> int:
        per_feature = np.bincount(table.cols, minlength=n_features)
        colons = np.fromiter((f.count(":") for f in table.feature_names), dtype=np.int64,
                             count=n_features)
        return "\n".join(table.image_names).count(":") + int(per_feature @ colons)

    reject_repeated_keys(raw, len(table.image_names) + len(table.cols), string_colons,
                         ("image", "feature"))
    return table


def _in_halves(raw: bytes) -> FeatureTable | None:
    """The table of `raw` from its two halves, the first read by a child process, or None when
    the body cannot be cut or either half fails (the caller then reads the whole body, whose
    errors speak of the whole body)."""
    cut = split_point(raw)
    if cut is None:
        return None
    try:
        # a second half of "{}" (nothing after the cut but ",}") is refused as empty
        return tables_in_halves(lambda: first_half(raw, cut), lambda: second_half(raw, cut),
                                lambda half: validate_features(parse_json(half)))
    except RepeatedAcrossHalves:
        reject_repeated_keys_exactly(raw, ("image", "feature"))
        return None


def tables_in_halves(first: Callable[[], bytes], second: Callable[[], bytes],
                     read: Callable[[bytes], FeatureTable]) -> FeatureTable | None:
    """`read(first())` in a forked child and `read(second())` here, joined into the table of
    the whole body; None when either fails (DomainError) or the child does. An image in both
    halves raises RepeatedAcrossHalves. Shared by the JSON and NDJSON readers."""
    try:
        with Forked(lambda: _table_bytes(read(first()))) as child:
            try:
                this_half = read(second())
            except DomainError:
                return None
            return _joined(child, this_half)
    except ChildFailed:
        return None


class RepeatedAcrossHalves(Exception):
    """An image named in both halves (a single parse would have kept its last object)."""


def _table_bytes(table: FeatureTable) -> list:
    """A half's table as the child sends it: sizes, names (JSON), values per image, codes,
    values."""
    names = orjson.dumps([table.image_names, table.feature_names])
    per_image = np.bincount(table.rows, minlength=len(table.image_names))
    sizes = np.array([len(names), len(table.image_names), len(table.values)], dtype=np.int64)
    return [sizes, names, per_image.astype(np.int64), table.cols, table.values]


def _joined(child: Forked, second: FeatureTable) -> FeatureTable:
    """The whole body's table: the child's half (read from it) then `second`, feature codes
    numbered in order of first appearance as one parse numbers them."""
    name_bytes, n_images, n_values = child.read_array(3, np.int64).tolist()
    names = bytearray(name_bytes)
    child.read_into(names)
    image_names, feature_names = orjson.loads(names)
    counts = np.empty(n_images + len(second.image_names), dtype=np.int64)
    child.read_into(counts[:n_images])
    counts[n_images:] = np.bincount(second.rows, minlength=len(second.image_names))
    total = n_values + len(second.values)
    cols, values = np.empty(total, dtype=np.int64), np.empty(total, dtype=np.float64)
    child.read_into(cols[:n_values])
    child.read_into(values[:n_values])
    codes = {name: k for k, name in enumerate(feature_names)}
    for name in second.feature_names:
        codes.setdefault(name, len(codes))
    recode = np.fromiter(map(codes.__getitem__, second.feature_names), dtype=np.int64,
                         count=len(second.feature_names))
    np.take(recode, second.cols, out=cols[n_values:])
    values[n_values:] = second.values
    image_names += second.image_names
    if len(set(image_names)) != len(image_names):
        raise RepeatedAcrossHalves
    rows = np.repeat(np.arange(len(image_names), dtype=np.int64), counts)
    return FeatureTable(image_names, list(codes), rows, cols, values)


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

    _check_names(image_names, feature_names)
    rows = np.repeat(np.arange(len(image_names), dtype=np.int64), counts)
    if "" in feature_names:
        k = feature_names.index("")
        first = int(rows[np.flatnonzero(cols == k)[0]])
        raise InvalidPayload("empty_name", "A feature has an empty name; give every feature a name.",
                           [{"image": image_names[first], "feature": ""}])
    return FeatureTable(image_names, feature_names, rows, cols, values)


def _check_names(image_names: list[str], feature_names: list[str]) -> None:
    check_label_names("image", image_names)
    check_label_names("feature", feature_names)


def check_label_names(label: str, names: list[str]) -> None:
    """InvalidPayload listing `label` ("image" or "feature") names that cannot be stored: a NUL
    character (bad_name), or longer than the limit of their kind (name_too_long,
    data/domain/names.py), first offenders shown. Every body format calls it."""
    if "\x00" in "".join(names):
        bad = [n for n in names if "\x00" in n]
        details = [{label: shown_name(n), "problem": f"the {label} name {NUL_PROBLEM}"}
                   for n in bad[:MAX_OFFENDERS]]
        raise InvalidPayload("bad_name", offender_message(
            f"{len(bad)} {label} name(s) contain a NUL character, which cannot be stored",
            details, len(bad)), details)
    limit = name_limit(label)
    if max(map(len, names), default=0) <= limit:
        return  # the common case, checked without a call per name
    long = [n for n in names if len(n) > limit]
    details = [{label: shown_name(n), "problem": name_problem(label, n),
                "length": len(n), "limit": limit} for n in long[:MAX_OFFENDERS]]
    raise InvalidPayload("name_too_long", offender_message(
        f"{len(long)} {label} name(s) are longer than {limit} characters, the limit for "
        f"{label} names; shorten them where they are made", details, len(long)), details)


# Images per slice of the payload converted at once: small enough that the second pass over a
# slice's values (conversion after the type check) finds them still in the CPU cache.
_IMAGES_PER_SLICE = 256
_NONE_TYPE = type(None)


def _columns(per_image: list[dict], n_values: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(column of each value, values as float64 with null -> NaN, feature names in first-seen
    order) of the per-image dicts, in payload order. Raises TypeError on a value that is not a
    number or null (booleans included) and OverflowError on an integer beyond float range."""
    codes: dict[str, int] = {}
    cols, values = fill_columns(per_image, n_values, codes)
    return cols, values, list(codes)


def fill_columns(per_image: list[dict], n_values: int,
                 codes: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """(feature code of each value, values as float64 with null -> NaN) of per-image feature
    dicts holding `n_values` values in all; `codes` numbers feature names in order of first
    appearance and is extended in place, so a reader of batches (NDJSON) numbers them across
    batches. Raises TypeError on a value that is not a number or null (booleans included) and
    OverflowError on an integer beyond float range."""
    cols = np.empty(n_values, dtype=np.int64)
    values = np.empty(n_values, dtype=np.float64)
    pos = 0
    for start in range(0, len(per_image), _IMAGES_PER_SLICE):
        part = per_image[start:start + _IMAGES_PER_SLICE]
        vals = list(chain.from_iterable(map(dict.values, part)))
        if not vals:
            continue
        # Counting types in a list (identity compares in C) is ~2x a set lookup per value;
        # a count that matches the slice's first type is one pass of identity hits.
        n = len(vals)
        end = pos + n
        types = list(map(type, vals))
        first = types[0]
        if first is float and types.count(float) == n:
            values[pos:end] = vals
        elif first is int and types.count(int) == n:
            # Integers (counts, 0/1 flags): through int64, ~2x numpy's conversion of Python
            # ints to float64 one by one. One beyond int64 takes the general path (and one
            # beyond float range fails there, as it must).
            try:
                values[pos:end] = np.fromiter(vals, np.int64, n)
            except OverflowError:
                values[pos:end] = vals
        else:
            if types.count(float) + types.count(int) + types.count(_NONE_TYPE) != n:
                raise TypeError("a value is not a number or null")
            values[pos:end] = vals  # None -> NaN
        keys = list(chain.from_iterable(part))
        try:
            cols[pos:end] = _codes_of(keys, codes)
        except KeyError:  # names not seen before: number them in order of appearance
            for name in keys:
                if name not in codes:
                    codes[name] = len(codes)
            cols[pos:end] = _codes_of(keys, codes)
        pos = end
    return cols, values


def _codes_of(keys: list[str], codes: dict[str, int]):
    """The code of every key, one C call for the lookups (KeyError on a new name); np.fromiter
    reads the tuple of ints ~25% faster than assigning the tuple to an array slice."""
    if len(keys) == 1:
        return codes[keys[0]]
    return np.fromiter(itemgetter(*keys)(codes), dtype=np.int64, count=len(keys))


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
