"""The view in the URL's query string, so a copied link reopens the same view.

Keys: business, image_source, build (an id; absent = current), threshold, min_pct, max_pct
(SPEC §6), plus top_k ("all" or a number), sort, pin and exclude (repeated), and embed=1, which
assets/page.js reads to hide the header and the selectors. Pure functions; the callbacks that
read and write dcc.Location are in callbacks/selectors.py and callbacks/filters.py.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode

from figures.view import DEFAULT_FILTERS, normalize_filters

_PASSED_THROUGH = ("embed",)


def parse_query(search: str | None) -> dict:
    """The view a query string asks for; keys it does not give (or gives wrong) keep defaults.

    Returns the FILTERS keys: business, image_source, build (int | None), threshold, min_pct,
    max_pct, top_k (int | None = all), sort, pinned, excluded."""
    q = parse_qs((search or "").lstrip("?"), keep_blank_values=False)

    def one(key):
        values = q.get(key)
        return values[-1] if values else None

    build = one("build")
    try:
        build = int(build) if build not in (None, "current") else None
    except ValueError:
        build = None
    top_k = one("top_k")
    if top_k is None:
        top_k = DEFAULT_FILTERS["top_k"]
    elif top_k.strip().lower() in ("all", "0"):
        top_k = None
    else:
        try:
            top_k = int(top_k)
        except ValueError:
            top_k = DEFAULT_FILTERS["top_k"]
        if top_k < 1:
            top_k = DEFAULT_FILTERS["top_k"]
    view = normalize_filters({
        "threshold": one("threshold"), "min_pct": one("min_pct"), "max_pct": one("max_pct"),
        "top_k": top_k, "sort": one("sort"), "pinned": q.get("pin", []),
        "excluded": q.get("exclude", []),
    })
    view.update(business=one("business"), image_source=one("image_source"), build=build)
    return view


def query_string(filters: dict, search: str | None = None) -> str:
    """`?...` for the view in `filters`; keeps embed from the current `search`. Defaults are
    left out (top_k, sort, empty pin/exclude) except the SPEC §6 keys, always written."""
    f = filters
    pairs = [("business", f.get("business") or ""), ("image_source", f.get("image_source") or "")]
    if f.get("build") is not None:
        pairs.append(("build", str(f["build"])))
    pairs += [("threshold", _num(f.get("threshold", 0.0))),
              ("min_pct", _num(f.get("min_pct", 0.0))),
              ("max_pct", _num(f.get("max_pct", 100.0)))]
    if f.get("top_k") != DEFAULT_FILTERS["top_k"]:
        pairs.append(("top_k", "all" if f.get("top_k") is None else str(f["top_k"])))
    if f.get("sort", "impact") != "impact":
        pairs.append(("sort", f["sort"]))
    pairs += [("pin", p) for p in f.get("pinned") or ()]
    pairs += [("exclude", p) for p in f.get("excluded") or ()]
    kept = parse_qs((search or "").lstrip("?"))
    pairs += [(k, kept[k][-1]) for k in _PASSED_THROUGH if k in kept]
    return "?" + urlencode(pairs)


def _num(v) -> str:
    return f"{float(v):.10g}" if v is not None else ""
