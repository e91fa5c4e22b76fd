"""The page's plotly.js is assets/00-plotly.min.js, built by vendor/js/build.js with only the
trace types the figures use. It must be the plotly.js version plotly.py writes figures for, and
hold every trace type any figure of any page asks for (an unregistered type draws nothing)."""

from __future__ import annotations

import re
from pathlib import Path

from plotly.basedatatypes import BaseTraceType
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs_version

ROOT = Path(__file__).resolve().parent.parent
BUNDLE = ROOT / "assets" / "00-plotly.min.js"
_TYPE = re.compile(r"""["']?type["']?\s*[:=]\s*["'](\w+)["']""")  # "type": "bar", type: 'bar'
_BANNER = re.compile(r"/\*! plotly\.js v(?P<version>[\w.\-]+) .*?\| traces: (?P<traces>[\w, ]+) \|")


def _banner() -> re.Match:
    with BUNDLE.open(encoding="utf-8") as f:
        first = f.readline()
    found = _BANNER.match(first)
    assert found, f"{BUNDLE.name} does not start with vendor/js/build.js's banner: {first[:120]!r}"
    return found


def _bundled() -> set[str]:
    return {t.strip() for t in _banner()["traces"].split(",")}


def _all_trace_types() -> set[str]:
    classes = (getattr(go, name) for name in go.__all__)  # the module imports them lazily
    return {cls().type for cls in classes
            if isinstance(cls, type) and issubclass(cls, BaseTraceType)
            and cls is not BaseTraceType}


def _trace_types_used() -> set[str]:
    """Every plotly trace type named as a "type" in the figure builders and the page's scripts."""
    known = _all_trace_types()
    used = set()
    sources = list((ROOT / "figures").rglob("*.py")) + list((ROOT / "callbacks").rglob("*.py")) + [
        p for p in (ROOT / "assets").glob("*.js") if p != BUNDLE]
    for path in sources:
        text = path.read_text(encoding="utf-8")
        for name in _TYPE.findall(text):
            if name in known:
                used.add(name)
    return used


def test_the_bundle_is_the_plotly_js_that_plotly_py_writes_figures_for():
    assert _banner()["version"] == get_plotlyjs_version(), (
        "plotly.py was upgraded: rebuild the bundle (vendor/js/package.json's plotly.js "
        "version, then `npm ci && npm run build` there)")


def test_the_bundle_holds_every_trace_type_the_pages_draw():
    bundled = _bundled()
    used = _trace_types_used()
    assert {"bar", "scatter", "scattergl"} <= used  # the scan finds what we know is drawn
    assert used <= bundled, f"add {sorted(used - bundled)} to TRACES in vendor/js/build.js"
    assert len(bundled) < len(_all_trace_types()) / 4  # a partial bundle, not the whole library


def test_the_scan_would_notice_a_trace_type_outside_the_bundle():
    assert _TYPE.findall(repr({"type": "heatmap"})) == ["heatmap"]  # a Python figure dict
    assert _TYPE.findall("{type: 'box', x: xs}") == ["box"]  # a trace made in assets/*.js
    assert {"heatmap", "box"} <= _all_trace_types() - _bundled()
