"""Jenkins' exchange through a real server process (gunicorn): PUT features, PUT metrics (JSON,
CSV, gzip), GET features at several thresholds and sparsity bounds, GET datasets, health,
Build-Id, repeats and Idempotency-Key. Each test writes under its own business name."""

from __future__ import annotations

import gzip
import json
import uuid

import pytest
import requests

from tests.support.reference import assert_same_stats, random_build, reference_stats

SMALL = {"a.png": {"dog": 0.9, "cat": 0.1}, "b.png": {"dog": 0.3}, "c.png": {"cat": 0.8},
         "d.png": {}}


@pytest.fixture
def server(module_live_server):
    return module_live_server


@pytest.fixture
def ident() -> dict:
    """Identity headers of a dataset no other test uses."""
    return {"Business": f"Biz {uuid.uuid4().hex[:8]}", "Image-Source": "covers"}


def put_features(server, ident, body, **headers):
    return requests.put(server.url("api/v1/features"), json=body, headers={**ident, **headers})


def put_metrics(server, ident, body=None, csv: str | None = None, **headers):
    if csv is not None:
        return requests.put(server.url("api/v1/metrics"), data=csv.encode(),
                            headers={**ident, "Content-Type": "text/csv", **headers})
    return requests.put(server.url("api/v1/metrics"), json=body, headers={**ident, **headers})


def get_features(server, ident, **params):
    r = requests.get(server.url("api/v1/features"), params={
        "business": ident["Business"], "image_source": ident["Image-Source"], **params})
    assert r.status_code == 200, r.text
    return r.json()


def my_business(server, ident) -> dict:
    (biz,) = [b for b in requests.get(server.url("api/v1/datasets")).json()["businesses"]
              if b["business"] == ident["Business"]]
    return biz


def test_health_answers_with_the_database_backend(server, database_backend):
    r = requests.get(server.url("api/v1/health"))
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "database": database_backend}


def test_features_then_metrics_then_statistics_match_the_reference(server, ident):
    features, y = random_build(5, n_images=50, n_features=10)
    r = put_features(server, ident, features, **{"Build-Id": "jenkins #41"})
    assert r.status_code == 201, r.text
    created = r.json()
    assert (created["status"], created["images"], created["features"]) == ("created", 50, 10)
    assert created["build_label"] == "jenkins #41"

    r = put_metrics(server, ident, {name: {"ctr": ctr} for name, ctr in y.items()})
    assert r.status_code == 200, r.text
    assert (r.json()["matched"], r.json()["unmatched"]) == (len(y), 0)
    assert r.json()["build_images_without_metrics"] == 50 - len(y)

    for threshold in (0, 0.2, 0.5):
        for min_pct, max_pct in ((0, 100), (10, 90), (30, 60)):
            body = get_features(server, ident, threshold=threshold, min_pct=min_pct,
                                max_pct=max_pct)
            assert (body["build"], body["threshold"]) == (created["build"], threshold)
            assert (body["images"], body["images_without_ctr"]) == (len(y), 50 - len(y))
            assert_same_stats(body["features"],
                              reference_stats(features, y, threshold, min_pct, max_pct))


def test_csv_metrics_report_matched_and_unmatched_images(server, ident):
    assert put_features(server, ident, SMALL).status_code == 201
    r = put_metrics(server, ident, csv="image,impressions,clicks\n"
                                       "a.png,100,10\nb.png,200,10\nc.png,50,0\nghost.png,10,1\n")
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["images_received"], body["matched"], body["unmatched"]) == (4, 3, 1)
    assert body["unmatched_examples"] == ["ghost.png"]
    assert body["build_images_without_metrics"] == 1  # d.png
    # dog: with a (0.10), b (0.05); without c (0.0) -> impact 0.075
    (dog,) = [f for f in get_features(server, ident)["features"] if f["feature"] == "dog"]
    assert (dog["n_with"], dog["n_without"]) == (2, 1)
    assert dog["ctr_with"] == pytest.approx(0.075) and dog["impact"] == pytest.approx(0.075)


def test_a_later_metrics_delivery_replaces_only_the_images_it_names(server, ident):
    put_features(server, ident, SMALL)
    put_metrics(server, ident, csv="image,ctr\na.png,0.1\nb.png,0.2\nc.png,0.3\n")
    put_metrics(server, ident, {"a.png": {"impressions": 10, "clicks": 5}})
    # dog present in a (now 0.5) and b (0.2): mean 0.35; without c (0.3)
    (dog,) = [f for f in get_features(server, ident)["features"] if f["feature"] == "dog"]
    assert dog["ctr_with"] == pytest.approx(0.35) and dog["ctr_without"] == pytest.approx(0.3)


def test_identical_payload_is_200_with_the_same_build_even_in_another_key_order(server, ident):
    first = put_features(server, ident, SMALL)
    assert first.status_code == 201
    again = put_features(server, ident, SMALL)
    assert again.status_code == 200
    assert (again.json()["status"], again.json()["build"]) == ("unchanged", first.json()["build"])
    reordered = {name: dict(reversed(list(feats.items())))
                 for name, feats in reversed(list(SMALL.items()))}
    assert json.dumps(reordered) != json.dumps(SMALL)
    r = put_features(server, ident, reordered)
    assert (r.status_code, r.json()["build"]) == (200, first.json()["build"])
    assert len(my_business(server, ident)["image_sources"][0]["builds"]) == 1


def test_new_content_is_a_new_current_build_and_old_builds_stay_readable(server, ident):
    old = put_features(server, ident, SMALL, **{"Build-Id": "41"}).json()["build"]
    changed = dict(SMALL, **{"e.png": {"dog": 1.0}})
    r = put_features(server, ident, changed, **{"Build-Id": "42"})
    assert r.status_code == 201
    new = r.json()["build"]
    (source,) = my_business(server, ident)["image_sources"]
    assert source["current_build"] == new
    assert [(b["id"], b["build_label"], b["is_current"], b["images"]) for b in source["builds"]] \
        == [(new, "42", True, 5), (old, "41", False, 4)]
    put_metrics(server, ident, csv="image,ctr\na.png,0.1\nb.png,0.2\nc.png,0.3\ne.png,0.4\n")
    assert get_features(server, ident)["build"] == new
    assert get_features(server, ident, build=old)["build"] == old
    assert get_features(server, ident, build=old)["images"] == 3
    # sending the old content again makes it a new current build (it is not the current one)
    r = put_features(server, ident, SMALL)
    assert r.status_code == 201 and r.json()["build"] not in (old, new)


def test_unknown_build_or_dataset_is_404(server, ident):
    put_features(server, ident, SMALL)
    r = requests.get(server.url("api/v1/features"), params={
        "business": ident["Business"], "image_source": "covers", "build": 10 ** 6})
    assert r.status_code == 404 and r.json()["error"] == "unknown_build"
    r = requests.get(server.url("api/v1/features"),
                     params={"business": ident["Business"], "image_source": "nope"})
    assert r.status_code == 404 and r.json()["error"] == "unknown_dataset"


def test_idempotency_key_repeat_is_200_with_the_first_build_and_another_body_is_422(server, ident):
    key = {"Idempotency-Key": f"jenkins-{uuid.uuid4()}"}
    first = put_features(server, ident, SMALL, **key)
    assert first.status_code == 201
    repeat = put_features(server, ident, SMALL, **key)
    assert repeat.status_code == 200
    assert repeat.json()["build"] == first.json()["build"]

    before = my_business(server, ident)
    other = put_features(server, ident, dict(SMALL, **{"x.png": {"dog": 1}}), **key)
    assert other.status_code == 422
    assert other.json()["error"] == "idempotency_key_reused"
    assert my_business(server, ident) == before

    r = put_metrics(server, ident, csv="image,ctr\na.png,0.1\n", **key)  # same key, other route
    assert r.status_code == 422
    metrics_key = {"Idempotency-Key": f"metrics-{uuid.uuid4()}"}
    m1 = put_metrics(server, ident, csv="image,ctr\na.png,0.1\n", **metrics_key)
    m2 = put_metrics(server, ident, csv="image,ctr\na.png,0.1\n", **metrics_key)
    assert (m1.status_code, m2.status_code) == (200, 200) and m1.json() == m2.json()


def test_gzip_bodies_are_accepted(server, ident):
    r = requests.put(server.url("api/v1/features"), data=gzip.compress(json.dumps(SMALL).encode()),
                     headers={**ident, "Content-Type": "application/json",
                              "Content-Encoding": "gzip"})
    assert r.status_code == 201, r.text
    assert (r.json()["images"], r.json()["features"]) == (4, 2)
    r = requests.put(server.url("api/v1/metrics"),
                     data=gzip.compress(b"image,ctr\na.png,0.1\nb.png,0.3\nc.png,0.2\n"),
                     headers={**ident, "Content-Type": "text/csv", "Content-Encoding": "gzip"})
    assert r.status_code == 200 and r.json()["matched"] == 3
    (dog,) = [f for f in get_features(server, ident)["features"] if f["feature"] == "dog"]
    assert dog["ctr_with"] == pytest.approx(0.2)


def test_identity_aliases_x_headers_and_query_parameters(server, ident):
    x = {"X-Business": ident["Business"], "X-Image-Source": ident["Image-Source"]}
    assert requests.put(server.url("api/v1/features"), json=SMALL, headers=x).status_code == 201
    r = requests.put(server.url("api/v1/metrics"), data="image,ctr\na.png,0.5\n",
                     headers={"Content-Type": "text/csv"},
                     params={"business": ident["Business"], "image_source": "covers"})
    assert r.status_code == 200 and r.json()["matched"] == 1


def test_image_url_template_is_stored(server, ident):
    put_features(server, ident, SMALL)
    r = requests.put(server.url("api/v1/image-source"), headers=ident,
                     json={"url_template": "https://cdn.example.com/{name}.png"})
    assert r.status_code == 200, r.text
    (source,) = my_business(server, ident)["image_sources"]
    assert source["url_template"] == "https://cdn.example.com/{name}.png"


def test_python_app_py_serves_the_api_too(live_server_factory, ident):
    """The README's run command (Werkzeug), not only gunicorn."""
    srv = live_server_factory(server="python")
    assert put_features(srv, ident, SMALL).status_code == 201
    assert put_metrics(srv, ident, csv="image,ctr\na.png,0.1\n").status_code == 200
    assert len(get_features(srv, ident)["features"]) == 2
