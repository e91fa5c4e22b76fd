"""What every body check shares: how offenders are listed and how values are named."""

from __future__ import annotations

import json

MAX_OFFENDERS = 10
# What every refused NUL says, wherever it is (names in bodies, headers, parameters): PostgreSQL
# text cannot hold it, so no backend stores it.
NUL_PROBLEM = "contains a NUL character (U+0000), which cannot be stored; remove it"


def offender_message(what: str, offenders: list, total: int) -> str:
    more = f" (showing the first {len(offenders)} of {total})" if total > len(offenders) else ""
    return f"{what}{more}."


def short_repr(v: object) -> str:
    text = json.dumps(v, ensure_ascii=False, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


def json_type(v: object) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null",
            int: "number", float: "number"}.get(type(v), type(v).__name__)
