"""Writing a build's parts, and a metrics delivery, on PostgreSQL with COPY ... FROM STDIN
(FORMAT BINARY).

An INSERT with 32 MB bytea parameters (psycopg's executemany) took ~3.5 s for the 58 MB of a
100k x 480 build (10%); a binary COPY of the same bytes ~0.7 s, streamed straight from the
serialised matrix (memoryview slices, no copy per part). Migration 0008 stores the column
uncompressed (STORAGE EXTERNAL): lz4 shrinks the parts by 5% and nearly doubles the COPY's time
(docs/ingest-formats.md, PostgreSQL).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from data.storage.models import BuildPart, ImageMetric, MetricsDeliveryValue

_COPY = (f"COPY {BuildPart.__tablename__} (build_id, part, data) "
         "FROM STDIN (FORMAT BINARY)")


def copy_build_parts(s: Session, build_id: int, blob: bytes, part_bytes: int) -> None:
    """Write `blob` as the parts (part_bytes each, at least one) of build `build_id`, inside
    the session's transaction."""
    view = memoryview(blob)
    with s.connection().connection.driver_connection.cursor() as cur:
        with cur.copy(_COPY) as copy:
            copy.set_types(["int4", "int4", "bytea"])
            for i, off in enumerate(range(0, max(len(blob), 1), part_bytes)):
                copy.write_row((build_id, i, view[off:off + part_bytes]))


_STAGE = "metrics_stage"
_METRIC_VALUES = ("impressions", "clicks", "ctr")


def copy_metrics(s: Session, source_id: int, delivery_id: int, updated_at, rows) -> None:
    """Upsert a delivery's rows (data.payloads.metrics.MetricRow, each image once) into
    image_metric and add them to its history, inside the session's transaction: one binary COPY
    into a temporary table dropped at commit, then two INSERT ... SELECT in name order (the
    indexes grow at their ends). psycopg's executemany sent the 2M parameter rows of a
    1M-image delivery one statement each."""
    conn = s.connection()
    conn.exec_driver_sql(f"CREATE TEMPORARY TABLE IF NOT EXISTS {_STAGE} (image_name text, "
                         "impressions bigint, clicks bigint, ctr double precision) "
                         "ON COMMIT DROP")
    conn.exec_driver_sql(f"TRUNCATE {_STAGE}")  # a retried write in the same transaction
    with conn.connection.driver_connection.cursor() as cur:
        with cur.copy(f"COPY {_STAGE} (image_name, {', '.join(_METRIC_VALUES)}) "
                      "FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["text", "int8", "int8", "float8"])
            for r in rows:
                copy.write_row((r.image, r.impressions, r.clicks, r.ctr))
    values = ", ".join(_METRIC_VALUES)
    updates = ", ".join(f"{c} = excluded.{c}" for c in (*_METRIC_VALUES, "updated_at",
                                                          "delivery_id"))
    params = {"source": source_id, "delivery": delivery_id, "now": updated_at}
    conn.exec_driver_sql(
        f"INSERT INTO {ImageMetric.__tablename__} (image_source_id, image_name, {values}, "
        f"updated_at, delivery_id) SELECT %(source)s, image_name, {values}, %(now)s, "
        f"%(delivery)s FROM {_STAGE} ORDER BY image_name ON CONFLICT (image_source_id, image_name) "
        f"DO UPDATE SET {updates}", params)
    conn.exec_driver_sql(
        f"INSERT INTO {MetricsDeliveryValue.__tablename__} (delivery_id, image_name, "
        f"image_source_id, {values}) SELECT %(delivery)s, image_name, %(source)s, {values} "
        f"FROM {_STAGE} ORDER BY image_name", params)
