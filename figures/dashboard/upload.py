"""Words for what the API answered to an upload: pure, no Dash.

A step is one PUT as assets/upload.js reports it: {"kind": "features" | "metrics", "file",
"size", "status" (0 = no answer), "body" (the API's JSON)}.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from data.domain.filters import whole_number


@dataclass(frozen=True)
class StepOutcome:
    ok: bool
    title: str
    lines: list[str]  # the API's message and details, or the success summary


def upload_steps(answer: object) -> list[dict]:
    """The steps of what assets/upload.js reported (the callback's input): dicts only, so a
    crafted request cannot make the summaries below fail."""
    steps = answer.get("steps") if isinstance(answer, dict) else None
    return [s for s in steps if isinstance(s, dict)] if isinstance(steps, list) else []


def step_outcome(step: dict) -> StepOutcome:
    kind = "Features" if step.get("kind") == "features" else "Metrics"
    title = f"{kind} ({step.get('file', '')})"
    status = _status(step)
    body = step.get("body") if isinstance(step.get("body"), dict) else {}
    if not 200 <= status < 300:
        lines = [str(body.get("message") or "The server gave no reason.")]
        details = body.get("details") if isinstance(body.get("details"), list) else []
        lines += [d if isinstance(d, str) else json.dumps(d, ensure_ascii=False, default=str)
                  for d in details[:20]]
        code = f"HTTP {status} {body.get('error', '')}".strip() if status else "no answer"
        return StepOutcome(False, f"{title}: {code}", lines)
    if step.get("kind") == "features":
        return StepOutcome(True, title, [_build_summary(body)])
    return StepOutcome(True, title, _metrics_summary(body))


def succeeded(steps: list[dict]) -> bool:
    """True when at least one PUT stored something (the page's lists need a refresh)."""
    return any(200 <= _status(s) < 300 for s in steps)


def _status(step: dict) -> int:
    """The HTTP status of a step (0 = no answer, or none that can be read)."""
    return whole_number(step.get("status")) or 0


def _count(body: dict, key: str) -> int:
    return whole_number(body.get(key)) or 0


def _build_summary(body: dict) -> str:
    what = ("is identical to the current build, nothing new stored"
            if body.get("status") == "unchanged" else "stored, now current")
    return (f"Build {body.get('build')} {what}: {_count(body, 'images'):,} images, "
            f"{_count(body, 'features'):,} features.")


def _metrics_summary(body: dict) -> list[str]:
    lines = [f"{_count(body, 'images_received'):,} images received; "
             f"{_count(body, 'matched'):,} match the current build, "
             f"{_count(body, 'unmatched'):,} do not."]
    if body.get("build") is None:
        lines.append("This image source has no build yet: upload a features JSON to see them.")
    examples = body.get("unmatched_examples")
    examples = examples if isinstance(examples, list) else []
    if examples and body.get("build") is not None:
        lines.append("Not in the build, e.g.: " + ", ".join(map(str, examples[:5])))
    missing = _count(body, "build_images_without_metrics")
    if missing:
        lines.append(f"{missing:,} images of the build still have no metrics.")
    return lines
