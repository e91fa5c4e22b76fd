"""The addresses of the builds-over-time pages (quality, compare, history): their paths under
URL_PREFIX and query keys, written by links on every page and read back by the pages."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode

from data.domain.filters import build_id, finite_float

QUALITY_PAGE = "quality"
COMPARE_PAGE = "compare-builds"
HISTORY_PAGE = "history"
# Query keys of those pages; ids are build or metrics delivery ids, None for current / latest.
KEYS = ("business", "image_source", "build", "build_a", "build_b", "feature", "threshold",
        "min_pct", "max_pct", "metrics")
_IDS = ("build", "build_a", "build_b", "metrics")


def href(prefix: str, page: str, **params) -> str:
    """`prefix + page + ?query` with the parameters that are not None, in KEYS order."""
    pairs = [(k, _text(params[k])) for k in KEYS if params.get(k) is not None]
    return prefix + page + ("?" + urlencode(pairs) if pairs else "")


def parse(search: str | None) -> dict:
    """The KEYS a query string gives: ids as int or None, threshold >= 0 (default 0),
    0 <= min_pct <= max_pct <= 100 (default 0–100), names as text or None."""
    q = parse_qs((search or "").lstrip("?"))
    one = {k: q[k][-1] if q.get(k) else None for k in KEYS}
    out = {**one, **numbers(one["threshold"], one["min_pct"], one["max_pct"])}
    out.update({k: build_id(one[k]) for k in _IDS})
    return out


def numbers(threshold, min_pct, max_pct) -> dict:
    """threshold >= 0 (default 0) and 0 <= min_pct <= max_pct <= 100 (default 0–100) from
    whatever a URL or a number box gave (text, None, a number)."""
    lo = min(max(finite_float(min_pct, 0.0), 0.0), 100.0)
    hi = min(max(finite_float(max_pct, 100.0), 0.0), 100.0)
    return {"threshold": max(0.0, finite_float(threshold, 0.0)),
            "min_pct": min(lo, hi), "max_pct": max(lo, hi)}


def _text(value) -> str:
    return f"{value:.10g}" if isinstance(value, float) else str(value)
