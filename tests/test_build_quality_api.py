"""Quality checks through the API (docs/statistics.md, build quality): every build PUT is checked against the current
build before it is written; alarms come back as `warnings` (still 201), are stored with the build
and answered by GET /api/v1/quality; REJECT_ON_ALARM turns chosen alarms into a 422 that writes
nothing."""

from __future__ import annotations

import pytest

from app import create_app
from config import Settings
from data.stats.quality import CHECKS
from tests.support.payloads import ALSO_RAISED, FAULTS, image_names, random_payload

IDENT = {"Business": "Quality Co", "Image-Source": "banners"}
QUERY = {"business": "Quality Co", "image_source": "banners"}


@pytest.fixture
def make_client(database_url):
    def make(**settings):
        app = create_app(Settings(database_url=database_url, load_demo=False, **settings))
        return app.server.test_client()
    return make


@pytest.fixture
def client(make_client):
    return make_client()


def put(client, payload, ident=IDENT, **headers):
    return client.put("/api/v1/features", json=payload, headers={**ident, **headers})


def builds_of(client) -> list[dict]:
    for b in client.get("/api/v1/datasets").json["businesses"]:
        if b["business"] == IDENT["Business"]:
            return b["image_sources"][0]["builds"]
    return []


def test_a_good_build_after_a_good_one_raises_no_alarm(client):
    first = put(client, random_payload(1))
    assert first.status_code == 201 and first.json["warnings"] == []
    second = put(client, random_payload(2, image_names(start=30)), **{"Build-Id": "nightly 2"})
    assert second.status_code == 201, second.json
    assert second.json["warnings"] == []
    quality = client.get("/api/v1/quality", query_string=QUERY).json
    assert (quality["build"], quality["previous_build"]) == (second.json["build"],
                                                             first.json["build"])
    assert [c["check"] for c in quality["checks"]] == list(CHECKS)
    assert all(c["status"] == "ok" and c["value"] is not None for c in quality["checks"])
    assert quality["stored"] is True and quality["alarms"] == []
    assert [b["alarms"] for b in builds_of(client)] == [[], []]


def test_the_first_build_has_nothing_to_compare_with(client):
    body = put(client, random_payload(1)).json
    quality = client.get("/api/v1/quality", query_string={**QUERY, "build": body["build"]}).json
    assert quality["previous_build"] is None
    by_check = {c["check"]: c for c in quality["checks"]}
    assert by_check["images_dropped"]["value"] is None
    assert "First build" in by_check["images_dropped"]["message"]


@pytest.mark.parametrize("check", sorted(FAULTS))
def test_a_broken_run_after_a_good_one_raises_its_alarm_in_the_put(client, check):
    good = put(client, random_payload(1)).json
    r = put(client, FAULTS[check](2))
    assert r.status_code == 201, r.json  # stored: an alarm warns, it does not refuse
    raised = [w["check"] for w in r.json["warnings"]]
    assert check in raised and set(raised) - {check} <= ALSO_RAISED.get(check, set())
    warning = r.json["warnings"][raised.index(check)]
    assert warning["status"] == "alarm" and warning["value"] > warning["limit"]
    assert warning["message"]
    # Stored with the build: the quality route and the datasets list say the same.
    quality = client.get("/api/v1/quality", query_string=QUERY).json
    assert quality["build"] == r.json["build"] and quality["previous_build"] == good["build"]
    assert quality["alarms"] == raised
    assert [c for c in quality["checks"] if c["status"] == "alarm"] == r.json["warnings"]
    assert [b["alarms"] for b in builds_of(client)] == [raised, []]
    # The same content again is 200 "unchanged", and still says what is wrong with it.
    again = put(client, FAULTS[check](2))
    assert again.status_code == 200 and again.json["warnings"] == r.json["warnings"]


def test_limits_come_from_quality_limits(make_client):
    client = make_client(**{"quality_limits": Settings.from_env(
        {"QUALITY_LIMITS": "empty_images=0.7"}).quality_limits})
    put(client, random_payload(1))
    r = put(client, FAULTS["empty_images"](2))  # 60% empty: under the raised limit
    assert r.status_code == 201 and r.json["warnings"] == []
    quality = client.get("/api/v1/quality", query_string=QUERY).json
    assert {c["check"]: c["limit"] for c in quality["checks"]}["empty_images"] == 0.7


def test_reject_on_alarm_answers_422_and_stores_nothing(make_client):
    client = make_client(reject_on_alarm=frozenset({"empty_images", "images_dropped"}))
    good = put(client, random_payload(1), **{"Idempotency-Key": "job-1"})
    assert good.status_code == 201
    before = client.get("/api/v1/datasets").json
    r = put(client, FAULTS["empty_images"](2), **{"Idempotency-Key": "job-2"})
    assert r.status_code == 422, r.json
    assert r.json["error"] == "quality_alarm"
    assert "REJECT_ON_ALARM" in r.json["message"] and "nothing was stored" in r.json["message"]
    assert [d["check"] for d in r.json["details"]] == ["empty_images"]
    assert client.get("/api/v1/datasets").json == before  # same builds, same version
    # An alarm REJECT_ON_ALARM does not name is a warning only.
    r = put(client, FAULTS["features_missing"](3))
    assert r.status_code == 201 and [w["check"] for w in r.json["warnings"]] == [
        "features_missing"]


def test_a_refused_first_build_leaves_no_business_behind(make_client):
    client = make_client(reject_on_alarm=frozenset({"empty_images"}))
    r = put(client, FAULTS["empty_images"](2))
    assert r.status_code == 422
    assert client.get("/api/v1/datasets").json == {"businesses": []}
    assert client.get("/api/v1/quality", query_string=QUERY).status_code == 404


def test_a_build_stored_without_checks_is_checked_on_request(client, settings):
    from data.domain.matrix import matrix_from_table
    from data.payloads.features import validate_features
    from data.storage.db import make_engine
    from data.storage.store import Store

    store = Store(make_engine(settings.database_url))
    for seed, payload in ((1, random_payload(1)), (2, FAULTS["images_dropped"](2))):
        store.put_build(IDENT["Business"], IDENT["Image-Source"],
                        matrix_from_table(validate_features(payload)))  # no check: as before
    assert [b["alarms"] for b in builds_of(client)] == [None, None]
    quality = client.get("/api/v1/quality", query_string=QUERY).json
    assert quality["stored"] is False and quality["checked_at"] is None
    assert quality["alarms"] == ["images_dropped"]


def test_unknown_names_in_the_settings_stop_the_start():
    with pytest.raises(ValueError, match="REJECT_ON_ALARM: unknown check.*empty_image;"):
        Settings.from_env({"REJECT_ON_ALARM": "empty_image"})
    with pytest.raises(ValueError, match="QUALITY_LIMITS: .*not name=number"):
        Settings.from_env({"QUALITY_LIMITS": "empty_images"})
    with pytest.raises(ValueError, match="QUALITY_LIMITS: quality limit empty_images must be a"):
        Settings.from_env({"QUALITY_LIMITS": "empty_images=lots"})


def test_the_checks_map_the_previous_build_instead_of_copying_it_into_the_worker(client):
    # Each worker used to decode the replaced build into its own memory for the checks (65 MB
    # at 100k images, kept); its build files, written when it was stored, are mapped instead.
    cache = client.application.extensions["image_dashboard"].cache
    assert put(client, random_payload(1)).status_code == 201
    second = put(client, random_payload(2, image_names(start=30)))
    assert second.status_code == 201 and second.json["warnings"] == []
    assert cache.files.directory is not None and cache._matrices == {}
    quality = client.get("/api/v1/quality", query_string={**QUERY, "build": 1}).json
    assert quality["build"] == 1 and cache._matrices == {}
