"""Decoding a JSON body: malformed JSON is named with its position, NaN/Infinity as such."""

from __future__ import annotations

import json

import orjson

from data.domain.errors import InvalidPayload, MalformedBody


def parse_json(raw: bytes) -> object:
    """Parse a JSON body. Malformed JSON is a MalformedBody with its position; NaN/Infinity
    (which some senders write) is an InvalidPayload naming the first non-finite number."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno} (byte {exc.pos})"
        if _has_non_finite_literal(raw):
            raise InvalidPayload(
                "non_finite_number",
                f"The body has a non-finite number (NaN or Infinity) near {where}. "
                "Send null for a missing value, or a finite number.",
                [{"line": exc.lineno, "column": exc.colno, "position": exc.pos}],
            ) from None
        raise MalformedBody(
            "malformed_json",
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
