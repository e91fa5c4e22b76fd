"""How a build is named on every page: id, Build-Id, when it arrived, and a mark when its
quality checks raised alarms. Pure: plain dicts of GET /api/v1/datasets in, text out."""

from __future__ import annotations

ALARM = "⚠"


def alarm_text(alarms: list[str] | tuple[str, ...] | None) -> str:
    """"⚠ 2 alarms" (or "⚠ 1 alarm"); "" when there is none or the build was not checked."""
    if not alarms:
        return ""
    return f"{ALARM} {len(alarms)} alarm{'s' if len(alarms) != 1 else ''}"


def build_text(b: dict) -> str:
    """"#12 · Build-Id 42 · 2026-01-02 03:04:05 UTC", then the alarm mark when there is one."""
    label = f"Build-Id {b['build_label']}" if b.get("build_label") else "no Build-Id"
    when = (b.get("received_at") or "").replace("T", " ").replace("Z", " UTC")
    alarms = alarm_text(b.get("alarms"))
    return f"#{b['id']} · {label} · {when}" + (f" · {alarms}" if alarms else "")


def build_options(builds: list[dict]) -> list[dict]:
    """Every build, newest first, as dropdown options (value: the build id)."""
    return [{"label": build_text(b) + (" (current)" if b.get("is_current") else ""),
             "value": b["id"]} for b in builds]


def pick_source(datasets: list[dict], business: str | None,
                image_source: str | None) -> tuple[str | None, str | None, dict | None]:
    """(business, image source, its datasets entry) for what was asked, falling back to the
    first business with a build (real data before the demo) and its first source with one."""
    by_name = {d["business"]: d for d in datasets}
    if business not in by_name:
        ranked = sorted(datasets, key=lambda d: (
            not any(s.get("current_build") is not None for s in d["image_sources"]),
            d.get("is_demo", False)))
        business = ranked[0]["business"] if ranked else None
    sources = by_name[business]["image_sources"] if business is not None else []
    by_source = {s["image_source"]: s for s in sources}
    if image_source not in by_source:
        with_build = [s for s in sources if s.get("current_build") is not None] or sources
        image_source = with_build[0]["image_source"] if with_build else None
    return business, image_source, by_source.get(image_source)


def name_options(names) -> list[dict]:
    return [{"label": n, "value": n} for n in names]
