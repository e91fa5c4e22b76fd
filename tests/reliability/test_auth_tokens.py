"""Who may write: scoped tokens from the CLI, environment tokens, revocation, loopback writes."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

import cli
from data.people.tokens import create_token, list_tokens, revoke_token
from data.storage.models import Build
from tests.reliability.builds import build_body, identity

MUSIC = {"Business": "Apple Music", "Image-Source": "covers", "Content-Type": "application/json"}
TV = {**MUSIC, "Business": "Apple TV"}


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _builds(svc) -> int:
    with Session(svc.store.engine) as s:
        return len(s.scalars(select(Build)).all())


def test_cli_creates_a_token_once_lists_names_only_and_revokes_it(database_url, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert cli.main(["token", "create", "--name", "jenkins-music", "--business", "Apple Music"]) == 0
    token = capsys.readouterr().out.strip()
    assert token.startswith("imd_") and len(token) > 40

    assert cli.main(["token", "list"]) == 0
    listing = capsys.readouterr().out
    assert "jenkins-music" in listing and "Apple Music" in listing and token not in listing

    with pytest.raises(SystemExit, match="already exists"):
        cli.main(["token", "create", "--name", "jenkins-music", "--business", "Apple TV"])
    assert cli.main(["token", "revoke", "jenkins-music"]) == 0
    with pytest.raises(SystemExit, match="no active token"):
        cli.main(["token", "revoke", "jenkins-music"])


def test_tokens_are_stored_as_sha256_only(make_app):
    _, svc = make_app()
    token = create_token(svc.store.engine, "jenkins-music", "Apple Music")
    with svc.store.engine.connect() as conn:
        dump = repr(conn.execute(text("SELECT * FROM ingest_token")).all())
    assert token not in dump
    assert hashlib.sha256(token.encode()).hexdigest() in dump


def test_scoped_token_writes_its_business_and_gets_403_for_another(make_app):
    client, svc = make_app()
    token = create_token(svc.store.engine, "jenkins-music", "Apple Music")

    ok = client.put("/api/v1/features", data=build_body(1), headers={**MUSIC, **_bearer(token)})
    assert ok.status_code == 201
    foreign = client.put("/api/v1/features", data=build_body(2), headers={**TV, **_bearer(token)})
    assert foreign.status_code == 403
    assert foreign.json["error"] == "wrong_business" and "Apple Music" in foreign.json["message"]
    for route, body in (("metrics", b'{"img-0000000": {"ctr": 0.1}}'),
                        ("image-source", b'{"url_template": "https://cdn/{name}.png"}')):
        assert client.put(f"/api/v1/{route}", data=body,
                          headers={**TV, **_bearer(token)}).status_code == 403
    assert _builds(svc) == 1


def test_environment_tokens_write_every_business(make_app):
    client, svc = make_app(ingest_tokens=("env-one", "env-two"))
    create_token(svc.store.engine, "jenkins-music", "Apple Music")
    for headers in (MUSIC, TV):
        assert client.put("/api/v1/features", data=build_body(1),
                          headers={**headers, **_bearer("env-two")}).status_code == 201


@pytest.mark.parametrize("authorization, code", [
    (None, "missing_token"), ("Bearer", "missing_token"), ("Basic abc", "missing_token"),
    ("Bearer imd_not-a-token", "invalid_token"), ("Bearer env-one ", None)])
def test_missing_or_unknown_tokens_get_401_and_write_nothing(make_app, authorization, code):
    client, svc = make_app(ingest_tokens=("env-one",))
    headers = dict(MUSIC) if authorization is None else {**MUSIC, "Authorization": authorization}
    resp = client.put("/api/v1/features", data=build_body(1), headers=headers)
    if code is None:  # surrounding whitespace is not part of the token
        assert resp.status_code == 201
        return
    assert (resp.status_code, resp.json["error"]) == (401, code)
    assert _builds(svc) == 0


def test_revoked_token_is_refused_at_once(make_app):
    client, svc = make_app()
    token = create_token(svc.store.engine, "jenkins-music", "Apple Music")
    assert client.put("/api/v1/features", data=build_body(1),
                      headers={**MUSIC, **_bearer(token)}).status_code == 201
    assert revoke_token(svc.store.engine, "jenkins-music")
    resp = client.put("/api/v1/features", data=build_body(2), headers={**MUSIC, **_bearer(token)})
    assert (resp.status_code, resp.json["error"]) == (401, "revoked_token")
    assert list_tokens(svc.store.engine)[0]["revoked_at"] is not None


def test_loopback_writes_without_token_only_while_no_token_exists(make_app):
    client, svc = make_app()
    assert client.put("/api/v1/features", data=build_body(1), headers=MUSIC).status_code == 201
    remote = client.put("/api/v1/features", data=build_body(2), headers=MUSIC,
                        environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert (remote.status_code, remote.json["error"]) == (403, "writes_disabled")

    create_token(svc.store.engine, "jenkins-music", "Apple Music")
    resp = client.put("/api/v1/features", data=build_body(3), headers=MUSIC)
    assert (resp.status_code, resp.json["error"]) == (401, "missing_token")
    assert _builds(svc) == 1


def test_reads_need_no_token(make_app):
    client, svc = make_app(ingest_tokens=("env-one",))
    client.put("/api/v1/features", data=build_body(1), headers={**MUSIC, **_bearer("env-one")})
    assert client.get("/api/v1/datasets").status_code == 200
    assert client.get("/api/v1/features", headers=identity("Apple Music", "covers")).status_code == 200
