"""The commands an empty or partial page shows: how to send a build, how to send CTR.

Pure text. Names are quoted for a POSIX shell, so a business called `Tom's "ads"` pastes safely.
"""

from __future__ import annotations

import shlex

EXAMPLE_BUSINESS = "My Business"
EXAMPLE_SOURCE = "my-campaign"


def commands(kind: str, api_url: str, business: str | None, image_source: str | None,
             needs_token: bool = False) -> list[tuple[str, str]]:
    """[(caption, command)] for a guide `kind` (see figures.view._guide, plus "no_data" and
    "no_build"); empty when a command would not help (e.g. the threshold is too high)."""
    business = business or EXAMPLE_BUSINESS
    image_source = image_source or EXAMPLE_SOURCE
    features = ("Send a featurizer build (JSON: image name → {feature: confidence}):",
                _curl(api_url, "features", business, image_source, needs_token,
                      "-H 'Content-Type: application/json' --data-binary @features.json",
                      build_id=True))
    metrics = ("Send each image's impressions and clicks (CSV header image,impressions,clicks):",
               _curl(api_url, "metrics", business, image_source, needs_token,
                     "-H 'Content-Type: text/csv' --data-binary @metrics.csv"))
    if kind in ("no_data", "no_build", "unknown", "empty_build"):
        return [features, metrics]
    if kind == "no_metrics":
        return [metrics]
    return []


def _curl(api_url: str, route: str, business: str, image_source: str, needs_token: bool,
          body: str, build_id: bool = False) -> str:
    parts = ["curl -X PUT", shlex.quote(f"{api_url}/{route}"),
             "-H", shlex.quote(f"Business: {business}"),
             "-H", shlex.quote(f"Image-Source: {image_source}")]
    if build_id:
        parts += ["-H", shlex.quote("Build-Id: 123")]
    if needs_token:
        parts += ["-H", '"Authorization: Bearer $INGEST_TOKEN"']
    return " ".join(parts) + " \\\n     " + body
