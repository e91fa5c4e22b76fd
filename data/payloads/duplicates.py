"""Keys a JSON object repeats. orjson, like most JSON parsers, keeps the last of them silently;
a body that names an image (or a feature of one image) twice is refused instead, as the CSV
reader refuses an image listed twice.

Finding them exactly means parsing again in Python (several seconds at 100 MB), so the exact
check runs only when a cheap count cannot prove there are none (docs/api.md, "Repeated keys"):

Every member of a JSON object is written with exactly one ':' outside strings, and a ':' byte
never appears outside strings otherwise. So for a parsed body with P members in all, whose
strings hold C colons:

    colons in the raw bytes = members written + colons in the strings as written
                           >= P + C

with equality only when no member was dropped — provided no colon is written as an escape
(\\u003a), which the proof then does not cover. Counting the colons of the 100 MB body of
100k x 480 features takes ~25 ms (numpy, in cache-sized slices; bytes.count takes ~10x longer),
against ~600 ms for orjson to parse it (bench/repeat_check.py).
"""

from __future__ import annotations

import json
from typing import Callable

import numpy as np

from data.domain.errors import InvalidPayload
from data.payloads.common import MAX_OFFENDERS, offender_message

_ESCAPED_COLON_PREFIX = b"\\u003"  # \u003a or \u003A (and, conservatively, \u0030-\u003f)
_SLICE = 1 << 18  # bytes compared at once: the comparison's result stays in the CPU cache


def reject_repeated_keys(raw: bytes, members: int, string_colons: Callable[[], int],
                         names: tuple[str, ...]) -> None:
    """InvalidPayload listing the repeated keys of the JSON `raw`, whose parsed form has
    `members` object members in all and `string_colons()` colons in its keys and string values.
    `names` says what the keys are at each depth (e.g. ("image", "feature"))."""
    colons = count_byte(raw, b":")
    if colons == members:
        return
    if colons == members + string_colons() and not _may_escape_a_colon(raw):
        return
    reject_repeated_keys_exactly(raw, names)


def _may_escape_a_colon(raw: bytes) -> bool:
    # Most bodies have no backslash at all, which numpy tells faster than a substring search.
    return count_byte(raw, b"\\") > 0 and _ESCAPED_COLON_PREFIX in raw


def count_byte(raw: bytes, byte: bytes) -> int:
    """How many times the single byte `byte` occurs in `raw`."""
    values = np.frombuffer(raw, dtype=np.uint8)
    code = byte[0]
    return sum(int(np.count_nonzero(values[i:i + _SLICE] == code))
               for i in range(0, len(values), _SLICE))


def reject_repeated_keys_exactly(raw: bytes, names: tuple[str, ...]) -> None:
    """InvalidPayload listing the repeated keys of the (already valid) JSON `raw`."""
    repeats = repeated_keys(raw)
    if not repeats:
        return
    details = []
    for path, key, times in repeats[:MAX_OFFENDERS]:
        entry = {names[min(i, len(names) - 1)]: k for i, k in enumerate(path + [key])}
        details.append({**entry, "times": times})
    what = " and ".join(f"{n}s" for n in names[:2])
    raise InvalidPayload("duplicate_keys", offender_message(
        f"{len(repeats)} key(s) appear more than once in one object ({what} must each be named "
        "once; a JSON parser would silently keep only the last), so nothing was stored",
        details, len(repeats)), details)


class _Object(dict):
    """A parsed JSON object that remembers the keys it was written with more than once."""

    repeated: list[tuple[str, int]] = []


def repeated_keys(raw: bytes) -> list[tuple[list[str], str, int]]:
    """(path to the object, key, times written) of every repeated key of the JSON `raw`, in
    document order."""

    def pairs_hook(pairs: list) -> _Object:
        obj = _Object(pairs)
        if len(obj) != len(pairs):
            counts: dict[str, int] = {}
            for k, _ in pairs:
                counts[k] = counts.get(k, 0) + 1
            obj.repeated = [(k, n) for k, n in counts.items() if n > 1]
        return obj

    text = raw.decode("utf-8-sig")
    value = json.loads(text, object_pairs_hook=pairs_hook)
    found: list[tuple[list[str], str, int]] = []
    stack = [([], value)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, _Object):
            found.extend((path, k, n) for k, n in node.repeated)
            stack.extend((path + [k], v) for k, v in reversed(node.items())
                         if isinstance(v, (_Object, list)))
        elif isinstance(node, list):
            stack.extend((path + [str(i)], v) for i, v in reversed(list(enumerate(node)))
                         if isinstance(v, (_Object, list)))
    return found
