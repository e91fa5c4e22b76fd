"""Migration 0007: metrics stored before delivery history become one delivery per image source,
so the latest outcome set is unchanged and pinning that delivery reproduces it."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import text

from data.storage.db import MIGRATIONS, make_engine, migrate
from data.storage.store import Store


def _upgrade(engine, revision: str) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def test_metrics_stored_before_become_one_delivery_per_image_source(database_url):
    engine = make_engine(database_url)
    _upgrade(engine, "0003")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO business (id, name, is_demo, created_at) "
                          "VALUES (1, 'B', false, '2026-01-01')"))
        for sid, name in ((1, 'one'), (2, 'two'), (3, 'none')):
            conn.execute(text("INSERT INTO image_source (id, business_id, name, version, "
                              "created_at) VALUES (:i, 1, :n, 1, '2026-01-01')"),
                         {"i": sid, "n": name})
        for sid, image, imp, clk, ctr in ((1, "a", 100, 5, None), (1, "b", None, None, 0.2),
                                          (2, "c", 10, 1, None)):
            conn.execute(text("INSERT INTO image_metric (image_source_id, image_name, "
                              "impressions, clicks, ctr, updated_at) VALUES (:s, :i, :imp, "
                              ":clk, :ctr, '2026-01-02')"),
                         {"s": sid, "i": image, "imp": imp, "clk": clk, "ctr": ctr})
    migrate(engine)
    store = Store(engine)
    one, two = store.deliveries(1), store.deliveries(2)
    assert [(d.rows, d.who) for d in one] == [(2, "before delivery history")]
    assert [d.rows for d in two] == [1] and store.deliveries(3) == []
    latest, delivery = store.latest_outcomes(1)
    assert latest == {"a": (100, 5, None), "b": (None, None, 0.2)} and delivery == one[0].id
    assert store.outcomes_at(1, one[0].id) == latest
    assert store.latest_outcomes(2) == ({"c": (10, 1, None)}, two[0].id)
    engine.dispose()
