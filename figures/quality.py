"""The quality page's content: each check of a build with its value, limit, status, what it means
and what to do. Pure: the body of GET /api/v1/quality in, plain rows and text out."""

from __future__ import annotations

from figures.builds import alarm_text

# check -> (title, what it measures, unit of value and limit: "share" or "pp")
CHECK_HELP = {
    "empty_images": ("Empty images",
                     "Images with no non-zero value: the featurizer failed on them (missing or "
                     "placeholder pictures).", "share"),
    "duplicate_vectors": ("Duplicate vectors",
                          "Images sharing the most common non-empty feature vector: a default "
                          "output returned for pictures the featurizer could not read.", "share"),
    "images_dropped": ("Images dropped",
                       "Images of the previous build missing from this one: a partial delivery.",
                       "share"),
    "features_missing": ("Features missing",
                         "Features of the previous build missing from this one: renamed or "
                         "dropped labels.", "share"),
    "prevalence_shift": ("Prevalence shift",
                         "The largest move of one feature's prevalence since the previous build, "
                         "in percentage points: a new featurizer version or another image set.",
                         "pp"),
    "value_range": ("Value range",
                    "Values outside their feature's range in the previous build: the "
                    "featurizer's scale changed, so saved thresholds mean something else.",
                    "share"),
}


def value_text(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    return f"{value:.1f} pp" if unit == "pp" else f"{100 * value:.1f}%"


def check_rows(body: dict) -> list[dict]:
    """One row per check: check, title, meaning, value, limit (as text), alarm (bool), message
    (what is wrong, examples, what to do)."""
    rows = []
    for c in body["checks"]:
        title, meaning, unit = CHECK_HELP.get(c["check"], (c["check"], "", "share"))
        rows.append({"check": c["check"], "title": title, "meaning": meaning,
                     "value": value_text(c["value"], unit), "limit": value_text(c["limit"], unit),
                     "alarm": c["status"] == "alarm", "message": c["message"]})
    return rows


def summary(body: dict) -> dict:
    """{"text", "alarm": bool, "note"} above the table: the verdict, and how the checks were
    made (at ingest against build #n, or now for a build stored before checks existed)."""
    label = f" · Build-Id {body['build_label']}" if body.get("build_label") else ""
    alarms = body["alarms"]
    if alarms:
        text = (f"Build #{body['build']}{label}: {alarm_text(alarms)} "
                f"({', '.join(alarms)}). Read what to do below before trusting its charts.")
    else:
        text = f"Build #{body['build']}{label}: all {len(body['checks'])} checks passed."
    against = (f"against build #{body['previous_build']}" if body["previous_build"] is not None
               else "as the first build of its image source")
    if body["stored"]:
        note = f"Checked when it arrived ({body['checked_at'].replace('T', ' ')}), {against}."
    else:
        note = (f"Checked now, {against}, with this server's limits: the build was stored "
                "before quality checks existed.")
    return {"text": text, "alarm": bool(alarms), "note": note}
