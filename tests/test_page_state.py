"""The page's state outside the figures: the URL query string and the selectors' resolution."""

from __future__ import annotations

from types import SimpleNamespace

from callbacks.dashboard.filters import threshold_scale
from callbacks.dashboard.live import change_notice
from callbacks.dashboard.selectors import resolve_selection
from data.domain.filters import CURRENT, normalize_filters, parse_query, query_string
from figures.dashboard.guide import commands


def test_a_view_survives_the_round_trip_through_the_query_string():
    view = normalize_filters({
        "business": "Apple Music / EU", "image_source": "spring & summer ✿", "build": 12,
        "threshold": 0.2, "min_pct": 1.5, "max_pct": 60, "top_k": None, "sort": "prevalence",
        "pinned": ["text", "a,b"], "excluded": ["girl"],
    })
    query = query_string(view, "?embed=1&junk=2")
    back = parse_query(query)
    for key in ("business", "image_source", "build", "threshold", "min_pct", "max_pct",
                "top_k", "sort", "pinned", "excluded"):
        assert back[key] == view[key], key
    assert "embed=1" in query and "junk" not in query


def test_the_spec_keys_are_always_written_and_defaults_left_out():
    query = query_string(normalize_filters({"business": "B", "image_source": "S"}))
    assert query == "?business=B&image_source=S&threshold=0&min_pct=0&max_pct=100"


def test_a_bad_or_missing_query_falls_back_to_the_defaults():
    view = parse_query("?threshold=abc&min_pct=80&max_pct=20&build=x&top_k=-3&sort=zzz")
    assert view["threshold"] == 0.0 and (view["min_pct"], view["max_pct"]) == (20.0, 80.0)
    assert view["build"] is None and view["top_k"] == 30 and view["sort"] == "impact"
    empty = parse_query("")
    assert empty["business"] is None and empty["top_k"] == 30 and empty["max_pct"] == 100.0


DATASETS = [
    {"business": "Demo", "is_demo": True, "image_sources": [
        {"image_source": "demo", "version": 2, "current_build": 1,
         "builds": [{"id": 1, "build_label": "demo", "received_at": "2026-01-01T00:00:00Z",
                     "is_current": True}]}]},
    {"business": "Real", "is_demo": False, "image_sources": [
        {"image_source": "empty", "version": 0, "current_build": None, "builds": []},
        {"image_source": "spring", "version": 5, "current_build": 9,
         "builds": [{"id": 9, "build_label": "43", "received_at": "2026-02-01T10:00:00Z",
                     "is_current": True},
                    {"id": 4, "build_label": None, "received_at": "2026-01-15T10:00:00Z",
                     "is_current": False}]}]},
]


def test_without_a_request_real_data_with_a_build_comes_first():
    sel = resolve_selection(DATASETS, None, None, None)
    assert (sel.business, sel.image_source, sel.build) == ("Real", "spring", CURRENT)
    assert sel.selection == {"business": "Real", "image_source": "spring", "build": None,
                             "version": 5, "current_build_id": 9}


def test_builds_are_listed_current_first_with_their_build_id_and_time():
    sel = resolve_selection(DATASETS, "Real", "spring", "4")
    assert sel.build == 4 and sel.selection["build"] == 4
    labels = [o["label"] for o in sel.build_options]
    assert [o["value"] for o in sel.build_options] == [CURRENT, 9, 4]
    assert "Build-Id 43" in labels[0] and "2026-02-01 10:00:00 UTC" in labels[0]
    assert "no Build-Id" in labels[2]


def test_unknown_names_and_builds_fall_back_to_what_exists():
    sel = resolve_selection(DATASETS, "Demo", "nope", 99)
    assert (sel.business, sel.image_source, sel.build) == ("Demo", "demo", CURRENT)
    assert resolve_selection([], None, None, None).selection["business"] is None


def test_the_live_notice_says_what_changed():
    selection = {"build": None, "current_build_id": 1}
    ref = SimpleNamespace(current_build_id=2)
    assert "New build #2 (Build-Id 7) landed" in change_notice(selection, ref, "7")[0]
    pinned = {"build": 1, "current_build_id": 1}
    text, colour = change_notice(pinned, ref, None)
    assert "stay on pinned build #1" in text and colour == "warning"
    assert "metrics" in change_notice(selection, SimpleNamespace(current_build_id=1), None)[0]


def test_the_threshold_slider_covers_the_build_and_lands_on_the_seed_threshold():
    top, step, marks = threshold_scale(0.97)
    assert (top, step) == (1.0, 0.01) and 0.2 in marks
    top, step, _ = threshold_scale(37.5)
    assert top == 40.0 and step == 0.4


def test_the_curl_lines_quote_names_for_the_shell():
    lines = commands("no_metrics", "http://h/api/v1", "Tom's \"ads\"", "a b", needs_token=True)
    assert len(lines) == 1
    command = lines[0][1]
    assert "http://h/api/v1/metrics" in command and "Bearer $INGEST_TOKEN" in command
    assert "'Business: Tom'\"'\"'s \"ads\"'" in command
    assert commands("no_points", "http://h/api/v1", "B", "S") == []
