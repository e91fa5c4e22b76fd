"""Decoding a JSON body: when it does not parse, the error names the real problem — its
encoding (UTF-16, invalid UTF-8 at byte N), a lone surrogate escape, NaN/Infinity, or the
syntax error with its position."""

from __future__ import annotations

import re

import orjson

from data.domain.errors import InvalidPayload, MalformedBody
from data.payloads.charset import UTF8_BOM, utf8_problem

_NON_FINITE = ("NaN", "Infinity", "-Infinity", "-NaN")
_SURROGATE_ESCAPE = re.compile(rb"\\u([dD][89a-fA-F][0-9a-fA-F]{2})")


def parse_json(raw: bytes) -> object:
    """Parse a UTF-8 JSON body (a leading byte-order mark is ignored). Not UTF-8, a lone surrogate or bad syntax is a MalformedBody
    naming it and where; NaN/Infinity (which some senders write) or a number beyond float
    range is an InvalidPayload naming the first one."""
    if raw.startswith(UTF8_BOM):  # RFC 8259 §8.1 lets a parser ignore it; Windows tools write it
        raw = raw[len(UTF8_BOM):]
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise _diagnosis(raw, exc) from None


def _diagnosis(raw: bytes, exc: orjson.JSONDecodeError) -> Exception:
    """The error that says why orjson refused `raw` (runs only on refused bodies)."""
    problem = utf8_problem(raw)
    if problem is not None:
        what, byte = problem
        return MalformedBody("bad_encoding", f"{what}: a JSON body must be UTF-8 (RFC 8259); "
                             "send UTF-8.", [{"position": byte}])
    text = raw.decode("utf-8")
    where = {"line": exc.lineno, "column": exc.colno, "position": exc.pos}
    at = f"line {exc.lineno}, column {exc.colno}"
    if "surrogate" in exc.msg:
        escape = _lone_surrogate(raw, len(text[:exc.pos].encode()))
        shown = f" \\u{escape}" if escape else ""
        return MalformedBody(
            "lone_surrogate",
            f"The body has a lone surrogate{shown} in a string at {at}: a \\uD800-\\uDFFF escape "
            "must be half of a pair. Send the character itself (UTF-8) or its full pair.",
            [where])
    rest = text[exc.pos - 1:exc.pos + 9] if exc.pos else text[:10]
    if "infinity" in exc.msg or any(rest[i:].startswith(_NON_FINITE) for i in (0, 1)):
        return InvalidPayload(
            "non_finite_number",
            f"The body has a non-finite number (NaN, Infinity or beyond float range) at {at}. "
            "Send null for a missing value, or a finite number.", [where])
    return MalformedBody("malformed_json", f"The body is not valid JSON: {exc.msg} at {at} "
                         f"(character {exc.pos}).", [where])


def _lone_surrogate(raw: bytes, start: int) -> str | None:
    """The hex of the first unpaired surrogate escape at or after byte `start`, or None."""
    pos = max(0, start - 1)
    while m := _SURROGATE_ESCAPE.search(raw, pos):
        pos = m.end()
        i = m.start() - 1
        while i >= 0 and raw[i] == 0x5C:  # backslashes right before this one
            i -= 1
        if (m.start() - 1 - i) % 2:  # "\\ud800": an escaped backslash, then plain text
            continue
        code = m.group(1).decode().lower()
        if code[1] in "89ab":  # a high surrogate: paired when a low one follows at once
            nxt = _SURROGATE_ESCAPE.match(raw, m.end())
            if nxt and nxt.group(1).decode().lower()[1] in "cdef":
                pos = nxt.end()
                continue
        return code
    return None
