"""The features statistics as a CSV file: the one definition the API's `format=csv` and the
page's download share, so both give the same bytes for the same rows.

Rows are features API records (docs/api.md); the CSV has a header of the API field names, nulls
as empty cells and numbers at full precision. Names are made safe for spreadsheets: a field that
holds the delimiter, a quote, CR or LF is quoted (RFC 4180; a bare CR unquoted would start a new
row in Excel and in csv readers), and every line of a name that starts with = + - @ or a tab
gets a leading ', so no line of a cell is run as a formula.
"""

from __future__ import annotations

import re

from data.domain.filters import DEFAULT_FILTERS, normalize_filters
from data.stats.features import STAT_COLUMNS

# Spreadsheet programs run a cell (or a line of one) starting with these as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NEEDS_QUOTES = re.compile(r'[",\r\n]')
_LINE_START = re.compile(r"(\r\n|\r|\n)")


def features_csv(rows: list[dict]) -> str:
    """`rows` as CSV text, lines ending in \\n (see the module docstring)."""
    lines = [",".join(STAT_COLUMNS)]
    lines.extend(",".join(_field(_cell(name, row.get(name))) for name in STAT_COLUMNS)
                 for row in rows)
    return "\n".join(lines) + "\n"


def _cell(name: str, value) -> str:
    if value is None:
        return ""
    if name == "feature":
        return guard_formula(str(value))
    return repr(value) if isinstance(value, float) else str(value)


def guard_formula(text: str) -> str:
    """`text` with a ' before it and after each of its line breaks that a formula character
    follows."""
    parts = _LINE_START.split(text)  # [line, break, line, break, ...]
    return "".join("'" + p if i % 2 == 0 and p.startswith(FORMULA_START) else p
                   for i, p in enumerate(parts))


def _field(text: str) -> str:
    return '"' + text.replace('"', '""') + '"' if _NEEDS_QUOTES.search(text) else text


def features_csv_filename(business: str, image_source: str, build: int | None,
                          threshold: float, filters: dict | None = None) -> str:
    """A file name that says what the export holds (every filter in `filters` that is not at
    its default), safe on every file system."""
    f = normalize_filters({**(filters or {}), "threshold": threshold})
    parts = [business, image_source, f"build{build}" if build is not None else "current",
             f"t{threshold:g}"]
    if (f["min_pct"], f["max_pct"]) != (DEFAULT_FILTERS["min_pct"], DEFAULT_FILTERS["max_pct"]):
        parts.append(f"prev{f['min_pct']:g}-{f['max_pct']:g}pct")
    if f["top_k"] != DEFAULT_FILTERS["top_k"]:
        parts.append("all" if f["top_k"] is None else f"top{f['top_k']}")
    for key in ("sort", "rank", "weight", "outcome"):
        if f[key] != DEFAULT_FILTERS[key]:
            parts.append(f"{key}-{f[key]}")
    if f["min_group"] != DEFAULT_FILTERS["min_group"]:
        parts.append(f"min{f['min_group']}")
    parts += [f"pin-{p}" for p in f["pinned"]] + [f"excl-{p}" for p in f["excluded"]]
    safe = "_".join(re.sub(r"[^\w.-]+", "-", p, flags=re.UNICODE).strip("-.") or "x" for p in parts)
    return f"features_{safe[:180]}.csv"
