"""Label fixes and thresholds through the API (docs/statistics.md, label fixes and thresholds), on
the backend TEST_DATABASE names: fixes stored with who and when, kept across builds, exported
newest first with conflicts; bad bodies refused whole; statistics with fixes applied equal those
of a build edited by hand; every threshold point of held-out labels equal to an independent
computation; saved thresholds."""

from __future__ import annotations

import csv
import io
import math
import uuid

import numpy as np
import pytest

from app import create_app
from config import Settings
from tests.support.reference import assert_same_stats, random_build, reference_stats


@pytest.fixture(scope="module")
def client(module_database_url):
    app = create_app(Settings(database_url=module_database_url, load_demo=False))
    return app.server.test_client()


@pytest.fixture
def ident() -> dict:
    """Identity headers of a dataset no other test uses."""
    return {"Business": f"Labels {uuid.uuid4().hex[:8]}", "Image-Source": "covers"}


FEATURES = {"a.png": {"text": 0.62, "sky": 0.9}, "b.png": {"text": 0.81},
            "c.png": {"sky": 0.3}, "d.png": {"text": 0.95, "poster": 0.4}}
METRICS = {"a.png": {"ctr": 0.01}, "b.png": {"ctr": 0.02}, "c.png": {"ctr": 0.015},
           "d.png": {"ctr": 0.03}}


def put(client, ident, route, body, status=(200, 201), **headers):
    resp = client.put(f"/api/v1/{route}", json=body, headers={**ident, **headers})
    assert resp.status_code in ((status,) if isinstance(status, int) else status), resp.get_json()
    return resp.get_json()


def get(client, ident, route, status=200, **params):
    resp = client.get(f"/api/v1/{route}", headers=ident, query_string=params)
    assert resp.status_code == status, resp.get_data(as_text=True)[:500]
    return resp.get_json() if resp.is_json else resp.get_data(as_text=True)


def dataset(client, ident, features=FEATURES, metrics=METRICS) -> int:
    build = put(client, ident, "features", features)["build"]
    put(client, ident, "metrics", metrics)
    return build


def test_fixes_are_stored_with_who_when_the_model_value_and_the_build(client, ident):
    build = dataset(client, ident)
    body = put(client, ident, "fixes", [
        {"image": "a.png", "feature": "text", "present": False, "note": "only a logo"},
        {"image": "c.png", "feature": "text", "present": True}])
    assert body["stored"] == 2 and body["build"] == build
    history = get(client, ident, "fixes")
    assert history["count"] == 2
    first, second = history["fixes"]  # newest first: same time, the later row first
    assert (first["image"], first["feature"], first["present"]) == ("c.png", "text", True)
    assert first["model_value"] == 0.0  # the model gave none
    assert (second["model_value"], second["note"], second["build"]) == (0.62, "only a logo", build)
    assert {f["by"] for f in history["fixes"]} == {"loopback"}  # no token configured
    assert all(f["at"].endswith("Z") and not f["conflict"] for f in history["fixes"])


def test_fixes_survive_a_new_build_and_apply_to_it_by_image_name(client, ident):
    dataset(client, ident)
    put(client, ident, "fixes", [{"image": "a.png", "feature": "text", "present": False},
                                 {"image": "c.png", "feature": "text", "present": True}])
    new = dict(FEATURES, **{"e.png": {"text": 0.7}})
    new_build = put(client, ident, "features", new, status=201)["build"]
    history = get(client, ident, "fixes")
    assert history["count"] == 2  # untouched by the new build
    stats = get(client, ident, "features", apply_fixes=1, threshold=0.5)
    assert stats["build"] == new_build and stats["fixes_applied"] == 2
    assert stats["fixes_changed"] == 2
    text = next(f for f in stats["features"] if f["feature"] == "text")
    assert text["n_with"] == 3  # b, d (model) and c (fixed); a fixed absent; e has no CTR
    # A fix made now is made against the new build.
    later = put(client, ident, "fixes", [{"image": "e.png", "feature": "sky", "present": True}])
    assert later["build"] == new_build


def test_unknown_images_and_features_are_a_422_listing_them_and_nothing_is_stored(client, ident):
    dataset(client, ident)
    resp = client.put("/api/v1/fixes", headers=ident, json=[
        {"image": "a.png", "feature": "text", "present": True},
        {"image": "nope.png", "feature": "text", "present": True},
        {"image": "a.png", "feature": "no_such", "present": False}])
    assert resp.status_code == 422
    err = resp.get_json()
    assert err["error"] == "unknown_names"
    assert {"image": "nope.png"}.items() <= err["details"][0].items()
    assert {"feature": "no_such"}.items() <= err["details"][1].items()
    assert get(client, ident, "fixes")["count"] == 0


@pytest.mark.parametrize("body", [
    {"image": "a.png", "feature": "text", "present": True},  # not an array
    [],
    [{"image": "a.png", "feature": "text", "present": "yes"}],
    [{"image": "a.png", "feature": "text"}],
    [{"image": "", "feature": "text", "present": True}],
    [{"image": "a.png", "feature": "text", "present": True, "by": "me"}],
    [{"image": "a.png", "feature": "text", "present": True, "note": 5}],
    [{"image": "a.png", "feature": "text", "present": True}, "text"],
])
def test_bad_fix_bodies_are_refused_whole(client, ident, body):
    dataset(client, ident)
    resp = client.put("/api/v1/fixes", headers=ident, json=body)
    assert resp.status_code == 422, resp.get_json()
    assert resp.get_json()["message"]
    assert get(client, ident, "fixes")["count"] == 0


def test_an_idempotency_key_replays_the_first_answer_and_refuses_another_body(client, ident):
    dataset(client, ident)
    fix = [{"image": "b.png", "feature": "text", "present": False}]
    first = put(client, ident, "fixes", fix, **{"Idempotency-Key": "k-" + ident["Business"]})
    again = put(client, ident, "fixes", fix, **{"Idempotency-Key": "k-" + ident["Business"]})
    assert again == first and get(client, ident, "fixes")["count"] == 1
    other = client.put("/api/v1/fixes", headers={**ident,
                                                 "Idempotency-Key": "k-" + ident["Business"]},
                       json=[{"image": "b.png", "feature": "text", "present": True}])
    assert other.status_code == 422 and get(client, ident, "fixes")["count"] == 1


def test_an_image_only_an_older_build_has_can_still_be_fixed(client, ident):
    dataset(client, ident)
    put(client, ident, "features", {"z.png": {"text": 0.5}}, status=201)
    body = put(client, ident, "fixes", [{"image": "a.png", "feature": "sky", "present": False}])
    assert body["stored"] == 1
    (fix,) = get(client, ident, "fixes")["fixes"]
    assert fix["model_value"] is None  # the current build has no a.png


def test_export_filters_since_disagreement_conflicts_and_csv(client, ident):
    dataset(client, ident)
    put(client, ident, "fixes", [{"image": "a.png", "feature": "text", "present": True},
                                 {"image": "b.png", "feature": "text", "present": False,
                                  "note": "=cmd|' /C calc'!A0"}])
    since = get(client, ident, "fixes")["fixes"][0]["at"]
    # Another "person" (a token-less loopback write with a name cookie) disagrees on a.png.
    client.set_cookie("imd_person", "Zoë")
    try:
        put(client, ident, "fixes", [{"image": "a.png", "feature": "text", "present": False}])
    finally:
        client.delete_cookie("imd_person")
    everything = get(client, ident, "fixes")
    assert [f["by"] for f in everything["fixes"]] == ["Zoë", "loopback", "loopback"]
    assert [f["conflict"] for f in everything["fixes"]] == [True, False, True]
    assert get(client, ident, "fixes", since=since)["count"] == 3
    assert get(client, ident, "fixes", since="2999-01-01")["count"] == 0
    assert get(client, ident, "fixes", conflicts="exclude")["count"] == 1
    assert get(client, ident, "fixes", latest=1)["count"] == 2
    # At 0.7 the model says text in b (0.81) and not in a (0.62).
    disagree = get(client, ident, "fixes", disagree=1, threshold=0.7)
    assert [(f["image"], f["present"]) for f in disagree["fixes"]] == [("b.png", False),
                                                                       ("a.png", True)]
    text = get(client, ident, "fixes", format="csv")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [r["image"] for r in rows] == ["a.png", "b.png", "a.png"]  # same time: by order
    assert rows[1]["note"] == "'=cmd|' /C calc'!A0" and rows[1]["model_value"] == "0.81"
    assert rows[0]["conflict"] == "true" and rows[0]["by"] == "Zoë"
    assert get(client, ident, "fixes", status=400, since="last tuesday")["error"] == \
        "bad_parameter"


@pytest.mark.parametrize("seed", [21, 22])
def test_statistics_with_fixes_applied_equal_a_build_with_the_values_edited_by_hand(client,
                                                                                    seed):
    features, y = random_build(seed, n_images=70, n_features=10)
    rng = np.random.default_rng(seed)
    images, names = sorted(features), sorted({f for v in features.values() for f in v})
    fixes = {}
    for _ in range(40):
        fixes[(str(rng.choice(images)), str(rng.choice(names)))] = bool(rng.random() < 0.5)
    biz = f"Hand {uuid.uuid4().hex[:8]}"
    fixed_src = {"Business": biz, "Image-Source": "with fixes"}
    hand_src = {"Business": biz, "Image-Source": "edited by hand"}
    metrics = {name: {"ctr": v} for name, v in y.items()}
    dataset(client, fixed_src, features, metrics)
    put(client, fixed_src, "fixes", [{"image": i, "feature": f, "present": p}
                                     for (i, f), p in fixes.items()])
    edited = {name: dict(v) for name, v in features.items()}
    for (image, feature), present in fixes.items():
        edited[image][feature] = 1000.0 if present else 0.0
    dataset(client, hand_src, edited, metrics)
    for threshold in (0.0, 0.2, 0.5, 0.9):
        for lo, hi in ((0, 100), (5, 60)):
            got = get(client, fixed_src, "features", apply_fixes=1, threshold=threshold,
                      min_pct=lo, max_pct=hi)
            want = get(client, hand_src, "features", threshold=threshold, min_pct=lo, max_pct=hi)
            assert_same_stats(got["features"], want["features"])
            changed = sum((((features[i].get(f) or 0) > 0 and (features[i].get(f) or 0)
                            >= threshold) != p) for (i, f), p in fixes.items())
            assert got["fixes_changed"] == changed
    # The fixed build's values are the model's own everywhere else: without apply_fixes the
    # statistics are the untouched build's.
    plain = get(client, fixed_src, "features", threshold=0.2)
    assert_same_stats(plain["features"], reference_stats(features, y, 0.2, 0, 100))


def independent_points(values: list[float], fixed: list[bool]) -> list[dict]:
    """The threshold points (docs/statistics.md, "Label fixes and thresholds") written out
    directly, with the Wilson interval by formula."""
    z = 1.959963984540054
    out = []
    for t in sorted(set(values) | {0.0}):
        predicted = [v > 0 and v >= t for v in values]
        n = sum(predicted)
        tp = sum(p and f for p, f in zip(predicted, fixed))
        positives = sum(fixed)
        point = {"threshold": t, "predicted": n, "true_positive": tp,
                 "precision": tp / n if n else None,
                 "recall": tp / positives if positives else None,
                 "coverage": n / len(values), "precision_ci_low": None,
                 "precision_ci_high": None}
        if n:
            p = tp / n
            centre = (p + z * z / (2 * n)) / (1 + z * z / n)
            half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
            point.update(precision_ci_low=max(0.0, centre - half),
                         precision_ci_high=min(1.0, centre + half))
        out.append(point)
    return out


@pytest.mark.parametrize("seed,target", [(31, 0.9), (32, 0.75), (33, 1.0)])
def test_every_threshold_point_of_held_out_labels_matches_an_independent_computation(
        client, ident, seed, target):
    rng = np.random.default_rng(seed)
    n = 120
    # Raw scores (the EOL model's threshold was 1.5), ties, zeros and negatives.
    raw = np.round(rng.normal(1.2, 0.9, n), 2)
    raw[rng.random(n) < 0.15] = 0.0
    names = [f"img {k:03d}.png" for k in range(n)]
    features = {name: ({"label": float(v)} if v != 0 else {"other": 0.5})
                for name, v in zip(names, raw.tolist())}
    dataset(client, ident, features, {name: {"ctr": 0.01} for name in names})
    truth = (raw + rng.normal(0, 0.6, n)) > 1.2  # held-out labels, noisy in the model's value
    labelled = rng.random(n) < 0.8
    put(client, ident, "fixes", [{"image": name, "feature": "label", "present": bool(t)}
                                 for name, t, keep in zip(names, truth, labelled) if keep])
    got = get(client, ident, "thresholds", feature="label", target_precision=target)
    values = [float(v) for v, keep in zip(raw, labelled) if keep]
    fixed = [bool(t) for t, keep in zip(truth, labelled) if keep]
    want = independent_points(values, fixed)
    assert (got["labelled"], got["positives"]) == (len(values), sum(fixed))
    assert len(got["points"]) == len(want)
    for g, w in zip(got["points"], want):
        for key, value in w.items():
            if value is None:
                assert g[key] is None, (w["threshold"], key)
            else:
                assert g[key] == pytest.approx(value, rel=1e-12, abs=1e-12), (w["threshold"], key)
    reaching = [w["threshold"] for w in want if w["precision"] is not None
                and w["precision"] >= target]
    assert got["suggested"] == (reaching[0] if reaching else None)
    assert got["value_range"] == [min(values), max(values)]


def test_thresholds_api_lists_fixed_features_and_refuses_unknown_ones(client, ident):
    dataset(client, ident)
    put(client, ident, "fixes", [{"image": "a.png", "feature": "text", "present": False},
                                 {"image": "b.png", "feature": "text", "present": True}])
    listing = get(client, ident, "thresholds")
    assert listing["features"] == [{"feature": "text", "labelled": 2, "positives": 1,
                                     "saved": None}]
    assert get(client, ident, "thresholds", status=404, feature="nope")["error"] == \
        "unknown_feature"
    assert get(client, ident, "thresholds", status=400, feature="text",
               target_precision=2)["error"] == "bad_parameter"
    empty = get(client, ident, "thresholds", feature="sky")  # in the build, never fixed
    assert empty["labelled"] == 0 and empty["suggested"] is None


def test_saved_thresholds_replace_the_slider_for_their_features(client, ident):
    features, y = random_build(41, n_images=60, n_features=8)
    dataset(client, ident, features, {name: {"ctr": v} for name, v in y.items()})
    names = sorted({f for v in features.values() for f in v})
    saved = {names[0]: 0.5, names[3]: 0.8, names[5]: -1.0}
    body = put(client, ident, "thresholds", saved)
    assert body["thresholds"] == saved and body["saved"] == 3
    slider = 0.2
    got = get(client, ident, "features", thresholds="saved", threshold=slider)
    assert got["thresholds"] == "saved" and got["saved_thresholds"] == saved
    rows = {r["feature"]: r for r in got["features"]}
    for name in names:
        t = saved.get(name, slider)
        want = [r for r in reference_stats(features, y, t, 0, 100) if r["feature"] == name]
        if not want:
            assert name not in rows
            continue
        assert rows[name]["threshold"] == t
        for key in ("n_with", "n_without", "prevalence_pct", "ctr_with", "ctr_without", "impact",
                    "ci_low", "ci_high", "p_value"):
            w, g = want[0][key], rows[name][key]
            assert (g is None and w is None) or g == pytest.approx(w, rel=1e-9, abs=1e-12)
    # null deletes; an unknown feature is refused whole.
    assert put(client, ident, "thresholds", {names[0]: None})["thresholds"] == \
        {names[3]: 0.8, names[5]: -1.0}
    resp = client.put("/api/v1/thresholds", headers=ident, json={"nope": 0.3, names[1]: 0.4})
    assert resp.status_code == 422 and resp.get_json()["details"][0]["feature"] == "nope"
    resp = client.put("/api/v1/thresholds", headers=ident, json={names[1]: "high"})
    assert resp.status_code == 422
    assert set(get(client, ident, "thresholds")["saved_thresholds"]) == {names[3], names[5]}
    # Without the switch nothing changes.
    plain = get(client, ident, "features", threshold=slider)
    assert "thresholds" not in plain and all("threshold" not in r for r in plain["features"])
    assert_same_stats(plain["features"], reference_stats(features, y, slider, 0, 100))


def test_label_writes_with_a_token_are_stored_under_the_tokens_name(database_url):
    app = create_app(Settings(database_url=database_url, load_demo=False,
                              ingest_tokens=("s3cret",)))
    client = app.server.test_client()
    ident = {"Business": "Tokened", "Image-Source": "covers",
             "Authorization": "Bearer s3cret"}
    dataset(client, ident)
    put(client, ident, "fixes", [{"image": "a.png", "feature": "text", "present": False}])
    put(client, ident, "thresholds", {"text": 0.7})
    (fix,) = get(client, ident, "fixes")["fixes"]
    assert fix["by"] == "INGEST_TOKENS#1"
    anonymous = {k: v for k, v in ident.items() if k != "Authorization"}
    resp = client.put("/api/v1/fixes", headers=anonymous,
                      json=[{"image": "a.png", "feature": "text", "present": True}])
    assert resp.status_code == 401
    assert get(client, anonymous, "fixes")["count"] == 1
    audit = client.get("/api/v1/audit", headers=ident).get_json()["records"]
    assert [r["route"] for r in audit[:2]] == ["thresholds", "fixes"]
    assert audit[1]["counts"] == {"received": 1, "stored": 1}


def test_label_reads_follow_read_access_like_every_other_read(database_url):
    app = create_app(Settings(database_url=database_url, load_demo=False,
                              read_access="granted", ingest_tokens=("s3cret",)))
    client = app.server.test_client()
    writer = {"Business": "Granted", "Image-Source": "covers", "Authorization": "Bearer s3cret"}
    dataset(client, writer)
    put(client, writer, "fixes", [{"image": "a.png", "feature": "text", "present": False}])
    anonymous = {k: v for k, v in writer.items() if k != "Authorization"}
    for route in ("fixes", "fixes?format=csv", "thresholds", "thresholds?feature=text",
                  "features?apply_fixes=1"):
        resp = client.get(f"/api/v1/{route}", headers=anonymous)
        assert resp.status_code in (401, 403), (route, resp.status_code)
        assert "a.png" not in resp.get_data(as_text=True)
    assert get(client, writer, "fixes")["count"] == 1
