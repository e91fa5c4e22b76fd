"""The usual Dash approach, as the baseline: a long pandas table worked over in every callback.

The long (image, feature, value) frame of the non-zero values and the outcomes frame are built
once, as such an app would hold them in memory; `naive_stats` is what its filter-change callback
would run: filter by threshold, join the CTR, group by feature for the means, and one scipy Welch
test per feature, then Benjamini–Hochberg. It follows docs/statistics.md to the letter, so its answer must
equal the API's.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from scipy import stats

from bench.datagen import BenchData

FLOAT_FIELDS = ("prevalence_pct", "ctr_with", "ctr_without", "impact", "ci_low", "ci_high",
                "p_value", "q_value")


def long_frames(data: BenchData) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(long table of non-zero values, outcomes indexed by image) from a generated build."""
    long = pd.DataFrame({
        "image": np.array(data.image_names, dtype=object)[data.rows],
        "feature": np.array(data.feature_names, dtype=object)[data.cols],
        "value": data.values,
    })
    has = data.impressions > 0
    outcomes = pd.DataFrame({
        "image": np.array(data.image_names, dtype=object)[has],
        "ctr": data.clicks[has] / data.impressions[has],
    })
    return long, outcomes


def naive_stats(long: pd.DataFrame, outcomes: pd.DataFrame, threshold: float, min_pct: float,
                max_pct: float) -> list[dict]:
    """docs/statistics.md per feature, the pandas + scipy way; same fields and order as the API."""
    n = len(outcomes)
    y = outcomes["ctr"].to_numpy()
    by_feature, agg = naive_means(long, outcomes, threshold, min_pct, max_pct)
    out = []
    for feature, group in by_feature:
        if feature not in agg.index:
            continue
        mask = np.zeros(n, dtype=bool)
        mask[group["index"].to_numpy()] = True
        with_, without = y[mask], y[~mask]
        ctr_with = float(with_.mean())
        ctr_without = float(without.mean()) if len(without) else None
        rec = {"feature": feature, "n_with": int(mask.sum()), "n_without": int(n - mask.sum()),
               "prevalence_pct": float(agg.at[feature, "prevalence_pct"]),
               "ctr_with": ctr_with, "ctr_without": ctr_without,
               "impact": None if ctr_without is None else ctr_with - ctr_without,
               "ci_low": None, "ci_high": None, "p_value": None, "q_value": None}
        if len(with_) >= 2 and len(without) >= 2 and (with_.var() > 0 or without.var() > 0):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = stats.ttest_ind(with_, without, equal_var=False)
                ci = res.confidence_interval(0.95)
            rec.update(p_value=float(res.pvalue), ci_low=float(ci.low), ci_high=float(ci.high))
        out.append(rec)

    with_p = [r for r in out if r["p_value"] is not None]
    if with_p:
        q = stats.false_discovery_control([r["p_value"] for r in with_p], method="bh")
        for r, qv in zip(with_p, q):
            r["q_value"] = float(qv)
    out.sort(key=lambda r: (r["impact"] is None, -(r["impact"] or 0.0), r["feature"]))
    return out


def naive_means(long: pd.DataFrame, outcomes: pd.DataFrame, threshold: float, min_pct: float,
                max_pct: float):
    """The pandas half of the callback: filter, join the CTR, group by feature; (groups, table
    of n_with, mean CTR with, prevalence for the features in the sparsity range)."""
    n = len(outcomes)
    present = long[(long["value"] > 0) & (long["value"] >= threshold)]
    present = present.merge(outcomes.reset_index(), on="image")  # drops images without CTR
    by_feature = present.groupby("feature")
    agg = by_feature["ctr"].agg(["size", "mean"])
    agg["prevalence_pct"] = 100.0 * agg["size"] / n
    agg = agg[(agg["prevalence_pct"] >= min_pct) & (agg["prevalence_pct"] <= max_pct)]
    return by_feature, agg


def max_difference(api: list[dict], naive: list[dict]) -> float:
    """Largest absolute difference between two answers over every float field, per feature;
    inf when they differ in features, counts, which fields are null, or in order (beyond swaps
    of features whose impacts agree to 1e-12)."""
    by_name = {r["feature"]: r for r in naive}
    if sorted(by_name) != sorted(r["feature"] for r in api):
        return math.inf
    worst = 0.0
    for a in api:
        b = by_name[a["feature"]]
        if a["n_with"] != b["n_with"] or a["n_without"] != b["n_without"]:
            return math.inf
        for k in FLOAT_FIELDS:
            if (a[k] is None) != (b[k] is None):
                return math.inf
            if a[k] is not None:
                worst = max(worst, abs(a[k] - b[k]))
    impacts = [by_name[a["feature"]]["impact"] for a in api]
    for x, y in zip(impacts, impacts[1:]):
        if (x is None and y is not None) or (x is not None and y is not None and y > x + 1e-12):
            return math.inf
    return worst
