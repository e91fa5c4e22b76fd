"""The view filters: one definition of their names, defaults, URL spelling and coercion.

The dashboard's URL, its controls, the features API and the figures all import these; nothing
else spells a default. A filters dict has the keys of DEFAULT_FILTERS:
business, image_source, build (int, None = the current build, following new ones), metrics (a
metrics delivery id whose outcome set the numbers use, None = the latest, following new ones), version
(the image source's version when resolved), threshold (>= 0), min_pct <= max_pct in [0, 100],
top_k (int >= 1, None = all), sort (a key of SORTS), pinned and excluded (feature names, or
their feature_key),
rank (how the top-K cut ranks: a key of RANKS), min_group (images each group needs before a
feature is ranked by evidence), adjust (show the adjusted impact beside the raw one) and
weight (a key of WEIGHTS: each image counts once, or by its impressions).
outcome (a key of OUTCOMES: what y_i is — CTR, people's mean score, or their Bradley–Terry
strength).
apply_fixes (bool: presence follows people's latest label fix where there is one), thresholds
(a key of THRESHOLD_MODES: one threshold for all, or each feature's saved one where it has one),
fixes_version (the image source's fixes when the page last stored one; not in the URL, it only
makes the page recompute).
"""

from __future__ import annotations

import hashlib
import math
from urllib.parse import parse_qs, urlencode

from data.domain.names import dataset_name_or_none

CURRENT = "current"  # the build selector's and the API's word for "the current build"
LATEST = "latest"  # the API's word for "the latest metrics delivery" (also: absent)
ALL = "all"  # top_k's word for "every feature" in the URL
ALL_FEATURES = 0  # the top-K control's value for "every feature" (coerce_top_k reads it as None)
DEFAULT_TOP_K = 30
SORTS = {
    "impact": "impact (largest first)",
    "significance": "significance (smallest q first)",
    "abs_impact": "|impact| (largest first)",
    "prevalence": "prevalence (most common first)",
    "name": "name (A–Z)",
}
DEFAULT_SORT = "impact"
RANKS = {
    "evidence": "evidence (|impact| / its interval)",
    "abs_impact": "|impact| (the seed's ranking)",
}
DEFAULT_RANK = "evidence"
# Below this many images in either group a feature's means rest on a handful of CTRs, and rare
# features would top an |impact| ranking by chance (docs/statistics.md, "The default view").
DEFAULT_MIN_GROUP = 10
WEIGHTS = {
    "images": "each image once (mean of image CTRs)",
    "impressions": "by impressions (pooled CTR = clicks / impressions)",
}
DEFAULT_WEIGHT = "images"
# How presence thresholds are chosen (docs/statistics.md, label fixes and thresholds); the URL and the features API say `thresholds=`.
THRESHOLD_MODES = {
    "single": "one threshold for every feature (the slider)",
    "saved": "each feature's saved threshold where it has one",
}
DEFAULT_THRESHOLD_MODE = "single"
_TRUE_WORDS = ("1", "true", "yes", "on")
MAX_ID = 2**31 - 1  # database ids are 32-bit integers (PostgreSQL): a larger one cannot exist
DEFAULT_FILTERS = {
    "business": None, "image_source": None, "build": None, "metrics": None, "version": None,
    "threshold": 0.0, "min_pct": 0.0, "max_pct": 100.0, "top_k": DEFAULT_TOP_K,
    "sort": DEFAULT_SORT, "pinned": [], "excluded": [],
    "rank": DEFAULT_RANK, "min_group": DEFAULT_MIN_GROUP, "adjust": True,
    "weight": DEFAULT_WEIGHT, "outcome": "ctr",
    "apply_fixes": False, "thresholds": DEFAULT_THRESHOLD_MODE, "fixes_version": None,
}
# What each image's outcome y_i is (docs/statistics.md, "Human judgements"): the same word in the URL, the API and the page.
OUTCOMES = {
    "ctr": "CTR",
    "score": "people's mean score",
    "strength": "people's picks (strength)",
}
DEFAULT_OUTCOME = "ctr"
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
              if k in DEFAULT_FILTERS and (v is not None or k in ("build", "metrics", "top_k"))})
    f["business"] = dataset_name_or_none(f["business"])
    f["image_source"] = dataset_name_or_none(f["image_source"])
    f["build"] = build_id(f["build"])
    f["metrics"] = build_id(f["metrics"])
    f["version"] = whole_number(f["version"])
    f["threshold"] = max(0.0, finite_float(f["threshold"], 0.0))
    lo = min(max(finite_float(f["min_pct"], 0.0), 0.0), 100.0)
    hi = min(max(finite_float(f["max_pct"], 100.0), 0.0), 100.0)
    f["min_pct"], f["max_pct"] = min(lo, hi), max(lo, hi)
    f["top_k"] = coerce_top_k(f.get("top_k"))
    if not (isinstance(f["sort"], str) and f["sort"] in SORTS):
        f["sort"] = DEFAULT_SORT
    if not (isinstance(f["rank"], str) and f["rank"] in RANKS):
        f["rank"] = DEFAULT_RANK
    if not (isinstance(f["weight"], str) and f["weight"] in WEIGHTS):
        f["weight"] = DEFAULT_WEIGHT
    f["min_group"] = min(max(int(finite_float(f["min_group"], DEFAULT_MIN_GROUP)), 0), 10**9)
    f["adjust"] = coerce_flag(f["adjust"], True)
    if not (isinstance(f["outcome"], str) and f["outcome"] in OUTCOMES):
        f["outcome"] = DEFAULT_OUTCOME
    f["pinned"] = feature_list(f.get("pinned"))
    f["excluded"] = feature_list(f.get("excluded"))
    f["apply_fixes"] = coerce_flag(f.get("apply_fixes"))
    if not (isinstance(f["thresholds"], str) and f["thresholds"] in THRESHOLD_MODES):
        f["thresholds"] = DEFAULT_THRESHOLD_MODE
    version = f.get("fixes_version")
    f["fixes_version"] = version if isinstance(version, int) and not isinstance(version, bool) \
        else None
    return f


def normalize_selection(selection: object) -> dict | None:
    """What ids.SELECTION holds (callbacks/dashboard/selectors.py), coerced like the filters:
    None when it is not a dict, else business, image_source, build, metrics, version,
    current_build_id with anything unusable as None."""
    if not isinstance(selection, dict):
        return None
    return {"business": dataset_name_or_none(selection.get("business")),
            "image_source": dataset_name_or_none(selection.get("image_source")),
            "build": build_id(selection.get("build")),
            "metrics": build_id(selection.get("metrics")),
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


def coerce_flag(value, default: bool = False) -> bool:
    """A yes/no filter from a URL ('1', '0', 'true', 'false', …) or a control (bool)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value != 0
    if isinstance(value, str) and value.strip():
        return value.strip().lower() not in ("0", "false", "no", "off")
    return default


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
    """A build (or metrics delivery) id from the URL or a selector: an int in the database's id
    range, or None for the current one ('current', 'latest', empty, or anything that cannot be
    an id)."""
    if value is None or (isinstance(value, str) and value.strip() in ("", CURRENT, LATEST)):
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
        "rank": one("rank"), "min_group": one("min_group"), "adjust": one("adjust"),
        "weight": one("weight"), "outcome": one("outcome"),
        "apply_fixes": one("apply_fixes"), "thresholds": one("thresholds"),
    })
    view.update(business=dataset_name_or_none(one("business")),
                image_source=dataset_name_or_none(one("image_source")),
                build=build_id(one("build")), metrics=build_id(one("metrics")))
    return view


def query_string(filters: dict, search: str | None = None) -> str:
    """`?...` for the view in `filters`; keeps PASSED_THROUGH keys from the current `search`.
    Defaults are left out (top_k, sort, outcome, empty pin/exclude) except business, image_source,
    Defaults are left out (top_k, sort, empty pin/exclude, apply_fixes off, single threshold)
    except business, image_source,
    threshold, min_pct and max_pct, always written."""
    f = filters
    pairs = [("business", f.get("business") or ""), ("image_source", f.get("image_source") or "")]
    if f.get("build") is not None:
        pairs.append(("build", str(f["build"])))
    if f.get("metrics") is not None:
        pairs.append(("metrics", str(f["metrics"])))
    pairs += [("threshold", _num(f.get("threshold", 0.0))),
              ("min_pct", _num(f.get("min_pct", 0.0))),
              ("max_pct", _num(f.get("max_pct", 100.0)))]
    if f.get("top_k") != DEFAULT_TOP_K:
        pairs.append(("top_k", ALL if f.get("top_k") is None else str(f["top_k"])))
    if f.get("sort", DEFAULT_SORT) != DEFAULT_SORT:
        pairs.append(("sort", f["sort"]))
    if f.get("rank", DEFAULT_RANK) != DEFAULT_RANK:
        pairs.append(("rank", f["rank"]))
    if f.get("min_group", DEFAULT_MIN_GROUP) != DEFAULT_MIN_GROUP:
        pairs.append(("min_group", str(f["min_group"])))
    if not f.get("adjust", True):
        pairs.append(("adjust", "0"))
    if f.get("weight", DEFAULT_WEIGHT) != DEFAULT_WEIGHT:
        pairs.append(("weight", f["weight"]))
    if f.get("outcome", DEFAULT_OUTCOME) != DEFAULT_OUTCOME:
        pairs.append(("outcome", f["outcome"]))
    pairs += [("pin", p) for p in f.get("pinned") or ()]
    pairs += [("exclude", p) for p in f.get("excluded") or ()]
    if f.get("apply_fixes"):
        pairs.append(("apply_fixes", "1"))
    if f.get("thresholds", DEFAULT_THRESHOLD_MODE) != DEFAULT_THRESHOLD_MODE:
        pairs.append(("thresholds", f["thresholds"]))
    kept = parse_qs((text_or_none(search) or "").lstrip("?"))
    pairs += [(k, kept[k][-1]) for k in PASSED_THROUGH if k in kept]
    return "?" + urlencode(pairs)


def _num(v) -> str:
    return f"{float(v):.10g}" if v is not None else ""
