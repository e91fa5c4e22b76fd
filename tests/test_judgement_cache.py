"""The per-worker judgement statistics: computed once per judgements version, recomputed after a
new rating or vote (by any worker: the version is read from the database), and a page may be
served the previous scoreboard while a large one is recomputed."""

from __future__ import annotations

import time

import pytest

from data.payloads.judgements import RatingRow, VoteRow
from data.storage import judgement_cache
from data.storage.cache import DatasetCache
from data.storage.db import make_engine, migrate
from data.storage.judgement_cache import JudgementCache
from data.storage.judgements import JudgementStore
from data.storage.loader import load_demo
from data.storage.store import Store
from data.demo import DEMO_BUSINESS, DEMO_IMAGE_SOURCE


@pytest.fixture
def demo(database_url):
    engine = make_engine(database_url)
    migrate(engine)
    store = Store(engine)
    load_demo(store)
    return store, JudgementStore(store)


def test_the_scoreboard_is_computed_once_per_judgements_version(demo):
    store, judgements = demo
    cache = JudgementCache(judgements)
    ref = store.locate(DEMO_BUSINESS, DEMO_IMAGE_SOURCE)
    first = cache.scoreboard(ref)
    assert cache.scoreboard(ref) is first
    # Another worker (another store object on the same database) stores a rating.
    JudgementStore(Store(store.engine)).put_ratings(
        DEMO_BUSINESS, DEMO_IMAGE_SOURCE, [RatingRow(first.images[0], 9, "zoe", None)],
        sent_by="zoe")
    second = cache.scoreboard(ref)
    assert second is not first and second.raters == first.raters + 1


def test_an_outcome_dataset_follows_new_votes(demo):
    store, judgements = demo
    cache = JudgementCache(judgements)
    ds = DatasetCache(store).get(DEMO_BUSINESS, DEMO_IMAGE_SOURCE)
    judged = cache.outcome_dataset(ds, "strength")
    assert cache.outcome_dataset(ds, "strength") is judged
    assert cache.outcome_dataset(ds, "ctr") is ds
    names = ds.matrix.image_names
    judgements.put_votes(DEMO_BUSINESS, DEMO_IMAGE_SOURCE,
                         [VoteRow(names[0], (names[1],), "zoe", None)], sent_by="zoe")
    assert cache.outcome_dataset(ds, "strength") is not judged


def test_a_page_gets_the_previous_large_scoreboard_while_the_next_is_computed(
        demo, monkeypatch):
    store, judgements = demo
    monkeypatch.setattr(judgement_cache, "BACKGROUND_VOTES", 1)
    cache = JudgementCache(judgements)
    ref = store.locate(DEMO_BUSINESS, DEMO_IMAGE_SOURCE)
    first = cache.scoreboard(ref)
    names = first.images
    judgements.put_votes(DEMO_BUSINESS, DEMO_IMAGE_SOURCE,
                         [VoteRow(names[0], (names[1],), "zoe", None)], sent_by="zoe")
    assert cache.scoreboard(ref, fresh=False) is first
    # Its comparison counts already include the new vote.
    counts = cache.comparisons_now(ref, first, names[:2])
    assert list(counts) == [first.comparisons[0] + 1, first.comparisons[1] + 1]
    deadline = time.monotonic() + 30
    while cache.scoreboard(ref, fresh=False) is first:
        assert time.monotonic() < deadline, "the background computation never landed"
        time.sleep(0.05)
    assert cache.scoreboard(ref).votes == first.votes + 1
