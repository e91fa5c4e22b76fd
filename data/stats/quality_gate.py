"""What the server does with a build's quality checks (docs/statistics.md, build quality): the limits and the checks
that refuse a build, as configured (QUALITY_LIMITS, REJECT_ON_ALARM), and their parsing.

Pure: the checks themselves are data/stats/quality.py; the store calls `QualityGate.judge` while
the image source is locked (data/storage/store.py, QualityCheck).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from data.domain.errors import QualityRejected
from data.domain.matrix import BuildMatrix
from data.stats.quality import CHECKS, QualityLimits, run_checks


@dataclass(frozen=True)
class QualityGate:
    """The limits every build is checked against, and the checks whose alarm refuses it."""

    limits: QualityLimits = field(default_factory=QualityLimits)
    reject: frozenset[str] = frozenset()

    def judge(self, new: BuildMatrix, previous: BuildMatrix | None) -> list[dict]:
        """run_checks' results; QualityRejected (nothing is stored) when a check named in
        `reject` is in alarm."""
        checks = run_checks(new, previous, self.limits)
        refused = [c for c in checks if c["status"] == "alarm" and c["check"] in self.reject]
        if refused:
            names = ", ".join(c["check"] for c in refused)
            raise QualityRejected(
                "quality_alarm",
                f"The build was refused and nothing was stored: quality check(s) {names} raised "
                f"an alarm and this server rejects builds on them (REJECT_ON_ALARM). "
                + " ".join(c["message"] for c in refused),
                refused)
        return checks


def parse_limits(text: str) -> QualityLimits:
    """QUALITY_LIMITS: `name=number,...` (e.g. "empty_images=0.3,prevalence_shift=25") over the
    defaults; ValueError naming what is wrong."""
    overrides = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, sep, value = part.partition("=")
        if not sep:
            raise ValueError(f"QUALITY_LIMITS: {part!r} is not name=number "
                             "(e.g. empty_images=0.3)")
        overrides[name.strip()] = value.strip()
    try:
        return QualityLimits.from_dict(overrides)
    except ValueError as exc:
        raise ValueError(f"QUALITY_LIMITS: {exc}") from None


def parse_reject(text: str) -> frozenset[str]:
    """REJECT_ON_ALARM: check names, comma-separated; ValueError naming an unknown one."""
    names = frozenset(n.strip() for n in text.split(",") if n.strip())
    unknown = sorted(names - set(CHECKS))
    if unknown:
        raise ValueError(f"REJECT_ON_ALARM: unknown check(s) {', '.join(unknown)}; "
                         f"known: {', '.join(CHECKS)}")
    return names
