"""One set of name rules (data/domain/names.py) for everything that stores a name: feature
names at most 200 characters, image names 500, business and image-source names 500 (no NUL,
not blank). The API answers 422 saying the limit, and the command line refuses the same names
with the same words, so nothing is stored that a later read would refuse."""

from __future__ import annotations

import json

import pytest
import requests

import cli
from data.domain.names import MAX_DATASET_NAME, MAX_FEATURE_NAME, MAX_IMAGE_NAME

HEADERS = {"Business": "Names", "Image-Source": "covers"}


def _stored(srv) -> list:
    return requests.get(srv.url("api/v1/datasets"), timeout=30).json()["businesses"]


@pytest.mark.parametrize("body, what, limit", [
    ({"a.png": {"f" * (MAX_FEATURE_NAME + 1): 0.5}}, "feature", MAX_FEATURE_NAME),
    ({"a.png": {"ok": 0.5}, "i" * (MAX_IMAGE_NAME + 1): {"ok": 0.2}}, "image", MAX_IMAGE_NAME),
], ids=["feature", "image"])
def test_a_name_over_its_limit_is_a_422_that_says_the_limit_and_nothing_is_stored(
        module_live_server, body, what, limit):
    before = _stored(module_live_server)
    resp = requests.put(module_live_server.url("api/v1/features"), json=body, headers=HEADERS,
                        timeout=30)
    assert resp.status_code == 422, resp.text
    error = resp.json()
    assert error["error"] == "name_too_long"
    assert f"longer than {limit} characters" in error["message"]
    assert error["details"][0]["length"] == limit + 1 and error["details"][0]["limit"] == limit
    assert len(error["details"][0][what]) < 100  # the offender shortened, not echoed whole
    assert _stored(module_live_server) == before


def test_names_at_their_limits_are_stored_and_read_back(module_live_server):
    feature, image = "f" * MAX_FEATURE_NAME, "i" * MAX_IMAGE_NAME
    business = "b" * MAX_DATASET_NAME
    headers = {"Business": business, "Image-Source": "covers"}
    resp = requests.put(module_live_server.url("api/v1/features"), timeout=30, headers=headers,
                        json={image: {feature: 0.5}, "x.png": {feature: 0.1}})
    assert resp.status_code == 201, resp.text
    metrics = {image: {"ctr": 0.2}, "x.png": {"ctr": 0.1}}
    assert requests.put(module_live_server.url("api/v1/metrics"), json=metrics, headers=headers,
                        timeout=30).status_code == 200
    read = requests.get(module_live_server.url("api/v1/features"), timeout=30,
                        params={"business": business, "image_source": "covers"})
    assert read.status_code == 200 and read.json()["features"][0]["feature"] == feature


def test_metrics_for_an_image_name_over_the_limit_are_a_422(module_live_server):
    resp = requests.put(module_live_server.url("api/v1/metrics"), headers=HEADERS, timeout=30,
                        json={"i" * (MAX_IMAGE_NAME + 1): {"ctr": 0.1}})
    assert resp.status_code == 422
    assert f"the limit is {MAX_IMAGE_NAME}" in resp.json()["details"][0]["problem"]


def test_a_business_name_over_the_limit_is_refused_alike_by_the_api_and_the_command_line(
        module_live_server, database_url, monkeypatch, tmp_path, capsys):
    long_name = "b" * 600
    resp = requests.put(module_live_server.url("api/v1/features"), json={"a": {"f": 1}},
                        headers={"Business": long_name, "Image-Source": "s"}, timeout=30)
    assert resp.status_code == 422 and resp.json()["error"] == "name_too_long"
    api_words = resp.json()["details"][0]["problem"]

    monkeypatch.setenv("DATABASE_URL", database_url)
    features = tmp_path / "features.json"
    features.write_text(json.dumps({"a": {"f": 1}}))
    for argv in (["load", "--business", long_name, "--image-source", "s", "--features",
                  str(features)],
                 ["load", "--business", "B", "--image-source", " ", "--features", str(features)],
                 ["token", "create", "--name", "t", "--business", long_name]):
        with pytest.raises(SystemExit) as exit_info:
            cli.main(argv)
        assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert api_words in err and "the name is empty" in err
    assert cli.main(["list"]) == 0
    assert json.loads(capsys.readouterr().out) == []  # the command line stored nothing
