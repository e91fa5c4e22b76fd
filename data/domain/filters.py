"""The view filters: one definition of their names, defaults, URL spelling and coercion.

The dashboard's URL, its controls, the features API and the figures all import these; nothing
else spells a default. A filters dict has the keys of DEFAULT_FILTERS:
business, image_source, build (int, None = the current build, following new ones), version
(the image source's version when resolved), threshold (>= 0), min_pct <= max_pct in [0, 100],
top_k (int >= 1, None = all), sort (a key of SORTS), pinned and excluded (feature names, or
their feature_key).
"""

from __future__ import annotations

import hashlib
import math
from urllib.parse import parse_qs, urlencode

from data.domain.names import dataset_name_or_none

CURRENT = "current"  # the build selector's and the API's word for "the current build"
ALL = "all"  # top_k's word for "every feature" in the URL
ALL_FEATURES = 0  # the top-K control's value for "every feature" (coerce_top_k reads it as None)
DEFAULT_TOP_K = 30
SORTS = {
    "impact": "impact (largest first)",
    "abs_impact": "|impact| (largest first)",
    "prevalence": "prevalence (most common first)",
    "name": "name (A–Z)",
}
DEFAULT_SORT = "impact"
MAX_ID = 2**31 - 1  # database ids are 32-bit integers (PostgreSQL): a larger one cannot exist
DEFAULT_FILTERS = {
    "business": None, "image_source": None, "build": None, "version": None,
    "threshold": 0.0, "min_pct": 0.0, "max_pct": 100.0, "top_k": DEFAULT_TOP_K,
    "sort": DEFAULT_SORT, "pinned": [], "excluded": [],
}
# A feature named longer than this is referred to by its key in the pin / exclude lists and the
# URL (feature_key).
FEATURE_KEY_CHARS = 40
# Query keys kept in the URL but not part of the filters (embed=1 hides the page chrome).
PASSED_THROUGH = ("embed",)


def normalize_filters(filters: object) -> dict:
    """`filters` with defaults filled in and values coerced to their types: threshold >= 0,
    0 <= min_pct <= max_pct <= 100, top_k an int >= 1 or None (= all), a known sort, names
    that follow data/domain/names.py (else None), a build id in the database's range (else
    None = current), pinned and excluded lists of text. Anything else (a crafted callback
    request: lists for numbers, dicts, out-of-range ids) becomes the default, so no input
    reaches the database or the figures in a shape they do not expect."""
    given = filters if isinstance(filters, dict) else {}
    f = dict(DEFAULT_FILTERS)
    f.update({k: v for k, v in given.items()
              if k in DEFAULT_FILTERS and (v is not None or k in ("build", "top_k"))})
    f["business"] = dataset_name_or_none(f["business"])
    f["image_source"] = dataset_name_or_none(f["image_source"])
    f["build"] = build_id(f["build"])
    f["version"] = whole_number(f["version"])
    f["threshold"] = max(0.0, finite_float(f["threshold"], 0.0))
    lo = min(max(finite_float(f["min_pct"], 0.0), 0.0), 100.0)
    hi = min(max(finite_float(f["max_pct"], 100.0), 0.0), 100.0)
    f["min_pct"], f["max_pct"] = min(lo, hi), max(lo, hi)
    f["top_k"] = coerce_top_k(f.get("top_k"))
    if not (isinstance(f["sort"], str) and f["sort"] in SORTS):
        f["sort"] = DEFAULT_SORT
    f["pinned"] = feature_list(f.get("pinned"))
    f["excluded"] = feature_list(f.get("excluded"))
    return f


def normalize_selection(selection: object) -> dict | None:
    """What ids.SELECTION holds (callbacks/dashboard/selectors.py), coerced like the filters:
    None when it is not a dict, else business, image_source, build, version, current_build_id
    with anything unusable as None."""
    if not isinstance(selection, dict):
        return None
    return {"business": dataset_name_or_none(selection.get("business")),
            "image_source": dataset_name_or_none(selection.get("image_source")),
            "build": build_id(selection.get("build")),
            "version": whole_number(selection.get("version")),
            "current_build_id": build_id(selection.get("current_build_id"))}


def sparsity_bounds(value: object) -> tuple[float, float]:
    """(min_pct, max_pct) from the sparsity range slider's value ([lo, hi]); defaults for
    anything that is not a list of two numbers (normalize_filters orders and clamps them)."""
    if isinstance(value, (list, tuple)) and len(value) >= 2:
        return finite_float(value[0], 0.0), finite_float(value[1], 100.0)
    return 0.0, 100.0


def feature_list(value: object) -> list[str]:
    """Feature names from a multi-select's value: its text items (one text is a list of one)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [v for v in value if isinstance(v, str)]
    return []


def feature_key(name: str) -> str:
    """How the pin / exclude lists and the URL refer to a feature: its name when it has at most
    FEATURE_KEY_CHARS characters, else its first 31, an ellipsis and 8 hex digits of its hash
    (40 in all). The browser's dropdown indexes every substring of an option's value, so a
    value of a few thousand characters takes Chromium minutes; a key keeps it short. A name
    given in full (an older URL) is understood too (figures/dashboard/view.py)."""
    if len(name) <= FEATURE_KEY_CHARS:
        return name
    digest = hashlib.blake2b(name.encode("utf-8", "surrogatepass"), digest_size=4).hexdigest()
    return name[:FEATURE_KEY_CHARS - 9] + "…" + digest


def text_or_none(value: object) -> str | None:
    """`value` when it is text, else None (for free-text inputs such as the URL's search)."""
    return value if isinstance(value, str) else None


def coerce_top_k(value) -> int | None:
    """top_k as the filters hold it: None for all (None, '', 'all', 0), else an int >= 1;
    anything unreadable is the default."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", ALL, "0")):
        return None
    k = whole_number(value)
    if k is None:
        return DEFAULT_TOP_K
    if k == 0:
        return None
    return min(k, MAX_ID) if k >= 1 else DEFAULT_TOP_K


def finite_float(v, default: float) -> float:
    """`v` as a finite float, else `default`."""
    try:
        v = float(v)
    except (TypeError, ValueError, OverflowError):
        return default
    return v if math.isfinite(v) else default


def whole_number(value) -> int | None:
    """`value` as an int (from an int, an integral float or digits), else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value == int(value) else None
    if isinstance(value, str):
        value = value.strip()
    if not isinstance(value, (int, str)):
        return None
    try:
        return int(value)
    except (ValueError, OverflowError):
        return None


def build_id(value) -> int | None:
    """A build id from the URL or a selector: an int in the database's id range, or None for
    the current build ('current', empty, or anything that cannot be a build id)."""
    if value is None or (isinstance(value, str) and value.strip() in ("", CURRENT)):
        return None
    number = whole_number(value)
    return number if number is not None and 1 <= number <= MAX_ID else None


def parse_query(search: str | None) -> dict:
    """The view a query string asks for; keys it does not give (or gives wrong) keep defaults."""
    q = parse_qs((text_or_none(search) or "").lstrip("?"), keep_blank_values=False)

    def one(key):
        values = q.get(key)
        return values[-1] if values else None

    top_k = one("top_k")
    view = normalize_filters({
        "threshold": one("threshold"), "min_pct": one("min_pct"), "max_pct": one("max_pct"),
        "top_k": DEFAULT_TOP_K if top_k is None else top_k, "sort": one("sort"),
        "pinned": q.get("pin", []), "excluded": q.get("exclude", []),
    })
    view.update(business=dataset_name_or_none(one("business")),
                image_source=dataset_name_or_none(one("image_source")),
                build=build_id(one("build")))
    return view


def query_string(filters: dict, search: str | None = None) -> str:
    """`?...` for the view in `filters`; keeps PASSED_THROUGH keys from the current `search`.
    Defaults are left out (top_k, sort, empty pin/exclude) except business, image_source,
    threshold, min_pct and max_pct, always written."""
    f = filters
    pairs = [("business", f.get("business") or ""), ("image_source", f.get("image_source") or "")]
    if f.get("build") is not None:
        pairs.append(("build", str(f["build"])))
    pairs += [("threshold", _num(f.get("threshold", 0.0))),
              ("min_pct", _num(f.get("min_pct", 0.0))),
              ("max_pct", _num(f.get("max_pct", 100.0)))]
    if f.get("top_k") != DEFAULT_TOP_K:
        pairs.append(("top_k", ALL if f.get("top_k") is None else str(f["top_k"])))
    if f.get("sort", DEFAULT_SORT) != DEFAULT_SORT:
        pairs.append(("sort", f["sort"]))
    pairs += [("pin", p) for p in f.get("pinned") or ()]
    pairs += [("exclude", p) for p in f.get("excluded") or ()]
    kept = parse_qs((text_or_none(search) or "").lstrip("?"))
    pairs += [(k, kept[k][-1]) for k in PASSED_THROUGH if k in kept]
    return "?" + urlencode(pairs)


def _num(v) -> str:
    return f"{float(v):.10g}" if v is not None else ""
