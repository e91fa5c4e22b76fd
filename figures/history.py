"""The history page's content: one feature's impact (with its 95% interval) and prevalence in
every build of an image source, as line charts. Pure: the body of GET /api/v1/history in."""

from __future__ import annotations

from figures.base import FONT, label
from figures.builds import alarm_text

CHART_HEIGHT = 340


def build_labels(body: dict) -> list[str]:
    """The x-axis: one label per build, "#id" with its Build-Id and ⚠ when it has alarms."""
    out = []
    for b in body["builds"]:
        text = f"#{b['build']}" + (f" ({b['build_label']})" if b.get("build_label") else "")
        mark = alarm_text(b.get("alarms"))
        out.append(label(text + (f" {mark.split()[0]}" if mark else "")))
    return out


def impact_figure(body: dict) -> dict:
    """Impact per build with its Welch 95% interval as error bars; builds where the feature has
    no impact (absent, never present, no outcome) leave a gap."""
    xs = build_labels(body)
    rows = body["builds"]
    ys = [r["impact"] for r in rows]
    plus = [None if r["ci_high"] is None or r["impact"] is None else r["ci_high"] - r["impact"]
            for r in rows]
    minus = [None if r["ci_low"] is None or r["impact"] is None else r["impact"] - r["ci_low"]
             for r in rows]
    trace = {
        "type": "scatter", "mode": "lines+markers", "x": xs, "y": ys, "connectgaps": False,
        "line": {"color": "#0d6efd"}, "marker": {"size": 8},
        "error_y": {"type": "data", "array": plus, "arrayminus": minus, "visible": True,
                    "color": "#6ea8fe", "thickness": 1.5},
        "customdata": [[r["ci_low"], r["ci_high"], r["n_with"], r["q_value"]] for r in rows],
        "hovertemplate": "%{x}<br>impact %{y:+.2%}<br>95% CI %{customdata[0]:+.2%} to "
                         "%{customdata[1]:+.2%}<br>images with %{customdata[2]:,}"
                         "<br>q %{customdata[3]:.3g}<extra></extra>",
    }
    return _figure([trace], f"Impact of {body['feature']} (with − without), 95% interval",
                   "impact", "+.1%")


def prevalence_figure(body: dict) -> dict:
    xs = build_labels(body)
    rows = body["builds"]
    trace = {"type": "scatter", "mode": "lines+markers", "x": xs,
             "y": [r["prevalence_pct"] for r in rows], "line": {"color": "#198754"},
             "marker": {"size": 8},
             "customdata": [[r["n_with"], r["images"], "yes" if r["in_build"] else "no"]
                            for r in rows],
             "hovertemplate": "%{x}<br>prevalence %{y:.1f}%<br>%{customdata[0]:,} of "
                              "%{customdata[1]:,} images<br>feature in build: %{customdata[2]}"
                              "<extra></extra>"}
    return _figure([trace], f"Prevalence of {body['feature']} (% of images with an outcome)",
                   "prevalence %", ".1f")


def _figure(traces: list, title: str, y_title: str, tickformat: str) -> dict:
    return {"data": traces, "layout": {
        "height": CHART_HEIGHT, "font": FONT, "showlegend": False,
        "margin": {"l": 70, "r": 30, "t": 40, "b": 70},
        "title": {"text": label(title), "x": 0, "xanchor": "left", "font": {"size": 13}},
        "xaxis": {"type": "category", "title": {"text": "build (oldest first)"}},
        "yaxis": {"title": {"text": y_title}, "tickformat": tickformat,
                  "zerolinecolor": "#adb5bd", "gridcolor": "#eceff1"},
        "paper_bgcolor": "white", "plot_bgcolor": "white",
    }}


def table_rows(body: dict) -> list[dict]:
    """One row per build for the table under the charts (text, newest first)."""
    def pct(v, fmt):
        return "—" if v is None else format(v, fmt)

    return [{"build": f"#{r['build']}" + (f" · {r['build_label']}" if r["build_label"] else ""),
             "received_at": (r["received_at"] or "").replace("T", " "),
             "quality": alarm_text(r.get("alarms")) or ("ok" if r.get("alarms") == [] else "—"),
             "in_build": "yes" if r["in_build"] else "no",
             "prevalence": pct(r["prevalence_pct"], ".1f") + ("%" if r["prevalence_pct"] is not None else ""),
             "impact": pct(r["impact"], "+.2%"),
             "interval": "—" if r["ci_low"] is None else f"{r['ci_low']:+.2%} to {r['ci_high']:+.2%}",
             "n_with": f"{r['n_with']:,}", "q_value": pct(r["q_value"], ".3g")}
            for r in reversed(body["builds"])]
