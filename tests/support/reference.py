"""An independent computation of docs/statistics.md, written out directly: plain loops over the payload
for presence, groups and means; scipy's Welch test for the CI and p-value; statsmodels'
Benjamini–Hochberg for the q-values. Tests compare the product against it."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

STAT_COLUMNS = ("feature", "n_with", "n_without", "prevalence_pct", "ctr_with", "ctr_without",
                "impact", "ci_low", "ci_high", "p_value", "q_value")
TOL = 1e-9


def reference_stats(features: dict, y: dict, threshold: float, min_pct: float, max_pct: float):
    """docs/statistics.md written out directly: list of API-shaped dicts, ordered like the API."""
    scored = [i for i in features if i in y and not math.isnan(y[i])]
    n = len(scored)
    names = sorted({f for per_image in features.values() for f in per_image})
    out = []
    for f in names:
        def present(i):
            v = features[i].get(f) or 0.0  # null and missing count as 0
            return v > 0 and v >= threshold
        with_ = [y[i] for i in scored if present(i)]
        without = [y[i] for i in scored if not present(i)]
        if not with_:
            continue
        prevalence = 100.0 * len(with_) / n
        if not min_pct <= prevalence <= max_pct:
            continue
        ctr_with = float(np.mean(with_))
        ctr_without = float(np.mean(without)) if without else None
        rec = {"feature": f, "n_with": len(with_), "n_without": len(without),
               "prevalence_pct": prevalence, "ctr_with": ctr_with, "ctr_without": ctr_without,
               "impact": None if ctr_without is None else ctr_with - ctr_without,
               "ci_low": None, "ci_high": None, "p_value": None, "q_value": None}
        both_constant = len(set(with_)) == 1 and len(set(without)) == 1
        if len(with_) >= 2 and len(without) >= 2 and not both_constant:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # one constant group is fine
                res = stats.ttest_ind(with_, without, equal_var=False)
            ci = res.confidence_interval(0.95)
            rec.update(ci_low=float(ci.low), ci_high=float(ci.high), p_value=float(res.pvalue))
        out.append(rec)
    tested = [r for r in out if r["p_value"] is not None]
    if tested:
        q = multipletests([r["p_value"] for r in tested], method="fdr_bh")[1]
        for r, qv in zip(tested, q):
            r["q_value"] = float(qv)
    out.sort(key=lambda r: (r["impact"] is None, -(r["impact"] or 0.0), r["feature"]))
    return out




def random_build(seed: int, n_images: int = 60, n_features: int = 14):
    """Features in [0, 1] with varied prevalence (some nulls, negatives, exact 0.2 values),
    CTRs from binomial clicks; a few images have no outcome."""
    rng = np.random.default_rng(seed)
    features, y = {}, {}
    prevalence = rng.uniform(0.05, 0.95, n_features)
    for i in range(n_images):
        name = f"img {i:03d}.png"
        per_image = {}
        for f in range(n_features):
            if rng.random() < prevalence[f]:
                v = float(rng.choice([rng.uniform(0, 1), 0.2, 0.5]))
                per_image[f"feat_{f:02d}"] = v
            elif rng.random() < 0.1:
                per_image[f"feat_{f:02d}"] = None if rng.random() < 0.5 else -0.3
        features[name] = per_image
        if rng.random() < 0.9:
            impressions = int(rng.integers(50, 400))
            # a planted effect on feat_00 so some p-values are small
            p = 0.05 + (0.04 if (per_image.get("feat_00") or 0) > 0 else 0.0)
            y[name] = int(rng.binomial(impressions, p)) / impressions
    return features, y


def assert_same_stats(got: list[dict], want: list[dict], tol: float = TOL) -> None:
    """Same features in the same order, every field equal (None for None) to `tol`."""
    assert [r["feature"] for r in got] == [r["feature"] for r in want]
    for g, w in zip(got, want):
        assert set(g) == set(STAT_COLUMNS)
        for key in STAT_COLUMNS:
            if w[key] is None or isinstance(w[key], str):
                assert g[key] == w[key], (w["feature"], key, g[key], w[key])
            else:
                assert g[key] == pytest.approx(w[key], rel=tol, abs=tol), (w["feature"], key)
