"""Deterministic label fixes for the demo build (docs/statistics.md, label fixes and thresholds),
so a newcomer sees the fixes page and the threshold advisor at work on the first start.

Three people checked some labels; the model is systematically wrong in two places:
* `text`: between 0.55 and 0.75 most images have no readable text (logos, textures), above
  0.75 nearly all do; a few images the model gave no `text` have some;
* `poster`: below 0.7 it is mostly a plain photo, not a poster.
`girl` and `smile` were checked too and are mostly right. A handful of pairs were fixed by two
people who disagree (conflicts), and one person changed their mind once (no conflict).

Pure Python + numpy: no database, no wall clock (the times are fixed), no global random state.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np

PEOPLE = ("Ana", "Ben", "Chloé")
START = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
NOTES = {
    ("text", False): ("only a logo, no readable text", "texture, not letters", None),
    ("text", True): ("small print at the bottom", None),
    ("poster", False): ("a photo, not a poster", None),
    ("poster", True): (None,),
    ("girl", False): ("a woman, not a girl", None),
    ("smile", False): ("neutral face", None),
}


def fixed_probability(feature: str, value: float) -> float:
    """The chance that a person checking `feature` finds it present, given the model's value
    (0 where the model gave none): the demo's ground truth."""
    if feature == "text":
        if value <= 0:
            return 0.15
        if 0.55 <= value < 0.75:
            return 0.15
        return 0.97 if value >= 0.75 else 0.6
    if feature == "poster":
        if value <= 0:
            return 0.08
        return 0.3 if value < 0.7 else 0.93
    return 0.0 if value <= 0 else 0.95  # girl, smile: the model is mostly right


# feature -> (images with the label that get checked, images without it that get checked)
CHECKED = {"text": (1.0, 40), "poster": (1.0, 25), "girl": (0.5, 10), "smile": (0.5, 10)}


def generate_fixes(features: dict[str, dict[str, float]], seed: int = 11) -> list[dict]:
    """Fixes of the demo build `features` ({image: {feature: value}}), oldest first: dicts with
    image, feature, present, note, person, at (timezone-aware UTC)."""
    rng = np.random.default_rng(seed)
    names = sorted(features)
    fixes: list[dict] = []
    clock = START

    def add(image: str, feature: str, present: bool, person: str) -> None:
        nonlocal clock
        clock += timedelta(seconds=int(rng.integers(20, 400)))
        notes = NOTES.get((feature, present), (None,))
        fixes.append({"image": image, "feature": feature, "present": present,
                      "note": notes[int(rng.integers(len(notes)))], "person": person,
                      "at": clock})

    for feature, (share_with, n_without) in CHECKED.items():
        with_label = [n for n in names if features[n].get(feature, 0) > 0]
        without = [n for n in names if features[n].get(feature, 0) <= 0]
        chosen = [n for n in with_label if rng.random() < share_with]
        chosen += rng.choice(without, size=min(n_without, len(without)), replace=False).tolist()
        for image in rng.permutation(chosen).tolist():
            value = features[image].get(feature, 0.0) or 0.0
            present = bool(rng.random() < fixed_probability(feature, value))
            add(image, feature, present, PEOPLE[int(rng.integers(len(PEOPLE)))])

    # Second opinions: a few pairs re-checked by someone else who disagrees (conflicts) ...
    for k in rng.choice(len(fixes), size=6, replace=False).tolist():
        first = fixes[k]
        other = next(p for p in PEOPLE if p != first["person"])
        add(first["image"], first["feature"], not first["present"], other)
    # ... and one person changing their mind (the later fix wins, no conflict).
    first = fixes[0]
    add(first["image"], first["feature"], not first["present"], first["person"])
    return fixes
