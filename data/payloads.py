"""Validation of the bodies Jenkins and people send: features and metrics.

Pure functions from parsed JSON (or CSV text) to arrays; every rejection is a `RequestError`
carrying the HTTP status, a machine code, a message that says how to fix it, and the first
offenders. Nothing here touches the database.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass, field
from itertools import chain
from operator import itemgetter

import numpy as np
import orjson

MAX_OFFENDERS = 10


@dataclass
class RequestError(Exception):
    """A request the client must fix; maps 1:1 onto the API's error body."""

    status: int
    code: str
    message: str
    details: list = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"

    def body(self) -> dict:
        return {"error": self.code, "message": self.message, "details": self.details}


def parse_json(raw: bytes) -> object:
    """Parse a JSON body. Malformed JSON is 400 with its position; NaN/Infinity (which some
    senders write) is 422 as a non-finite number, pointing at the first one."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno} (byte {exc.pos})"
        if _has_non_finite_literal(raw):
            raise RequestError(
                422, "non_finite_number",
                f"The body has a non-finite number (NaN or Infinity) near {where}. "
                "Send null for a missing value, or a finite number.",
                [{"line": exc.lineno, "column": exc.colno, "position": exc.pos}],
            ) from None
        raise RequestError(
            400, "malformed_json",
            f"The body is not valid JSON: {exc.msg} at {where}.",
            [{"line": exc.lineno, "column": exc.colno, "position": exc.pos}],
        ) from None


def _has_non_finite_literal(raw: bytes) -> bool:
    """True when the body is JSON only if NaN / Infinity / out-of-range numbers are allowed."""
    try:
        json.loads(raw)
    except (ValueError, RecursionError):
        return False
    return True


def _offender_message(what: str, offenders: list, total: int) -> str:
    more = f" (showing the first {len(offenders)} of {total})" if total > len(offenders) else ""
    return f"{what}{more}."


# ---------------------------------------------------------------------------------------------
# Features


@dataclass(frozen=True)
class FeatureTable:
    """A validated features payload as coordinates: entry k is (image row[k], feature col[k])."""

    image_names: list[str]
    feature_names: list[str]
    rows: np.ndarray  # int64 index into image_names
    cols: np.ndarray  # int64 index into feature_names
    values: np.ndarray  # float64, finite, nulls already 0


def validate_features(obj: object) -> FeatureTable:
    """Check a `{image_name: {feature: number or null}}` object; null and missing count as 0."""
    shape_hint = 'Send a JSON object {"image name": {"feature": number or null, ...}, ...}.'
    if not isinstance(obj, dict):
        raise RequestError(422, "wrong_shape",
                           f"The body is a JSON {_json_type(obj)}, not an object. {shape_hint}")
    if not obj:
        raise RequestError(422, "empty_payload", f"The body has no images. {shape_hint}")
    image_names = list(obj.keys())
    per_image = list(obj.values())

    bad = [(name, d) for name, d in zip(image_names, per_image) if type(d) is not dict]
    if bad:
        details = [{"image": n, "problem": f"value is a JSON {_json_type(d)}, not an object"}
                   for n, d in bad[:MAX_OFFENDERS]]
        raise RequestError(422, "wrong_shape", _offender_message(
            f"{len(bad)} image(s) map to something other than an object of features. {shape_hint}",
            details, len(bad)), details)
    if "" in obj:
        raise RequestError(422, "empty_name", "An image has an empty name; give every image a name.",
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

    rows = np.repeat(np.arange(len(image_names), dtype=np.int64), counts)
    if "" in feature_names:
        k = feature_names.index("")
        first = int(rows[np.flatnonzero(cols == k)[0]])
        raise RequestError(422, "empty_name", "A feature has an empty name; give every feature a name.",
                           [{"image": image_names[first], "feature": ""}])
    return FeatureTable(image_names, feature_names, rows, cols, values)


# Images per slice of the payload converted at once: small enough that the second pass over a
# slice's values (conversion after the type check) finds them still in the CPU cache.
_IMAGES_PER_SLICE = 256
_NONE_TYPE = type(None)


def _columns(per_image: list[dict], n_values: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(column of each value, values as float64 with null -> NaN, feature names in first-seen
    order) of the per-image dicts, in payload order. Raises TypeError on a value that is not a
    number or null (booleans included) and OverflowError on an integer beyond float range."""
    codes: dict[str, int] = {}
    cols = np.empty(n_values, dtype=np.int64)
    values = np.empty(n_values, dtype=np.float64)
    pos = 0
    for start in range(0, len(per_image), _IMAGES_PER_SLICE):
        part = per_image[start:start + _IMAGES_PER_SLICE]
        vals = list(chain.from_iterable(map(dict.values, part)))
        if not vals:
            continue
        # Counting types in a list (identity compares in C) is ~2x a set lookup per value.
        types = list(map(type, vals))
        n_ok = types.count(float)
        if n_ok != len(types):
            n_ok += types.count(int) + types.count(_NONE_TYPE)
        if n_ok != len(types):
            raise TypeError("a value is not a number or null")
        end = pos + len(vals)
        values[pos:end] = vals  # None -> NaN
        keys = list(chain.from_iterable(part))
        try:
            cols[pos:end] = itemgetter(*keys)(codes)  # one C loop of lookups
        except KeyError:  # names not seen before: number them in order of appearance
            for name in keys:
                if name not in codes:
                    codes[name] = len(codes)
            cols[pos:end] = itemgetter(*keys)(codes)
        pos = end
    return cols, values, list(codes)


def _raise_bad_values(image_names: list[str], per_image: list[dict]) -> None:
    details, total = [], 0
    for name, feats in zip(image_names, per_image):
        for feat, v in feats.items():
            if v is None or (type(v) in (int, float) and abs(v) <= 1.7e308):  # NaN fails too
                continue
            total += 1
            if len(details) < MAX_OFFENDERS:
                details.append({"image": name, "feature": feat, "value": _short_repr(v),
                                "problem": _value_problem(v)})
    raise RequestError(422, "bad_value", _offender_message(
        f"{total} feature value(s) are not finite numbers or null", details, total), details)


def _value_problem(v: object) -> str:
    if isinstance(v, bool):
        return "a boolean; send 1 or 0"
    if isinstance(v, (int, float)):
        return "not a finite number (too large or NaN/Infinity)"
    return f"a JSON {_json_type(v)}; send a number or null"


def _short_repr(v: object) -> str:
    text = json.dumps(v, ensure_ascii=False, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


def _json_type(v: object) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null",
            int: "number", float: "number"}.get(type(v), type(v).__name__)


# ---------------------------------------------------------------------------------------------
# Metrics


@dataclass(frozen=True)
class MetricRow:
    image: str
    impressions: int | None
    clicks: int | None
    ctr: float | None


def validate_metrics_json(obj: object) -> list[MetricRow]:
    """Check `{image: {"impressions": int, "clicks": int}}` or `{image: {"ctr": float}}`."""
    hint = ('Send {"image name": {"impressions": 1000, "clicks": 12}, ...} or '
            '{"image name": {"ctr": 0.012}, ...}.')
    if not isinstance(obj, dict):
        raise RequestError(422, "wrong_shape", f"The body is a JSON {_json_type(obj)}, not an object. {hint}")
    if not obj:
        raise RequestError(422, "empty_payload", f"The body has no images. {hint}")
    rows, details, total = [], [], 0
    for name, m in obj.items():
        try:
            if type(m) is not dict:
                raise ValueError(f"value is a JSON {_json_type(m)}, not an object")
            unknown = set(m) - {"impressions", "clicks", "ctr"}
            if unknown:
                raise ValueError(f"unknown field(s) {sorted(unknown)}; use impressions+clicks or ctr")
            rows.append(_metric_row(name, m.get("impressions"), m.get("clicks"), m.get("ctr")))
        except ValueError as exc:
            total += 1
            if len(details) < MAX_OFFENDERS:
                details.append({"image": name, "problem": str(exc)})
    if total:
        raise RequestError(422, "bad_metrics", _offender_message(
            f"{total} image(s) have unusable metrics. {hint}", details, total), details)
    return rows


def validate_metrics_csv(text: str) -> list[MetricRow]:
    """Check CSV with header `image,impressions,clicks` or `image,ctr`."""
    hint = "The first line must be `image,impressions,clicks` or `image,ctr`."
    reader = _csv_records(text)
    header = next(reader, None)
    if header is None:
        raise RequestError(422, "empty_payload", f"The CSV body is empty. {hint}")
    header = [h.strip().lower() for h in header]
    if header not in (["image", "impressions", "clicks"], ["image", "ctr"]):
        raise RequestError(422, "wrong_shape", f"Unexpected CSV header {header}. {hint}")
    rows, details, total, seen = [], [], 0, set()
    for lineno, rec in enumerate(reader, start=2):
        if not rec:
            continue
        try:
            if len(rec) != len(header):
                raise ValueError(f"expected {len(header)} columns, got {len(rec)}")
            name = rec[0]
            if name in seen:
                raise ValueError("image listed twice")
            seen.add(name)
            if len(header) == 3:
                rows.append(_metric_row(name, _csv_int(rec[1]), _csv_int(rec[2]), None))
            else:
                rows.append(_metric_row(name, None, None, _csv_float(rec[1])))
        except ValueError as exc:
            total += 1
            if len(details) < MAX_OFFENDERS:
                details.append({"line": lineno, "image": rec[0] if rec else "", "problem": str(exc)})
    if total:
        raise RequestError(422, "bad_metrics", _offender_message(
            f"{total} CSV line(s) are unusable", details, total), details)
    if not rows:
        raise RequestError(422, "empty_payload", f"The CSV body has a header but no rows. {hint}")
    return rows


def _csv_records(text: str):
    """CSV records of `text`; what the csv module cannot read (a bare CR inside a field, a field
    over its size limit) is a 422 naming the line, not a crash."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        yield from reader
    except csv.Error as exc:
        raise RequestError(422, "bad_csv", f"The CSV body cannot be read at line "
                                           f"{reader.line_num}: {exc}.") from None


def _csv_int(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a whole number") from None


def _csv_float(text: str) -> float:
    try:
        return float(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a number") from None


def _metric_row(name: str, impressions: object, clicks: object, ctr: object) -> MetricRow:
    if name == "":
        raise ValueError("empty image name")
    if "\x00" in name:  # PostgreSQL text cannot hold NUL
        raise ValueError("the image name contains a NUL character")
    if impressions is None and clicks is None and ctr is None:
        raise ValueError("no impressions/clicks and no ctr")
    if (impressions is None) != (clicks is None):
        raise ValueError("impressions and clicks must be sent together")
    if impressions is not None:
        for label, v in (("impressions", impressions), ("clicks", clicks)):
            if type(v) is not int:
                raise ValueError(f"{label} must be a whole number, got {_short_repr(v)}")
            if v < 0 or v > 2**62:
                raise ValueError(f"{label} must be between 0 and 2^62, got {v}")
        if clicks > impressions:
            raise ValueError(f"clicks ({clicks}) exceed impressions ({impressions})")
    if ctr is not None:
        if type(ctr) not in (int, float) or not math.isfinite(ctr) or not 0 <= ctr <= 1:
            raise ValueError(f"ctr must be a number between 0 and 1, got {_short_repr(ctr)}")
        ctr = float(ctr)
    return MetricRow(name, impressions, clicks, ctr)


def outcome(impressions: int | None, clicks: int | None, ctr: float | None) -> float:
    """Image CTR per SPEC §5: clicks/impressions when impressions > 0, else ctr, else NaN."""
    if impressions:
        return clicks / impressions
    return ctr if ctr is not None else math.nan
