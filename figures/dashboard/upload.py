"""Words for what the API answered to an upload: pure, no Dash.

A step is one PUT as assets/upload.js reports it: {"kind": "features" | "metrics", "file",
"size", "status" (0 = no answer), "body" (the API's JSON)}.
"""

from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass(frozen=True)
class StepOutcome:
    ok: bool
    title: str
    lines: list[str]  # the API's message and details, or the success summary


def step_outcome(step: dict) -> StepOutcome:
    kind = "Features" if step.get("kind") == "features" else "Metrics"
    title = f"{kind} ({step.get('file', '')})"
    status = int(step.get("status") or 0)
    body = step.get("body") if isinstance(step.get("body"), dict) else {}
    if not 200 <= status < 300:
        lines = [str(body.get("message") or "The server gave no reason.")]
        lines += [d if isinstance(d, str) else json.dumps(d, ensure_ascii=False)
                  for d in (body.get("details") or [])[:20]]
        code = f"HTTP {status} {body.get('error', '')}".strip() if status else "no answer"
        return StepOutcome(False, f"{title}: {code}", lines)
    if step.get("kind") == "features":
        return StepOutcome(True, title, [_build_summary(body)])
    return StepOutcome(True, title, _metrics_summary(body))


def succeeded(steps: list[dict]) -> bool:
    """True when at least one PUT stored something (the page's lists need a refresh)."""
    return any(200 <= int(s.get("status") or 0) < 300 for s in steps)


def _build_summary(body: dict) -> str:
    what = ("is identical to the current build, nothing new stored"
            if body.get("status") == "unchanged" else "stored, now current")
    return (f"Build {body.get('build')} {what}: {body.get('images', 0):,} images, "
            f"{body.get('features', 0):,} features.")


def _metrics_summary(body: dict) -> list[str]:
    lines = [f"{body.get('images_received', 0):,} images received; "
             f"{body.get('matched', 0):,} match the current build, "
             f"{body.get('unmatched', 0):,} do not."]
    if body.get("build") is None:
        lines.append("This image source has no build yet: upload a features JSON to see them.")
    examples = body.get("unmatched_examples") or []
    if examples and body.get("build") is not None:
        lines.append("Not in the build, e.g.: " + ", ".join(map(str, examples[:5])))
    missing = body.get("build_images_without_metrics")
    if missing:
        lines.append(f"{missing:,} images of the build still have no metrics.")
    return lines
