"""How each outcome (data/domain/filters.py OUTCOMES: CTR, people's mean score, their strength)
is named and formatted on the page: axis titles, hover text, table headers. Pure."""

from __future__ import annotations

from dataclasses import dataclass

from data.domain.filters import DEFAULT_OUTCOME


@dataclass(frozen=True)
class OutcomeLook:
    key: str  # ctr | score | strength
    name: str  # what axis titles and texts call it
    axis: str  # d3 format of axis ticks
    hover: str  # d3 format of a value in hover text and the table
    delta_axis: str  # the same for a difference (impact)
    delta_hover: str
    missing: str  # what an image without it lacks, for the guide


LOOKS = {
    "ctr": OutcomeLook("ctr", "CTR", ".1%", ".3%", "+.1%", "+.3%", "a CTR"),
    "score": OutcomeLook("score", "mean score", ".1f", ".2f", "+.1f", "+.2f",
                         "a score from people"),
    "strength": OutcomeLook("strength", "strength", "+.1f", "+.2f", "+.1f", "+.2f",
                            "a strength from people's picks"),
}


def look(outcome: str | None) -> OutcomeLook:
    """The look of `outcome` (CTR for None or an unknown key)."""
    return LOOKS.get(outcome or DEFAULT_OUTCOME, LOOKS[DEFAULT_OUTCOME])
