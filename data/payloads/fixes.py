"""Checking label-fix and saved-threshold bodies (docs/statistics.md, label fixes and thresholds)
into rows: every offender listed, nothing half-accepted."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from data.domain.errors import InvalidPayload
from data.payloads.common import MAX_OFFENDERS, json_type, offender_message, short_repr

MAX_NOTE = 2000  # characters
MAX_NAME = 1000  # image and feature names, characters
FIX_FIELDS = frozenset({"image", "feature", "present", "note"})
FIX_HINT = ('Send [{"image": "ad 1.jpg", "feature": "text", "present": false, '
            '"note": "only a logo"}, ...]; note is optional.')
THRESHOLD_HINT = 'Send {"feature": 0.62, "other feature": null} (null deletes a saved threshold).'


@dataclass(frozen=True)
class FixRow:
    """One fix as received. `person` and `at` are set by whoever stores it (the request's
    person or token and the time it arrived; the demo and imports give their own)."""

    image: str
    feature: str
    present: bool
    note: str | None = None
    person: str | None = None
    at: datetime | None = None


def validate_fixes_json(obj: object) -> list[FixRow]:
    """Check `[{"image", "feature", "present": true/false, "note"?}]` (at least one)."""
    if not isinstance(obj, list):
        raise InvalidPayload("wrong_shape", f"The body is a JSON {json_type(obj)}, not an array. "
                                            f"{FIX_HINT}")
    if not obj:
        raise InvalidPayload("empty_payload", f"The body has no fixes. {FIX_HINT}")
    rows, details, total = [], [], 0
    for k, item in enumerate(obj):
        try:
            rows.append(_fix_row(item))
        except ValueError as exc:
            total += 1
            if len(details) < MAX_OFFENDERS:
                details.append({"index": k, "problem": str(exc)})
    if total:
        raise InvalidPayload("bad_fixes", offender_message(
            f"{total} fix(es) are unusable. {FIX_HINT}", details, total), details)
    return rows


def _fix_row(item: object) -> FixRow:
    if type(item) is not dict:
        raise ValueError(f"the fix is a JSON {json_type(item)}, not an object")
    unknown = set(item) - FIX_FIELDS
    if unknown:
        raise ValueError(f"unknown field(s) {sorted(unknown)}; a fix has image, feature, "
                         "present and an optional note")
    image = _name(item, "image")
    feature = _name(item, "feature")
    present = item.get("present")
    if type(present) is not bool:
        raise ValueError(f"present must be true or false, got {short_repr(present)}")
    note = item.get("note")
    if note is not None:
        if not isinstance(note, str):
            raise ValueError(f"note must be text or null, got {short_repr(note)}")
        if "\x00" in note:
            raise ValueError("the note contains a NUL character")
        if len(note) > MAX_NOTE:
            raise ValueError(f"the note is over {MAX_NOTE} characters")
        note = note.strip() or None
    return FixRow(image, feature, present, note)


def _name(item: dict, field: str) -> str:
    value = item.get(field)
    if not isinstance(value, str) or value == "":
        raise ValueError(f"{field} must be a non-empty name, got {short_repr(value)}")
    if "\x00" in value:  # PostgreSQL text cannot hold NUL
        raise ValueError(f"the {field} name contains a NUL character")
    if len(value) > MAX_NAME:
        raise ValueError(f"the {field} name is over {MAX_NAME} characters")
    return value


def validate_thresholds_json(obj: object) -> dict[str, float | None]:
    """Check `{feature: finite number or null}` (at least one feature)."""
    if not isinstance(obj, dict):
        raise InvalidPayload("wrong_shape", f"The body is a JSON {json_type(obj)}, not an object. "
                                            f"{THRESHOLD_HINT}")
    if not obj:
        raise InvalidPayload("empty_payload", f"The body names no feature. {THRESHOLD_HINT}")
    out, details, total = {}, [], 0
    for feature, value in obj.items():
        problem = None
        if feature == "" or "\x00" in feature or len(feature) > MAX_NAME:
            problem = "the feature name is empty, too long or contains a NUL character"
        elif value is not None and (type(value) not in (int, float) or not math.isfinite(value)):
            problem = f"the threshold must be a finite number or null, got {short_repr(value)}"
        if problem:
            total += 1
            if len(details) < MAX_OFFENDERS:
                details.append({"feature": feature, "problem": problem})
        else:
            out[feature] = None if value is None else float(value)
    if total:
        raise InvalidPayload("bad_thresholds", offender_message(
            f"{total} threshold(s) are unusable. {THRESHOLD_HINT}", details, total), details)
    return out
