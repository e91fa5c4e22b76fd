"""The features API's adjusted impact (`adjust=1`) and impressions-weighted view (`weight=`),
through HTTP on a real database, against statsmodels and pandas on held-out data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from app import create_app

BIZ, SRC = "Adjusted Co", "held out"
Q = {"business": BIZ, "image_source": SRC}


@pytest.fixture
def client(settings):
    return create_app(settings).server.test_client()


def planted(seed: int, n: int = 400):
    """Feature `a` raises CTR; `b` only ever appears with `a` (and so looks good raw);
    `c` and `d` are noise."""
    rng = np.random.default_rng(seed)
    a = rng.random(n) < 0.3
    b = a & (rng.random(n) < 0.6)
    c = rng.random(n) < 0.4
    d = rng.random(n) < 0.5
    impressions = rng.integers(500, 20_000, n)
    ctr = np.clip(0.02 + 0.01 * a + rng.normal(0, 0.004, n), 0.001, 0.5)
    clicks = rng.binomial(impressions, ctr)
    names = [f"img{i:04d}" for i in range(n)]
    present = {"a": a, "b": b, "c": c, "d": d}
    features = {name: {f: round(0.5 + 0.4 * rng.random(), 4) for f, m in present.items() if m[i]}
                for i, name in enumerate(names)}
    metrics = {name: {"impressions": int(impressions[i]), "clicks": int(clicks[i])}
               for i, name in enumerate(names)}
    return features, metrics, pd.DataFrame({**{f: m.astype(float) for f, m in present.items()},
                                            "impressions": impressions, "clicks": clicks},
                                           index=names)


def load(client, features, metrics):
    assert client.put("/api/v1/features", json=features, query_string=Q).status_code == 201
    assert client.put("/api/v1/metrics", json=metrics, query_string=Q).status_code == 200


@pytest.mark.parametrize("seed", [11, 12])
def test_adjusted_impact_shows_only_the_real_effect_and_equals_statsmodels_hc3(client, seed):
    features, metrics, frame = planted(seed)
    load(client, features, metrics)
    body = client.get("/api/v1/features", query_string={**Q, "adjust": "1"}).json
    rows = {r["feature"]: r for r in body["features"]}
    assert set(rows) == {"a", "b", "c", "d"}
    # Raw: both a and b look like they raise CTR; adjusted: only a does, b's interval has 0.
    assert rows["a"]["ci_low"] > 0 and rows["b"]["ci_low"] > 0
    assert rows["a"]["adjusted_ci_low"] > 0
    assert rows["b"]["adjusted_ci_low"] < 0 < rows["b"]["adjusted_ci_high"]

    y = frame["clicks"] / frame["impressions"]
    x = sm.add_constant(frame[["a", "b", "c", "d"]])
    fit = sm.OLS(y, x).fit(cov_type="HC3", use_t=True)
    ci = fit.conf_int(0.05)
    for f in "abcd":
        assert rows[f]["adjusted_impact"] == pytest.approx(fit.params[f], rel=1e-6, abs=1e-12)
        assert rows[f]["adjusted_ci_low"] == pytest.approx(ci.loc[f, 0], rel=1e-6, abs=1e-12)
        assert rows[f]["adjusted_ci_high"] == pytest.approx(ci.loc[f, 1], rel=1e-6, abs=1e-12)
        assert rows[f]["adjusted_p_value"] == pytest.approx(fit.pvalues[f], rel=1e-6, abs=1e-12)
        assert rows[f]["adjusted_note"] is None


def test_without_adjust_the_answer_has_no_adjusted_fields(client):
    features, metrics, _ = planted(3, 60)
    load(client, features, metrics)
    body = client.get("/api/v1/features", query_string=Q).json
    assert body["features"] and all("adjusted_impact" not in r for r in body["features"])


def test_impressions_weighted_view_pools_clicks_over_impressions(client):
    features, metrics, frame = planted(5)
    load(client, features, metrics)
    body = client.get("/api/v1/features", query_string={**Q, "weight": "impressions"}).json
    assert body["weight"] == "impressions" and body["images"] == len(frame)
    for row in body["features"]:
        with_f = frame[frame[row["feature"]] > 0]
        without = frame[frame[row["feature"]] == 0]
        assert row["ctr_with"] == pytest.approx(with_f.clicks.sum() / with_f.impressions.sum())
        assert row["ctr_without"] == pytest.approx(without.clicks.sum() / without.impressions.sum())
        assert row["ci_low"] < row["impact"] < row["ci_high"]


def test_a_weight_that_is_not_offered_is_a_400_naming_the_choices(client):
    features, metrics, _ = planted(4, 30)
    load(client, features, metrics)
    resp = client.get("/api/v1/features", query_string={**Q, "weight": "clicks"})
    assert resp.status_code == 400 and "images, impressions" in resp.json["message"]
    assert client.get("/api/v1/features", query_string={**Q, "adjust": "maybe"}).status_code == 400
