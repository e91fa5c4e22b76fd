"""The store and the cached frame on a fresh database: builds, history and the current one,
metrics, exact round trips, nothing written by a failed write, concurrent deliveries."""

from __future__ import annotations

import threading

import pytest

from data.stats.features import feature_stats
from data.storage.cache import DatasetCache
from data.storage.db import make_engine, migrate
from data.domain.matrix import BuildMatrix, matrix_from_table
from api.errors import status_of
from data.domain.errors import DomainError
from data.payloads.features import validate_features
from data.payloads.metrics import validate_metrics_json
from data.storage.store import Idempotency, Store

BIZ, SRC = "Biz", "covers"


@pytest.fixture
def store(database_url):
    engine = make_engine(database_url)
    migrate(engine)
    yield Store(engine)
    engine.dispose()


def matrix(features: dict):
    return matrix_from_table(validate_features(features))


def metrics(obj: dict):
    return validate_metrics_json(obj)


def test_a_new_database_is_empty_and_answers(store):
    assert store.is_empty()
    store.ping()
    assert store.datasets() == []


def test_builds_are_kept_newest_first_and_exactly_one_is_current(store):
    first = store.put_build(BIZ, SRC, matrix({"a": {"f": 1}}), build_label="41")
    same = store.put_build(BIZ, SRC, matrix({"a": {"f": 1}}), build_label="ignored")
    second = store.put_build(BIZ, SRC, matrix({"a": {"f": 2}}), build_label="42")
    assert (first.created, same.created, second.created) == (True, False, True)
    assert same.body["build"] == first.body["build"] and same.body["status"] == "unchanged"
    ref = store.locate(BIZ, SRC)
    assert ref.current_build_id == second.body["build"]
    assert [(b.build_label, b.is_current) for b in store.builds(ref.id)] == [("42", True),
                                                                             ("41", False)]
    assert not store.is_empty()


def test_matrix_round_trip_is_exact_for_awkward_names_and_values(store):
    features = {"a b/c.d": {"x\\y": 0.1 + 0.2, 'q"uote': 1e-300},
                "画像 ☕": {"x\\y": 123456.789, "neg": -2.5}, "empty": {}}
    store.put_build(BIZ, SRC, matrix(features))
    got = store.load_matrix(store.locate(BIZ, SRC).current_build_id)
    assert got.image_names == sorted(features)
    assert got.feature_names == sorted(["x\\y", 'q"uote', "neg"])
    for i, name in enumerate(got.image_names):
        assert got.image_features(i) == {k: v for k, v in features[name].items() if v}


def test_metrics_replace_per_image_and_apply_to_every_build(store):
    store.put_build(BIZ, SRC, matrix({"a": {"f": 1}, "b": {}}))
    store.put_metrics(BIZ, SRC, metrics({"a": {"ctr": 0.1}, "b": {"ctr": 0.2}}))
    result = store.put_metrics(BIZ, SRC, metrics({"a": {"impressions": 10, "clicks": 5},
                                                  "zz": {"ctr": 0.3}}))
    assert (result.body["matched"], result.body["unmatched"]) == (1, 1)
    assert result.body["unmatched_examples"] == ["zz"]
    ref = store.locate(BIZ, SRC)
    assert store.load_outcomes(ref.id) == {"a": (10, 5, None), "b": (None, None, 0.2),
                                           "zz": (None, None, 0.3)}
    store.put_build(BIZ, SRC, matrix({"a": {"f": 2}, "zz": {"f": 1}}))
    ds = DatasetCache(store).get(BIZ, SRC)
    assert ds.images_without_ctr == 0 and list(ds.index.y) == [0.5, 0.3]


def test_a_delivery_is_written_whole_with_its_time_and_history(store):
    """The bulk writers (SQLite: executemany in name order; PostgreSQL: COPY and INSERT ...
    SELECT) store every row, the time SQLAlchemy reads back, and the delivery's history."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from data.domain.clock import utcnow
    from data.storage.models import ImageMetric, MetricsDeliveryValue

    names = [f"img{i:05d}" for i in range(45_000)][::-1]  # past one chunk, not in name order
    before = utcnow()
    store.put_metrics(BIZ, SRC, metrics({n: {"impressions": 100 + i, "clicks": i % 100}
                                         for i, n in enumerate(names)}))
    store.put_metrics(BIZ, SRC, metrics({names[0]: {"ctr": 0.5}}))
    with Session(store.engine) as s:
        stored = {m.image_name: m for m in s.scalars(select(ImageMetric))}
        history = s.execute(select(MetricsDeliveryValue.delivery_id,
                                   MetricsDeliveryValue.image_name,
                                   MetricsDeliveryValue.impressions)).all()
    assert len(stored) == len(names)
    assert (stored[names[0]].impressions, stored[names[0]].ctr) == (None, 0.5)
    assert (stored[names[7]].impressions, stored[names[7]].clicks) == (107, 7)
    written = stored[names[7]].updated_at
    assert abs((written.replace(tzinfo=None) - before.replace(tzinfo=None)).total_seconds()) < 60
    first, second = sorted({d for d, _, _ in history})
    assert sum(d == first for d, _, _ in history) == len(names)
    assert [(n, imp) for d, n, imp in history if d == second] == [(names[0], None)]


def test_npy_headers_are_never_parsed_by_two_threads_at_once(tmp_path, monkeypatch):
    """np.load parses .npy headers with ast.literal_eval, which CPython 3.11 can fail under
    threads ("AST constructor recursion depth mismatch", seen in the server): decoding a build
    and mapping its files take one lock around it."""
    import ast
    import time

    from data.storage.build_files import BuildFiles

    features = {f"img{i}": {"f": i / 10, "g": (i % 3) / 2} for i in range(30)}
    blob = matrix(features).to_bytes()
    files = BuildFiles(tmp_path)
    built = matrix(features)
    files.save_matrix(built, built.content_hash())

    active, most = [0], [0]
    real = ast.literal_eval

    def watched(text):
        active[0] += 1
        most[0] = max(most[0], active[0])
        time.sleep(0.002)  # a wide window: without the lock the threads meet here
        try:
            return real(text)
        finally:
            active[0] -= 1

    monkeypatch.setattr(ast, "literal_eval", watched)

    def work(k):
        for _ in range(5):
            if k % 2:
                assert matrix(features).to_bytes() == blob
                assert BuildMatrix.from_bytes(blob).n_images == 30
            else:
                assert files.matrix(built.content_hash()).n_images == 30

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert most[0] == 1


def test_metrics_before_any_build_are_kept(store):
    result = store.put_metrics(BIZ, SRC, metrics({"a": {"ctr": 0.1}}))
    assert (result.body["build"], result.body["matched"], result.body["unmatched"]) == (None, 0, 1)
    store.put_build(BIZ, SRC, matrix({"a": {"f": 1}, "b": {"f": 1}}))
    assert DatasetCache(store).get(BIZ, SRC).images_without_ctr == 1


def test_a_reused_idempotency_key_with_another_body_writes_nothing(store):
    store.put_build(BIZ, SRC, matrix({"a": {"f": 1}}), idempotency=Idempotency("k", "features", "h1"))
    before = store.datasets()
    with pytest.raises(DomainError) as info:
        store.put_build(BIZ, SRC, matrix({"a": {"f": 9}}),
                        idempotency=Idempotency("k", "features", "h2"))
    assert status_of(info.value) == 422
    assert store.datasets() == before
    replay = store.put_build(BIZ, SRC, matrix({"a": {"f": 1}}),
                             idempotency=Idempotency("k", "features", "h1"))
    assert not replay.created and store.datasets() == before


def test_an_idempotency_key_belongs_to_one_business_and_image_source(store):
    store.put_build(BIZ, SRC, matrix({"a": {"f": 1}}), idempotency=Idempotency("k", "features", "h1"))
    for business, source in ((BIZ, "other source"), ("Other business", SRC)):
        other = store.put_build(business, source, matrix({"a": {"f": 9}}),
                                idempotency=Idempotency("k", "features", "h2"))
        assert other.created and other.body["business"] == business


def test_the_cache_sees_a_new_build_and_new_metrics_at_once(store):
    cache = DatasetCache(store)
    store.put_build(BIZ, SRC, matrix({"a": {"f": 1}, "b": {}}))
    store.put_metrics(BIZ, SRC, metrics({"a": {"ctr": 0.1}, "b": {"ctr": 0.3}}))
    first = cache.get(BIZ, SRC)
    assert cache.get(BIZ, SRC) is first  # reused while nothing changed
    store.put_metrics(BIZ, SRC, metrics({"b": {"ctr": 0.5}}))
    # wait: a reader is served the previous dataset while the new one loads (swap, never block)
    assert list(cache.get(BIZ, SRC, wait=True).index.y) == [0.1, 0.5]
    store.put_build(BIZ, SRC, matrix({"a": {"f": 1}, "b": {}, "c": {"f": 1}}))
    ds = cache.get(BIZ, SRC, wait=True)
    assert ds.matrix.image_names == ["a", "b", "c"] and ds.images_without_ctr == 1
    assert cache.get(BIZ, SRC, first.build.id).build.id == first.build.id


def test_unknown_dataset_and_source_without_build_are_404(store):
    cache = DatasetCache(store)
    with pytest.raises(DomainError) as info:
        cache.get("nobody", SRC)
    assert status_of(info.value) == 404
    store.put_metrics(BIZ, SRC, metrics({"a": {"ctr": 0.1}}))
    with pytest.raises(DomainError) as info:
        cache.get(BIZ, SRC)
    assert (status_of(info.value), info.value.code) == (404, "no_build")


def test_concurrent_builds_to_one_source_leave_exactly_one_current(store):
    errors = []

    def deliver(k):
        try:
            store.put_build(BIZ, SRC, matrix({f"img{i}": {"f": k + i / 10} for i in range(50)}),
                            build_label=str(k))
        except Exception as exc:  # reported below; a thread cannot fail the test itself
            errors.append(exc)

    threads = [threading.Thread(target=deliver, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    builds = store.builds(store.locate(BIZ, SRC).id)
    assert len(builds) == 6
    assert sum(b.is_current for b in builds) == 1
    assert builds[0].is_current  # the last one committed is current


def test_delete_business_removes_everything_under_it(store):
    store.put_build(BIZ, SRC, matrix({"a": {"f": 1}}))
    store.put_metrics(BIZ, SRC, metrics({"a": {"ctr": 0.1}}))
    store.put_build("Other", SRC, matrix({"a": {"f": 1}}))
    assert store.delete_business(BIZ) == {"business": BIZ, "image_sources": 1, "builds": 1}
    assert [b["business"] for b in store.datasets()] == ["Other"]
    assert store.locate(BIZ, SRC) is None
    assert store.delete_business(BIZ) is None


def test_empty_feature_columns_survive_and_are_never_shown(store):
    store.put_build(BIZ, SRC, matrix({"a": {"f": 1, "zero": 0}, "b": {"zero": None}}))
    store.put_metrics(BIZ, SRC, metrics({"a": {"ctr": 0.1}, "b": {"ctr": 0.2}}))
    ds = DatasetCache(store).get(BIZ, SRC)
    assert ds.matrix.feature_names == ["f", "zero"]
    stats = feature_stats(ds.index)
    assert list(stats.feature) == ["f"]
    assert stats.impact[0] == pytest.approx(0.1 - 0.2)
