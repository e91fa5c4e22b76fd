"""Feature payloads for tests of builds over time: one distribution drawn again and again, and
the faults a broken featurizer run makes (docs/statistics.md, build quality)."""

from __future__ import annotations

import numpy as np

N_IMAGES, N_FEATURES = 1000, 40


def image_names(n: int = N_IMAGES, start: int = 0, step: int = 1) -> list[str]:
    return [f"img {i:05d}.png" for i in range(start, start + n * step, step)]


def random_payload(seed: int, images: list[str] | None = None) -> dict:
    """{image: {feature: value}}: each feature present with its own prevalence (5–15%, the same
    for every seed), values in (0, 1] with 3 decimals."""
    prevalence = np.random.default_rng(0).uniform(0.05, 0.15, N_FEATURES)
    rng = np.random.default_rng(seed)
    images = images or image_names()
    present = rng.random((len(images), N_FEATURES)) < prevalence
    values = np.round(rng.uniform(0.001, 1.0, present.shape), 3)
    return {name: {f"feat_{f:02d}": float(values[i, f]) for f in np.flatnonzero(present[i])}
            for i, name in enumerate(images)}


def mostly_empty(seed: int, share: float = 0.6) -> dict:
    """A run where the featurizer failed on `share` of the images (they come back empty)."""
    payload = random_payload(seed)
    for name in list(payload)[: int(share * len(payload))]:
        payload[name] = {}
    return payload


def identical_vectors(seed: int) -> dict:
    """Every third image gets the same default output (the "Placeholder" vector)."""
    payload = random_payload(seed)
    for name in list(payload)[::3]:
        payload[name] = {"feat_00": 0.5, "feat_07": 0.25}
    return payload


def renamed_features(seed: int) -> dict:
    """feat_00..feat_09 renamed label_00..label_09 (a new featurizer version)."""
    return {name: {k.replace("feat_0", "label_0"): v for k, v in per_image.items()}
            for name, per_image in random_payload(seed).items()}


def half_the_images(seed: int) -> dict:
    """Every second image missing (a partial delivery)."""
    return random_payload(seed, image_names(N_IMAGES // 2, step=2))


def shifted_prevalence(seed: int) -> dict:
    """feat_13 suddenly present in half the images."""
    payload = random_payload(seed)
    for name in list(payload)[: len(payload) // 2]:
        payload[name]["feat_13"] = 0.5
    return payload


def new_scale(seed: int) -> dict:
    """Values a hundred times larger (probabilities became percentages)."""
    return {name: {k: v * 100 for k, v in per_image.items()}
            for name, per_image in random_payload(seed).items()}


# Each fault and the check it must raise (alone, except as ALSO_RAISED says).
FAULTS = {
    "empty_images": mostly_empty,
    "duplicate_vectors": identical_vectors,
    "features_missing": renamed_features,
    "images_dropped": half_the_images,
    "prevalence_shift": shifted_prevalence,
    "value_range": new_scale,
}

# A default vector on a third of the images also moves its features' prevalence by ~30 points:
# both alarms are true.
ALSO_RAISED = {"duplicate_vectors": {"prevalence_shift"}}
