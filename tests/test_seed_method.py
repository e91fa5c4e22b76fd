"""The seed dashboard's method, reproduced through the real server: features binarised at
>= 0.2, mean CTR of images with and without each feature, impact = with - without. The
expected figures are worked out by hand below; names full of awkward characters survive the
trip through PUT and GET."""

from __future__ import annotations

import csv
import io
import uuid

import pytest
import requests

from data.storage.db import make_engine
from data.storage.store import Store

BUSINESS = 'Apple Music / R&D "Q" ☕'
SOURCE = "covers v2.1\\raw 'lo-fi' 画像"

DOG, CAT, RED = "dog", "cat/kitten.v2", 'red "x" \\ é'

# image name -> {feature: value}; "no metrics.png" gets no metrics (no outcome).
FEATURES = {
    "a b.png":            {DOG: 0.9,     CAT: 0.1},
    "dir/c.jpg":          {DOG: 0.2,     CAT: 0.5,  RED: 0.19},
    "back\\slash":        {DOG: 0.05,               RED: 0.3},
    "quote \"q\" 's'":    {              CAT: 0.7,  RED: 0.25},
    "café ☕ 画像":        {DOG: 0.6,     CAT: None},
    "v1.2.3.final":       {DOG: 0.19999, CAT: 0.2,  RED: 0.1},
    "no metrics.png":     {DOG: 1.0,     CAT: 1.0,  RED: 1.0},
}
# image -> (impressions, clicks); CTR in the comment
METRICS = {
    "a b.png":         (100, 10),    # 0.10
    "dir/c.jpg":       (200, 30),    # 0.15
    "back\\slash":     (50, 10),     # 0.20
    "quote \"q\" 's'": (400, 20),    # 0.05
    "café ☕ 画像":     (1000, 300),  # 0.30
    "v1.2.3.final":    (10, 0),      # 0.00
}

# At threshold 0.2 (the seed's binarisation, v >= 0.2), N = 6 images with a CTR:
# dog   present in a b (0.9), dir/c (0.2), café (0.6)          -> with    {.10, .15, .30}
#       absent in back (0.05), quote (missing), v1 (0.19999)   -> without {.20, .05, .00}
#       ctr_with = .55/3 = 0.18333..., ctr_without = .25/3 = 0.08333..., impact = .30/3 = 0.1
#       prevalence = 3/6 = 50 %
# cat   present in dir/c (0.5), quote (0.7), v1 (0.2)          -> with    {.15, .05, .00}
#       absent in a b (0.1), back (missing), café (null)       -> without {.10, .20, .30}
#       ctr_with = .20/3 = 0.0666..., ctr_without = .60/3 = 0.2, impact = -.40/3 = -0.1333...
#       prevalence = 50 %
# red   present in back (0.3), quote (0.25)                    -> with    {.20, .05}
#       absent in a b, dir/c (0.19), café, v1 (0.1)            -> without {.10, .15, .30, .00}
#       ctr_with = .25/2 = 0.125, ctr_without = .55/4 = 0.1375, impact = -0.0125
#       prevalence = 2/6 = 33.33 %
# Ordered by impact: dog (0.1), red (-0.0125), cat (-0.1333).
SEED_AT_0_2 = [
    (DOG, 3, 3, 50.0, 0.55 / 3, 0.25 / 3, 0.30 / 3),
    (RED, 2, 4, 100 * 2 / 6, 0.25 / 2, 0.55 / 4, 0.25 / 2 - 0.55 / 4),
    (CAT, 3, 3, 50.0, 0.20 / 3, 0.60 / 3, 0.20 / 3 - 0.60 / 3),
]
# At threshold 0 (present when v > 0):
# dog   present in a b, dir/c, back (0.05), café, v1 (0.19999) -> with {.10,.15,.20,.30,.00}
#       ctr_with = .75/5 = 0.15; without = quote {.05}; impact = 0.10
# cat   present in a b (0.1), dir/c, quote, v1                 -> with {.10, .15, .05, .00}
#       ctr_with = .30/4 = 0.075; without = back, café {.20, .30} = 0.25; impact = -0.175
# red   present in dir/c (0.19), back, quote, v1 (0.1)         -> with {.15, .20, .05, .00}
#       ctr_with = .40/4 = 0.10; without = a b, café {.10, .30} = 0.20; impact = -0.10
SEED_AT_0 = [
    (DOG, 5, 1, 100 * 5 / 6, 0.15, 0.05, 0.10),
    (RED, 4, 2, 100 * 4 / 6, 0.10, 0.20, -0.10),
    (CAT, 4, 2, 100 * 4 / 6, 0.075, 0.25, -0.175),
]


@pytest.fixture
def server(module_live_server):
    return module_live_server


@pytest.fixture
def business() -> str:
    """BUSINESS made unique to the test (the module shares one server and database)."""
    return f"{BUSINESS} #{uuid.uuid4().hex[:6]}"


def identity_headers(business: str) -> dict:
    # Jenkins and curl send UTF-8 bytes in headers; requests passes bytes through unchanged.
    return {"Business": business.encode(), "Image-Source": SOURCE.encode()}


def put_seed_build(server, business: str) -> dict:
    r = requests.put(server.url("api/v1/features"), json=FEATURES,
                     headers=identity_headers(business))
    assert r.status_code == 201, r.text
    metrics = {name: {"impressions": imp, "clicks": clk} for name, (imp, clk) in METRICS.items()}
    r = requests.put(server.url("api/v1/metrics"), json=metrics,
                     headers=identity_headers(business))
    assert r.status_code == 200, r.text
    assert (r.json()["matched"], r.json()["unmatched"]) == (6, 0)
    assert r.json()["build_images_without_metrics"] == 1
    return r.json()


def get_features(server, business: str, threshold: float) -> dict:
    r = requests.get(server.url("api/v1/features"),
                     params={"business": business, "image_source": SOURCE, "threshold": threshold})
    assert r.status_code == 200, r.text
    return r.json()


@pytest.mark.parametrize("threshold,expected", [(0.2, SEED_AT_0_2), (0.0, SEED_AT_0)])
def test_seed_method_figures_come_back_exactly(server, business, threshold, expected):
    put_seed_build(server, business)
    body = get_features(server, business, threshold)
    assert (body["images"], body["images_without_ctr"]) == (6, 1)  # N counts images with a CTR
    got = [(r["feature"], r["n_with"], r["n_without"], r["prevalence_pct"], r["ctr_with"],
            r["ctr_without"], r["impact"]) for r in body["features"]]
    assert [g[:3] for g in got] == [e[:3] for e in expected]
    for g, e in zip(got, expected):
        assert g[3:] == pytest.approx(e[3:], abs=1e-12), g[0]


def test_awkward_names_survive_put_and_get(server, business, module_database_url):
    put_seed_build(server, business)
    # business and image source: sent as UTF-8 headers, listed back by GET datasets
    (biz,) = [b for b in requests.get(server.url("api/v1/datasets")).json()["businesses"]
              if b["business"] == business]
    assert [s["image_source"] for s in biz["image_sources"]] == [SOURCE]
    # feature names: back from GET features
    names = {r["feature"] for r in get_features(server, business, 0)["features"]}
    assert names == {DOG, CAT, RED}
    # image names: stored exactly (and the metrics matched all six above)
    store = Store(make_engine(module_database_url))
    ref = store.locate(business, SOURCE)
    assert store.load_matrix(ref.current_build_id).image_names == sorted(FEATURES)
    assert set(store.load_outcomes(ref.id)) == set(METRICS)
    store.engine.dispose()


def test_awkward_image_names_match_csv_metrics_and_query_parameter_identity(server, business):
    r = requests.put(server.url("api/v1/features"), json=FEATURES,
                     params={"business": business, "image_source": SOURCE})
    assert r.status_code == 201, r.text
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["image", "ctr"])
    for name, (imp, clk) in METRICS.items():
        writer.writerow([name, clk / imp])
    r = requests.put(server.url("api/v1/metrics"), data=buf.getvalue().encode(),
                     headers={"Content-Type": "text/csv", **identity_headers(business)})
    assert r.status_code == 200, r.text
    assert (r.json()["matched"], r.json()["unmatched"]) == (6, 0)
    got = {r["feature"]: r for r in get_features(server, business, 0.2)["features"]}
    assert got[DOG]["impact"] == pytest.approx(0.1, abs=1e-12)
