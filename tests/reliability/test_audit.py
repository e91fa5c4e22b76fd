"""The audit trail: a record for every accepted write, in the write's own transaction."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import data.storage.store
from data.people.tokens import create_token
from data.storage.models import AuditRecord, Build
from tests.reliability.builds import build_body, metrics_body

MUSIC = {"Business": "Apple Music", "Image-Source": "covers", "Content-Type": "application/json"}
TV = {**MUSIC, "Business": "Apple TV"}


@pytest.fixture
def audited(make_app):
    client, svc = make_app(ingest_tokens=("env-one",))
    token = create_token(svc.store.engine, "jenkins-music", "Apple Music")
    return client, svc, {"Authorization": f"Bearer {token}"}, {"Authorization": "Bearer env-one"}


def _count(svc, model) -> int:
    with Session(svc.store.engine) as s:
        return s.scalar(select(func.count()).select_from(model))


def test_every_accepted_write_is_recorded_with_who_what_and_counts(audited):
    client, svc, music, env = audited
    h = {**MUSIC, **music, "Build-Id": "jenkins-41"}
    created = client.put("/api/v1/features", data=build_body(3), headers=h).json
    assert client.put("/api/v1/features", data=build_body(3), headers=h).status_code == 200
    assert client.put("/api/v1/metrics", data=metrics_body(), headers={**MUSIC, **music}).status_code == 200
    assert client.put("/api/v1/image-source", data=b'{"url_template": "https://c/{name}.png"}',
                      headers={**TV, **env}).status_code == 200

    records = client.get("/api/v1/audit", headers=env).json["records"]
    assert [(r["route"], r["status"], r["token_name"], r["business"]) for r in records] == [
        ("image-source", 200, "INGEST_TOKENS#1", "Apple TV"),
        ("metrics", 200, "jenkins-music", "Apple Music"),
        ("features", 200, "jenkins-music", "Apple Music"),
        ("features", 201, "jenkins-music", "Apple Music")]
    first = records[-1]
    assert first["build"] == created["build"] and first["build_label"] == "jenkins-41"
    assert first["image_source"] == "covers" and first["at"].endswith("Z")
    assert first["counts"] == {"images": 40, "features": 4, "values": created["values"]}
    assert records[1]["counts"] == {"images_received": 40, "matched": 40, "unmatched": 0}


def test_rejected_writes_leave_no_audit_record(audited):
    client, svc, music, _ = audited
    for headers, body in (({**MUSIC, **music}, b"{not json"),
                          ({**MUSIC, **music}, b'{"a": {"f": "x"}}'),
                          ({**TV, **music}, build_body(1)),
                          (MUSIC, build_body(1))):
        assert client.put("/api/v1/features", data=body, headers=headers).status_code >= 400
    assert _count(svc, AuditRecord) == 0


def test_audit_record_and_build_commit_together(audited, monkeypatch):
    client, svc, music, _ = audited

    def failing_record(*args, **kwargs):
        raise RuntimeError("audit storage failed")

    monkeypatch.setattr(data.storage.store, "record_write", failing_record)
    resp = client.put("/api/v1/features", data=build_body(1), headers={**MUSIC, **music})
    assert resp.status_code == 500 and resp.json["error"] == "internal_error"
    assert _count(svc, Build) == 0  # the build rolled back with its audit record


def test_audit_reads_need_a_token_and_a_business_token_sees_its_business_only(audited):
    client, svc, music, env = audited
    client.put("/api/v1/features", data=build_body(1), headers={**MUSIC, **music})
    client.put("/api/v1/features", data=build_body(1), headers={**TV, **env})

    assert client.get("/api/v1/audit").status_code == 401
    own = client.get("/api/v1/audit", headers=music).json
    assert own["business"] == "Apple Music"
    assert {r["business"] for r in own["records"]} == {"Apple Music"}
    assert client.get("/api/v1/audit?business=Apple%20TV", headers=music).status_code == 403

    everything = client.get("/api/v1/audit", headers=env).json["records"]
    assert {r["business"] for r in everything} == {"Apple Music", "Apple TV"}
    tv_only = client.get("/api/v1/audit?business=Apple%20TV", headers=env).json["records"]
    assert [r["business"] for r in tv_only] == ["Apple TV"]


def test_audit_pages_newest_first(audited):
    client, _, music, _ = audited
    for k in range(1, 6):
        client.put("/api/v1/features", data=build_body(k), headers={**MUSIC, **music})
    page1 = client.get("/api/v1/audit?limit=2", headers=music).json["records"]
    page2 = client.get(f"/api/v1/audit?limit=2&before={page1[-1]['id']}", headers=music).json["records"]
    ids = [r["id"] for r in page1 + page2]
    assert len(ids) == 4 and ids == sorted(ids, reverse=True)
    assert client.get("/api/v1/audit?limit=0", headers=music).status_code == 400
