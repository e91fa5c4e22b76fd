"""Compare, history and pinned metrics through the API (docs/statistics.md, build quality): the compare route's numbers
are those of two separate features calls, a feature's history is the features API per build, and
a pinned metrics delivery reproduces the old numbers after a new delivery."""

from __future__ import annotations

import pytest

from app import create_app
from config import Settings
from tests.support.payloads import image_names, random_payload

IDENT = {"Business": "Over Time", "Image-Source": "posters"}
QUERY = {"business": "Over Time", "image_source": "posters"}


@pytest.fixture
def client(database_url):
    app = create_app(Settings(database_url=database_url, load_demo=False))
    return app.server.test_client()


def put_build(client, payload, label=None):
    r = client.put("/api/v1/features", json=payload,
                   headers={**IDENT, **({"Build-Id": label} if label else {})})
    assert r.status_code == 201, r.json
    return r.json["build"]


def put_metrics(client, metrics: dict) -> int:
    r = client.put("/api/v1/metrics", json=metrics, headers=IDENT)
    assert r.status_code == 200, r.json
    return r.json["delivery"]


def ctr_metrics(names, seed: int) -> dict:
    import numpy as np
    rng = np.random.default_rng(seed)
    out = {}
    for name in names:
        impressions = int(rng.integers(100, 2000))
        out[name] = {"impressions": impressions, "clicks": int(rng.binomial(impressions, 0.03))}
    return out


def features(client, **params) -> dict:
    r = client.get("/api/v1/features", query_string={**QUERY, **params})
    assert r.status_code == 200, r.json
    return r.json


@pytest.fixture
def three_builds(client):
    """Build 1; build 2 with 100 images gone, 50 new and every value redrawn; build 3 with a
    feature renamed. Metrics for every image of any build."""
    p1 = random_payload(1)
    p2 = random_payload(2, image_names(950, start=100))
    p3 = {name: {k.replace("feat_05", "label_05"): v for k, v in per_image.items()}
          for name, per_image in p2.items()}
    p3["img 00100.png"] = {"feat_01": 0.9}
    ids = [put_build(client, p, f"nightly {i}") for i, p in enumerate((p1, p2, p3), 1)]
    put_metrics(client, ctr_metrics(image_names(1050), seed=3))
    return ids, (p1, p2, p3)


def test_compare_equals_two_features_calls(client, three_builds):
    (b1, b2, _), (p1, p2, _) = three_builds
    params = {"threshold": 0.2, "min_pct": 1, "max_pct": 90}
    r = client.get("/api/v1/compare", query_string={**QUERY, "build_a": b1, "build_b": b2,
                                                    **params})
    assert r.status_code == 200, r.json
    body = r.json
    assert (body["build_a"], body["build_b"]) == (b1, b2)
    assert body["images_added"] == len(set(p2) - set(p1)) == 50
    assert body["images_removed"] == len(set(p1) - set(p2)) == 100
    assert body["images_changed"] == sum(p1[n] != p2[n] for n in set(p1) & set(p2))
    a = {f["feature"]: f for f in features(client, build=b1, **params)["features"]}
    b = {f["feature"]: f for f in features(client, build=b2, **params)["features"]}
    assert {row["feature"] for row in body["features"]} == set(a) | set(b)
    for row in body["features"]:
        fa, fb = a.get(row["feature"]), b.get(row["feature"])
        for side, f in (("a", fa), ("b", fb)):
            for field in ("prevalence_pct", "impact", "n_with"):
                assert row[f"{field}_{side}"] == (f[field] if f else None)
        if fa and fb and fa["impact"] is not None and fb["impact"] is not None:
            assert row["impact_delta"] == pytest.approx(fb["impact"] - fa["impact"], abs=1e-15)
        else:
            assert row["impact_delta"] is None


def test_compare_defaults_to_the_current_build_against_the_one_before(client, three_builds):
    (_, b2, b3), _ = three_builds
    body = client.get("/api/v1/compare", query_string=QUERY).json
    assert (body["build_a"], body["build_b"]) == (b2, b3)
    assert body["images_changed"] >= 1 and body["images_added"] == body["images_removed"] == 0


def test_compare_of_a_first_build_asks_for_build_a(client):
    b1 = put_build(client, random_payload(1))
    r = client.get("/api/v1/compare", query_string={**QUERY, "build_b": b1})
    assert r.status_code == 400 and r.json["error"] == "no_previous_build"


@pytest.mark.parametrize("feature", ["feat_05", "label_05", "feat_01", "no_such_feature"])
def test_history_equals_the_features_api_per_build(client, three_builds, feature):
    ids, _ = three_builds
    r = client.get("/api/v1/history", query_string={**QUERY, "feature": feature,
                                                    "threshold": 0.3})
    assert r.status_code == 200, r.json
    rows = r.json["builds"]
    assert [row["build"] for row in rows] == ids  # oldest first
    for row in rows:
        api = features(client, build=row["build"], threshold=0.3)
        assert row["images"] == api["images"]
        assert row["images_without_ctr"] == api["images_without_ctr"]
        (record,) = [f for f in api["features"] if f["feature"] == feature] or [None]
        if record is None:
            assert row["n_with"] == 0 and row["impact"] is None and row["prevalence_pct"] == 0
        else:
            assert {k: row[k] for k in record if k != "feature"} == {
                k: v for k, v in record.items() if k != "feature"}
    assert [row["in_build"] for row in rows] == {
        "feat_05": [True, True, False], "label_05": [False, False, True],
        "feat_01": [True, True, True], "no_such_feature": [False, False, False]}[feature]
    assert [row["build_label"] for row in rows] == ["nightly 1", "nightly 2", "nightly 3"]


def test_history_needs_a_feature(client, three_builds):
    r = client.get("/api/v1/history", query_string=QUERY)
    assert r.status_code == 400 and r.json["error"] == "missing_feature"


def test_a_pinned_metrics_delivery_reproduces_the_old_numbers_after_a_new_one(client):
    put_build(client, random_payload(1))
    first = put_metrics(client, ctr_metrics(image_names(), seed=1))
    before = features(client, threshold=0.2)
    assert before["metrics_delivery"]["id"] == first and before["metrics_delivery"]["latest"]
    assert before["metrics_delivery"]["rows"] == 1000

    # A second delivery replaces half the images' outcomes: the numbers move.
    second = put_metrics(client, ctr_metrics(image_names(500), seed=2))
    assert second > first
    now = features(client, threshold=0.2)
    assert now["metrics_delivery"]["id"] == second and now["features"] != before["features"]

    pinned = features(client, threshold=0.2, metrics=first)
    assert pinned["features"] == before["features"]
    assert pinned["metrics_delivery"] == {**before["metrics_delivery"], "latest": False}
    assert features(client, threshold=0.2, metrics=second)["features"] == now["features"]
    # Pinning works for every route that computes statistics.
    history = client.get("/api/v1/history", query_string={
        **QUERY, "feature": "feat_03", "threshold": 0.2, "metrics": first}).json
    (old,) = [f for f in before["features"] if f["feature"] == "feat_03"]
    assert history["builds"][0]["impact"] == old["impact"]

    listed = client.get("/api/v1/metrics-deliveries", query_string=QUERY).json
    assert listed["latest"] == second
    assert [(d["id"], d["rows"], d["who"]) for d in listed["deliveries"]] == [
        (second, 500, "loopback"), (first, 1000, "loopback")]


def test_an_unknown_metrics_delivery_is_404(client):
    put_build(client, random_payload(1))
    delivery = put_metrics(client, ctr_metrics(image_names(10), seed=1))
    r = client.get("/api/v1/features", query_string={**QUERY, "metrics": delivery + 1})
    assert r.status_code == 404 and r.json["error"] == "unknown_metrics_delivery"
    # A delivery of another image source is not this one's.
    client.put("/api/v1/features", json=random_payload(1),
               headers={**IDENT, "Image-Source": "other"})
    other = client.put("/api/v1/metrics", json={"img 00000.png": {"ctr": 0.1}},
                       headers={**IDENT, "Image-Source": "other"}).json["delivery"]
    r = client.get("/api/v1/features", query_string={**QUERY, "metrics": other})
    assert r.status_code == 404
    r = client.get("/api/v1/features", query_string={**QUERY, "metrics": "x"})
    assert r.status_code == 400


def test_quality_compare_history_and_deliveries_follow_read_access(database_url):
    app = create_app(Settings(database_url=database_url, load_demo=False,
                              read_access="granted", ingest_tokens=("s3cret",)))
    client = app.server.test_client()
    writer = {**IDENT, "Authorization": "Bearer s3cret"}
    for seed in (4, 5):
        payload = random_payload(seed, image_names(40))
        assert client.put("/api/v1/features", json=payload,
                          headers={**writer, "Build-Id": f"b{seed}"}).status_code == 201
    assert client.put("/api/v1/metrics", json=ctr_metrics(list(payload), 2),
                      headers=writer).status_code == 200
    feature = next(f for values in payload.values() for f in values)
    for route in ("quality", "compare", f"history?feature={feature}", "metrics-deliveries"):
        sep = "&" if "?" in route else "?"
        url = f"/api/v1/{route}{sep}business=Over+Time&image_source=posters"
        refused = client.get(url)  # nobody signed in, no token: nothing is shared
        assert refused.status_code in (401, 403), (route, refused.status_code)
        assert "posters" not in refused.get_data(as_text=True)
        assert client.get(url, headers={"Authorization": "Bearer s3cret"}).status_code == 200, route
