"""Build quality checks (docs/statistics.md, build quality): each constructed fault raises its alarm and nothing else, a
normal re-run raises none, and every value equals a plain-Python computation on the payload."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from data.domain.matrix import matrix_from_table
from data.payloads.features import validate_features
from data.stats.quality import CHECKS, QualityLimits, feature_prevalence, run_checks
from data.stats.vectors import image_fingerprints

N_IMAGES, N_FEATURES = 2000, 40


def random_payload(seed: int, images: list[str] | None = None, density: tuple = (0.05, 0.15)):
    """{image: {feature: value}}: each feature present with its own prevalence in `density`,
    values in (0, 1] with 3 decimals; the same prevalences for every seed (one distribution)."""
    prevalence = np.random.default_rng(0).uniform(*density, N_FEATURES)
    rng = np.random.default_rng(seed)
    images = images or [f"img {i:05d}.png" for i in range(N_IMAGES)]
    present = rng.random((len(images), N_FEATURES)) < prevalence
    values = np.round(rng.uniform(0.001, 1.0, present.shape), 3)
    return {name: {f"feat_{f:02d}": float(values[i, f]) for f in np.flatnonzero(present[i])}
            for i, name in enumerate(images)}


def matrix(payload):
    return matrix_from_table(validate_features(payload))


def alarms(new_payload, previous_payload, limits=QualityLimits()):
    previous = matrix(previous_payload) if previous_payload is not None else None
    checks = run_checks(matrix(new_payload), previous, limits)
    return {c["check"]: c for c in checks if c["status"] == "alarm"}, checks


# ----------------------------------------------------------------------------- each fault


def test_a_normal_rerun_with_a_few_new_images_raises_no_alarm():
    previous = random_payload(1)
    new = random_payload(2, [f"img {i:05d}.png" for i in range(100, N_IMAGES + 100)])
    raised, checks = alarms(new, previous)
    assert raised == {}
    assert tuple(c["check"] for c in checks) == CHECKS
    assert CHECKS == ("empty_images", "duplicate_vectors", "images_dropped", "features_missing",
                      "prevalence_shift", "value_range")
    assert all(c["value"] is not None for c in checks)


def test_mostly_empty_images_raise_empty_images():
    new = random_payload(3)
    for name in list(new)[: N_IMAGES // 3]:
        new[name] = {}
    raised, _ = alarms(new, None)
    assert set(raised) == {"empty_images"}
    assert raised["empty_images"]["value"] == sum(not d for d in new.values()) / N_IMAGES
    assert "'img 00000.png'" in raised["empty_images"]["message"]
    assert "send the build again" in raised["empty_images"]["message"]


def test_identical_vectors_raise_duplicate_vectors_and_name_examples():
    new = random_payload(4)
    placeholder = {"feat_00": 0.5, "feat_07": 0.25}
    for name in list(new)[::3]:
        new[name] = dict(placeholder)
    raised, _ = alarms(new, None)
    assert set(raised) == {"duplicate_vectors"}
    assert raised["duplicate_vectors"]["value"] == pytest.approx(1 / 3, abs=1e-3)
    assert "'img 00003.png'" in raised["duplicate_vectors"]["message"]


def test_renamed_feature_set_raises_features_missing():
    previous = random_payload(5)
    new = {name: {k.replace("feat_0", "label_0"): v for k, v in per_image.items()}
           for name, per_image in random_payload(6).items()}  # feat_00..09 renamed
    raised, _ = alarms(new, previous)
    assert set(raised) == {"features_missing"}
    assert raised["features_missing"]["value"] == pytest.approx(10 / N_FEATURES)
    assert "renamed?" in raised["features_missing"]["message"]


def test_half_the_images_gone_raises_images_dropped():
    previous = random_payload(7)
    new = random_payload(8, [f"img {i:05d}.png" for i in range(0, N_IMAGES, 2)])
    raised, _ = alarms(new, previous)
    assert set(raised) == {"images_dropped"}
    assert raised["images_dropped"]["value"] == pytest.approx(0.5)
    assert "'img 00001.png'" in raised["images_dropped"]["message"]


def test_a_shifted_prevalence_raises_prevalence_shift_naming_the_feature():
    previous = random_payload(9)
    new = random_payload(10)
    for name in list(new)[: N_IMAGES // 2]:
        new[name]["feat_13"] = 0.5
    raised, _ = alarms(new, previous)
    assert set(raised) == {"prevalence_shift"}
    message = raised["prevalence_shift"]["message"]
    assert message.startswith("1 feature(s) moved") and "'feat_13'" in message


def test_values_on_a_new_scale_raise_value_range():
    previous = random_payload(11)
    new = {name: {k: v * 100 for k, v in per_image.items()}
           for name, per_image in random_payload(12).items()}
    raised, _ = alarms(new, previous)
    assert set(raised) == {"value_range"}
    assert raised["value_range"]["value"] > 0.9
    assert re.search(r"'feat_\d\d' now 0\.\.\d\d\.\d+, before 0\.\.0\.99",
                     raised["value_range"]["message"])


def test_first_build_compares_nothing_and_says_so():
    _, checks = alarms(random_payload(13), None)
    later = [c for c in checks if c["check"] not in ("empty_images", "duplicate_vectors")]
    assert len(later) == 4
    assert all(c["value"] is None and c["status"] == "ok" for c in later)
    assert all("First build" in c["message"] for c in later)


def test_limits_come_from_overrides_and_unknown_names_are_refused():
    limits = QualityLimits.from_dict({"empty_images": 0.5, "prevalence_shift": "5"})
    assert limits.empty_images == 0.5 and limits.prevalence_shift == 5.0
    assert limits.images_dropped == QualityLimits().images_dropped
    with pytest.raises(ValueError, match="empty_image.*known: duplicate_vectors"):
        QualityLimits.from_dict({"empty_image": 0.5})
    with pytest.raises(ValueError, match="images_dropped must be a number, not 'a lot'"):
        QualityLimits.from_dict({"images_dropped": "a lot"})
    new = random_payload(14)
    for name in list(new)[:100]:  # 5% empty
        new[name] = {}
    assert "empty_images" not in alarms(new, None)[0]
    assert "empty_images" in alarms(new, None, QualityLimits.from_dict({"empty_images": 0.01}))[0]


# ----------------------------------------------------------------------------- values


def reference_values(new: dict, previous: dict, tolerance: float) -> dict:
    """Every check's value written out over the payload dicts."""
    n = len(new)
    vectors = Counter(tuple(sorted((k, v) for k, v in d.items() if v)) for d in new.values())
    vectors.pop((), None)
    top = max(vectors.values(), default=0)
    names = sorted({f for d in [*new.values(), *previous.values()] for f in d})

    def prevalence(payload, f):
        return 100 * sum(1 for d in payload.values() if (d.get(f) or 0) > 0) / len(payload)

    inside, outside = 0, 0
    for f in {f for d in new.values() for f in d} & {f for d in previous.values() for f in d}:
        old = [d[f] for d in previous.values() if d.get(f)]
        if not old:
            continue
        lo, hi = min(0, *old), max(0, *old)
        lo, hi = lo - tolerance * (hi - lo), hi + tolerance * (hi - lo)
        for d in new.values():
            if d.get(f):
                inside, outside = inside + (lo <= d[f] <= hi), outside + (not lo <= d[f] <= hi)
    return {
        "empty_images": sum(1 for d in new.values() if not any(d.values())) / n,
        "duplicate_vectors": top / n if top >= 2 else 0.0,
        "images_dropped": len(set(previous) - set(new)) / len(previous),
        "features_missing": len({f for d in previous.values() for f in d}
                                - {f for d in new.values() for f in d})
        / len({f for d in previous.values() for f in d}),
        "prevalence_shift": max(abs(prevalence(new, f) - prevalence(previous, f)) for f in names),
        "value_range": outside / (inside + outside),
    }


@pytest.mark.parametrize("seed", [21, 22, 23])
def test_every_value_equals_a_plain_python_computation(seed):
    rng = np.random.default_rng(seed)
    previous = random_payload(seed, density=(0.01, 0.5))
    new = random_payload(seed + 100, [f"img {i:05d}.png" for i in rng.permutation(2600)[:2000]],
                         density=(0.02, 0.4))
    for name in rng.choice(list(new), 300, replace=False):  # some empty, some duplicated
        new[name] = {} if rng.random() < 0.4 else {"feat_01": 0.75, "feat_02": -0.5}
    for name in rng.choice(list(new), 50, replace=False):  # some values off the old scale
        new[name]["feat_03"] = float(rng.uniform(-2, 3))
    new[next(iter(new))]["brand_new"] = 0.5
    for per_image in new.values():
        per_image.pop("feat_39", None)  # gone
    limits = QualityLimits()
    _, checks = alarms(new, previous, limits)
    want = reference_values(new, previous, limits.value_range_tolerance)
    for c in checks:
        assert c["value"] == pytest.approx(want[c["check"]], rel=1e-12, abs=1e-12), c["check"]
    assert all(v > 0 for v in want.values())  # every check has something to count


def test_prevalence_counts_only_positive_values():
    m = matrix({"a": {"x": -1.0, "y": 0.5}, "b": {"x": 0.2}, "c": {}, "d": {"y": None}})
    assert feature_prevalence(m) == {"x": 25.0, "y": 25.0}


def test_fingerprints_are_equal_exactly_for_equal_vectors_in_any_feature_set():
    a = matrix({"p": {"x": 0.1, "y": 0.2}, "q": {"y": 0.2, "x": 0.1}, "r": {"x": 0.2, "y": 0.1},
                "s": {}, "t": {"x": 0.1, "y": float(np.nextafter(0.2, 1))}})
    b = matrix({"p": {"x": 0.1, "y": 0.2, "z": 0.0}, "u": {"w": 0.3}})
    fa, fb = image_fingerprints(a), image_fingerprints(b)
    assert fa[0] == fa[1] == fb[0]  # same vector: same fingerprint, also across builds
    assert len({fa[0], fa[2], fa[4]}) == 3  # swapped values, one ulp apart: different
    assert fa[3] == 0 and (np.delete(fa, 3) != 0).all()


def test_fingerprints_of_all_vectors_over_a_small_alphabet_are_distinct():
    """Values that differ only in their exponent (0.25, 0.5, 1, 2), swapped between features:
    the structured case a weak hash (one multiply) gets wrong."""
    alphabet = [0.0, 0.25, 0.5, 1.0, 2.0]
    grid = np.array(np.meshgrid(*[alphabet] * 5)).reshape(5, -1).T  # all 3125 vectors
    payload = {f"v{i}": {f"f{j}": float(x) for j, x in enumerate(row)}
               for i, row in enumerate(grid)}
    fingerprints = image_fingerprints(matrix(payload))
    assert len(set(fingerprints.tolist())) == len(grid)
    assert (fingerprints == 0).sum() == 1


def _run_in_a_new_python(code: str) -> str:
    root = Path(__file__).resolve().parents[2]
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=root).stdout.strip()


def test_stats_modules_import_no_database_or_web_library():
    code = ("import sys, data.stats.thresholds, data.stats.fixes, data.stats.quality, "
            "data.stats.compare, data.stats.vectors; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & "
            "{'sqlalchemy', 'flask', 'dash', 'werkzeug', 'plotly', 'psycopg', 'alembic'}))")
    assert _run_in_a_new_python(code) == "[]"


def test_every_figures_statistics_and_domain_module_imports_without_database_or_web():
    # The pure layers (README, "Project layout"): every module of figures/, data/stats/ and
    # data/domain/, imported one after the other, loads no database, server or Dash library.
    code = ("import sys, pkgutil, importlib, figures, data.stats, data.domain\n"
            "names = [m.name for p in (figures, data.stats, data.domain)\n"
            "         for m in pkgutil.walk_packages(p.__path__, p.__name__ + '.')]\n"
            "for n in names: importlib.import_module(n)\n"
            "print(len(names), sorted({m.split('.')[0] for m in sys.modules} & "
            "{'sqlalchemy', 'flask', 'dash', 'werkzeug', 'psycopg', 'alembic'}))")
    count, loaded = _run_in_a_new_python(code).split(" ", 1)
    assert int(count) >= 30 and loaded == "[]"
