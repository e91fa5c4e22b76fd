"""The generated demo build: deterministic, well-formed, and carrying its planted effects."""

import math
import time

import numpy as np
import pytest

from data.demo import (
    CSS_COLOURS,
    DEMO_BUSINESS,
    DEMO_IMAGE_SOURCE,
    FEATURE_NAMES,
    PLANTED_EFFECTS,
    VISION_LABELS,
    generate_demo,
)


@pytest.fixture(scope="module")
def default_demo():
    return generate_demo()


@pytest.fixture(scope="module")
def large_demo():
    return generate_demo(n_images=5000)


def _mean_ctr_ratio(features, metrics, feature):
    """Mean per-image CTR of images with the feature over that of images without it."""
    with_, without = [], []
    for name, m in metrics.items():
        ctr = m["clicks"] / m["impressions"]
        (with_ if feature in features[name] else without).append(ctr)
    return np.mean(with_) / np.mean(without)


def test_demo_identity_names_are_fixed_strings():
    assert DEMO_BUSINESS == "Demo Business (generated)"
    assert DEMO_IMAGE_SOURCE == "demo-campaign"


def test_same_arguments_give_identical_output(default_demo):
    assert generate_demo() == default_demo
    assert generate_demo(n_images=659, seed=7) == default_demo


def test_different_seed_gives_different_output(default_demo):
    features, metrics = generate_demo(seed=8)
    assert features != default_demo[0]
    assert metrics != default_demo[1]


def test_generation_does_not_touch_global_random_state():
    np.random.seed(123)
    expected = np.random.random()
    np.random.seed(123)
    generate_demo(n_images=50)
    assert np.random.random() == expected


def test_feature_names_are_480_unique_colours_x_twins_and_labels():
    assert isinstance(FEATURE_NAMES, tuple)
    assert len(FEATURE_NAMES) == 480
    assert len(set(FEATURE_NAMES)) == 480
    assert len(CSS_COLOURS) == 148
    assert {"aliceblue", "antiquewhite", "black", "white", "rebeccapurple"} <= set(CSS_COLOURS)
    x_twins = [name for name in FEATURE_NAMES if name.endswith("_x")]
    assert {"black_x", "brown_x"} <= set(x_twins)
    assert all(name[:-2] in CSS_COLOURS for name in x_twins)
    assert {"text", "poster", "girl", "font", "logo", "smile", "sky", "product"} <= set(
        VISION_LABELS
    )


def test_default_build_has_659_images_with_sparse_known_features(default_demo):
    features, _ = default_demo
    assert len(features) == 659
    known = set(FEATURE_NAMES)
    for values in features.values():
        assert set(values) <= known
        assert 0 < len(values) < 40  # sparse: a handful of features per image


def test_values_are_rounded_python_floats_in_range(default_demo):
    features, _ = default_demo
    labels = set(VISION_LABELS)
    for values in features.values():
        for feature, value in values.items():
            assert type(value) is float
            assert math.isfinite(value)
            assert 0 < value <= 1
            assert round(value, 6) == value
            if feature in labels:
                assert 0.5 <= value < 1.0


def test_colour_fractions_of_an_image_sum_to_at_most_one(default_demo):
    features, _ = default_demo
    labels = set(VISION_LABELS)
    for values in features.values():
        colour_total = sum(v for f, v in values.items() if f not in labels)
        assert 0 < colour_total <= 1 + 1e-4


def test_some_features_are_common_and_many_are_rare(default_demo):
    features, _ = default_demo
    n = len(features)
    counts = {name: 0 for name in FEATURE_NAMES}
    for values in features.values():
        for feature in values:
            counts[feature] += 1
    assert 0.30 < counts["text"] / n < 0.50
    assert counts["white"] / n > 0.3
    assert counts["black"] / n > 0.3
    assert sum(1 for c in counts.values() if c <= 3) > 100


def test_metrics_are_ints_with_clicks_not_above_impressions(default_demo):
    features, metrics = default_demo
    assert set(metrics) <= set(features)
    for m in metrics.values():
        assert set(m) == {"impressions", "clicks"}
        assert type(m["impressions"]) is int and type(m["clicks"]) is int
        assert 200 <= m["impressions"] <= 50_000
        assert 0 <= m["clicks"] <= m["impressions"]


def test_about_two_percent_of_images_have_no_metrics(default_demo, large_demo):
    for features, metrics in (default_demo, large_demo):
        missing = len(features) - len(metrics)
        assert 0.01 <= missing / len(features) <= 0.03


def test_overall_ctr_is_near_the_base_rate(large_demo):
    _, metrics = large_demo
    clicks = sum(m["clicks"] for m in metrics.values())
    impressions = sum(m["impressions"] for m in metrics.values())
    assert 0.01 < clicks / impressions < 0.025


def test_text_lowers_mean_ctr_clearly(large_demo):
    features, metrics = large_demo
    assert _mean_ctr_ratio(features, metrics, "text") < 0.88


@pytest.mark.parametrize("feature", sorted(PLANTED_EFFECTS))
def test_planted_effects_are_recoverable(large_demo, feature):
    features, metrics = large_demo
    ratio = _mean_ctr_ratio(features, metrics, feature)
    assert ratio == pytest.approx(PLANTED_EFFECTS[feature], abs=0.08)


@pytest.mark.parametrize("feature", ["white", "font", "logo"])
def test_features_without_planted_effect_leave_ctr_unchanged(large_demo, feature):
    features, metrics = large_demo
    assert _mean_ctr_ratio(features, metrics, feature) == pytest.approx(1.0, abs=0.06)


def test_image_names_are_unique_and_varied(default_demo):
    features, _ = default_demo
    names = list(features)
    assert len(set(names)) == len(names)
    assert any(" " in name for name in names)
    assert any("/" in name for name in names)
    assert any(not name.isascii() for name in names)
    assert "café_poster.png" in names
    assert sum(name.startswith("ad_") for name in names) > len(names) / 2


def test_tiny_and_empty_builds_are_well_formed():
    assert generate_demo(n_images=0) == ({}, {})
    features, metrics = generate_demo(n_images=3)
    assert len(features) == 3
    assert set(metrics) <= set(features)


def test_default_build_is_fast():
    start = time.perf_counter()
    generate_demo()
    assert time.perf_counter() - start < 0.3
