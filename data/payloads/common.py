"""What every body check shares: how offenders are listed and how values are named."""

from __future__ import annotations

import json

from data.domain.names import MAX_FEATURE_NAME, MAX_IMAGE_NAME, NUL_PROBLEM

MAX_OFFENDERS = 10


def name_limit(label: str) -> int:
    """The longest image or feature name (data/domain/names.py: the one rule set)."""
    return MAX_FEATURE_NAME if label == "feature" else MAX_IMAGE_NAME


def name_problem(label: str, name: str) -> str | None:
    """Why `name` cannot be an image (or feature) name, the same words in every body; None when
    it can."""
    if "\x00" in name:
        return f"the {label} name {NUL_PROBLEM}"
    if len(name) > (limit := name_limit(label)):
        return f"the {label} name is {len(name):,} characters long; the limit is {limit}"
    return None


def offender_message(what: str, offenders: list, total: int) -> str:
    more = f" (showing the first {len(offenders)} of {total})" if total > len(offenders) else ""
    return f"{what}{more}."


def shown_name(name: str) -> str:
    """A name as an error lists it: whole, or its start when it is too long to repeat."""
    return name if len(name) <= 80 else name[:80] + "..."


def short_repr(v: object) -> str:
    text = json.dumps(v, ensure_ascii=False, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


def json_type(v: object) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null",
            int: "number", float: "number"}.get(type(v), type(v).__name__)
