"""Trimming a database from the command line: `prune --keep N` deletes old builds (and their
parts) of every image source but never the current one; `delete-business NAME --yes` removes a
business; both are in the audit trail as cli:<user>. A business deleted and sent again is never
served from a worker's cache of the old one. And the page's setup guide includes the token
header as soon as any token exists, whether from INGEST_TOKENS or `cli.py token create`."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import cli
from app import create_app
from config import Settings
from data.domain.matrix import matrix_from_table
from data.payloads.features import validate_features
from data.payloads.metrics import validate_metrics_json
from data.people.tokens import create_token
from data.storage.audit import audit_records
from data.storage.cache import DatasetCache
from data.storage.db import make_engine, migrate
from data.storage.models import BuildPart
from data.storage.store import Store
from tests.support.dash_requests import callback_body, server_callbacks


@pytest.fixture
def store(database_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", database_url)  # what cli.main opens
    engine = make_engine(database_url)
    migrate(engine)
    yield Store(engine)
    engine.dispose()


def _build(store: Store, business: str, source: str, n: int):
    features = {f"img{i}": {"f": (n + i) / 100, f"g{n}": 0.5} for i in range(3)}
    return store.put_build(business, source, matrix_from_table(validate_features(features)),
                           build_label=f"b{n}").body["build"]


def _parts(store: Store) -> set[int]:
    with Session(store.engine) as s:
        return set(s.scalars(select(BuildPart.build_id).distinct()))


def test_prune_keeps_the_newest_builds_of_each_source_and_never_the_current(store, capsys):
    a = [_build(store, "Biz", "a", n) for n in range(5)]
    b = [_build(store, "Biz", "b", n) for n in range(2)]
    c = [_build(store, "Other", "c", 0)]
    version_a = store.locate("Biz", "a").version

    assert cli.main(["prune", "--keep", "2", "--dry-run"]) == 0
    assert "would delete 3 build(s)" in capsys.readouterr().out
    assert _parts(store) == set(a + b + c)

    assert cli.main(["prune", "--keep", "2"]) == 0
    assert "deleted 3 build(s) in 1 image source(s)" in capsys.readouterr().out
    ref = store.locate("Biz", "a")
    assert [info.id for info in store.builds(ref.id)] == a[:1:-1][:2] == [a[4], a[3]]
    assert ref.current_build_id == a[4] and ref.version == version_a + 1
    assert _parts(store) == {a[3], a[4], *b, *c}  # the parts went with their builds

    assert cli.main(["prune", "--keep", "1"]) == 0
    assert _parts(store) == {a[4], b[1], *c}
    records = [r for r in audit_records(store.engine) if r["route"] == "prune"]
    assert [(r["image_source"], r["counts"]) for r in records] == [
        ("b", {"deleted": 1, "kept": 1}), ("a", {"deleted": 1, "kept": 1}),
        ("a", {"deleted": 3, "kept": 2})]
    assert all(r["token_name"] == cli.cli_actor() and r["token_name"].startswith("cli:")
               for r in records)


def test_prune_needs_keep_of_at_least_one(store, capsys):
    _build(store, "Biz", "a", 0)
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["prune", "--keep", "0"])
    assert exit_info.value.code == 2 and "keep at least 1" in capsys.readouterr().err


def test_delete_business_asks_for_yes_then_removes_everything_and_audits_it(store, capsys):
    builds = [_build(store, "Gone", "a", n) for n in range(2)] + [_build(store, "Gone", "b", 0)]
    kept = _build(store, "Kept", "a", 0)
    store.put_metrics("Gone", "a", validate_metrics_json({"img0": {"ctr": 0.1}}))

    with pytest.raises(SystemExit) as exit_info:  # stdin is no terminal here: no prompt
        cli.main(["delete-business", "Gone"])
    assert "Add --yes" in str(exit_info.value.code)
    assert store.locate("Gone", "a") is not None

    assert cli.main(["delete-business", "Gone", "--yes"]) == 0
    assert "2 image source(s), 3 build(s)" in capsys.readouterr().out
    assert [d["business"] for d in store.datasets()] == ["Kept"]
    assert _parts(store) == {kept} and not set(builds) & _parts(store)
    (record,) = [r for r in audit_records(store.engine) if r["route"] == "delete-business"]
    assert (record["business"], record["image_source"], record["counts"]) == (
        "Gone", "", {"image_sources": 2, "builds": 3})
    with Session(store.engine) as s:
        assert s.scalar(select(func.count()).select_from(BuildPart)) == 1

    with pytest.raises(SystemExit) as exit_info:
        cli.main(["delete-business", "Gone", "--yes"])
    assert "no business named 'Gone'" in str(exit_info.value.code)


def test_a_business_deleted_and_sent_again_is_never_served_from_the_old_cache(store):
    cache = DatasetCache(store)
    _build(store, "Again", "a", 0)
    store.put_metrics("Again", "a", validate_metrics_json({"img0": {"ctr": 0.1}}))
    old = cache.get("Again", "a")
    store.delete_business("Again")
    _build(store, "Again", "a", 7)  # SQLite may hand out the same ids again
    store.put_metrics("Again", "a", validate_metrics_json({"img0": {"ctr": 0.1}}))
    new = cache.get("Again", "a")
    assert "g7" in new.matrix.feature_names and "g0" not in new.matrix.feature_names
    assert new is not old


def test_a_page_showing_a_business_that_is_deleted_moves_to_what_exists(store, database_url):
    build = _build(store, "Gone", "a", 0)
    _build(store, "Kept", "a", 0)
    selection = {"business": "Gone", "image_source": "a", "build": None,
                 "version": store.locate("Gone", "a").version, "current_build_id": build}
    store.delete_business("Gone")
    app = create_app(Settings(database_url=database_url, load_demo=False))
    client = app.server.test_client()
    poll = next(c for c in server_callbacks(client.get("/_dash-dependencies").json)
                if "live-version.data" in c["output"])
    resp = client.post("/_dash-update-component", json=callback_body(
        poll, {("live-poll", "n_intervals"): 3, ("selection", "data"): selection},
        changed=("live-poll", "n_intervals")))
    assert resp.status_code == 200
    answer = resp.json["response"]
    assert answer["live-version"]["data"]["reason"] == "gone"  # the selectors re-resolve
    assert "deleted" in answer["live-notice"]["children"]


def _guide_text(database_url: str, **settings) -> str:
    """The setup guide the page shows on an empty server, through the render callback."""
    app = create_app(Settings(database_url=database_url, load_demo=False, **settings))
    client = app.server.test_client()
    render = next(c for c in server_callbacks(client.get("/_dash-dependencies").json)
                  if "scatter-points.data...bar-with" in c["output"])
    resp = client.post("/_dash-update-component", json=callback_body(
        render, {("filters-store", "data"): {}}, changed=("filters-store", "data")))
    assert resp.status_code == 200
    return resp.text


def test_the_setup_guide_asks_for_a_token_once_one_exists_from_either_source(store,
                                                                             database_url):
    assert "Authorization" not in _guide_text(database_url)  # loopback writes, no token
    assert "Authorization: Bearer" in _guide_text(database_url, ingest_tokens=("env-token",))
    create_token(store.engine, "jenkins", "Biz")  # only a token made on the command line
    assert "Authorization: Bearer" in _guide_text(database_url)
