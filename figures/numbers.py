"""One number format for the page, the table and the detail panel: CTR in percent with two
decimals, impact in percentage points, relative lift in percent, p and q in one notation."""

from __future__ import annotations

import math

import numpy as np


def ctr(value: float | None) -> str:
    """A CTR: '2.41%'; an em dash when unknown."""
    return "—" if value is None or not math.isfinite(value) else f"{value:.2%}"


def pp(value: float | None) -> str:
    """A difference of CTRs in percentage points: '+0.25 pp'."""
    return "—" if value is None or not math.isfinite(value) else f"{value * 100:+.2f} pp"


def p_value(value: float | None) -> str:
    """A p- or q-value: '0.0032', '1.2e-07'."""
    return "—" if value is None or not math.isfinite(value) else f"{value:.2g}"


def lift(impact: np.ndarray, ctr_without: np.ndarray) -> list[str]:
    """The relative lift impact / ctr_without of each feature, as '+12% lift' ('' when there is
    no CTR without the feature)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        rel = np.asarray(impact, dtype=float) / np.asarray(ctr_without, dtype=float)
    return [f"{r:+.0%} lift" if math.isfinite(r) else "no lift: no CTR without"
            for r in rel.tolist()]
