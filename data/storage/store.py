"""The store: every read and write of businesses, image sources, builds and metrics.

Each public method is one unit of work (one transaction). Writes run on the writer engine:
on SQLite they take the database write lock at BEGIN, on PostgreSQL they lock the image
source's row, so concurrent deliveries to one image source are applied one after the other and
a reader only ever sees whole builds.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from operator import attrgetter
from dataclasses import dataclass
from typing import Callable

import orjson
from sqlalchemy import Engine, delete, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from data.domain.clock import iso, utcnow
from data.domain.errors import IdempotencyConflict
from data.domain.matrix import BuildMatrix
from data.payloads.metrics import MetricRow
from data.storage.audit import WriteAudit, record_write
from data.storage.db import writer
from data.storage.pg_copy import copy_build_parts, copy_metrics
from data.storage.writable import writes_or_unavailable
from data.storage.reads import StoreReads
from data.storage.models import (Build, BuildPart, BuildQuality, Business, IdempotencyRecord,
                                 ImageMetric, ImageSource, MetricsDelivery, MetricsDeliveryValue)

PART_BYTES = 32 * 1024 * 1024
log = logging.getLogger(__name__)

# A build's quality checks: called inside the write with the id and content hash of the build it
# will replace (None, None for the first), returns run_checks' results (stored with the build),
# or raises a DomainError to refuse the build (nothing is written).
QualityCheck = Callable[[int | None, str | None], list[dict]]


@dataclass(frozen=True)
class Idempotency:
    """An Idempotency-Key and what it was sent with. A key belongs to one business and image
    source: the same key sent for another is another key (`record_key`)."""

    key: str
    route: str
    request_hash: str

    def record_key(self, business: str, image_source: str) -> str:
        """The IdempotencyRecord key: a hash of business, image source and key, so one
        business's keys never meet another's (and the stored key reveals none of them)."""
        return "s1:" + request_hash(business, image_source, self.key)


@dataclass(frozen=True)
class WriteResult:
    """What a write did: `created` is True when it made something new (a new build), False when
    it replaced values or found the same content already there; `body` is its summary."""

    created: bool
    body: dict


class Store(StoreReads):
    """Every read (StoreReads) and write of businesses, image sources, builds and metrics."""

    def __init__(self, engine: Engine):
        super().__init__(engine)
        self._writer = writer(engine)
        self._lz4: bool | None = None  # PostgreSQL server offers lz4 TOAST compression
        self._wal_autocheckpoint: int | None = None  # SQLite's setting before builds touch it

    # ----------------------------------------------------------------------------- writes

    def put_build(self, business: str, image_source: str, matrix: BuildMatrix, *,
                  build_label: str | None = None, idempotency: Idempotency | None = None,
                  is_demo: bool = False, actor: str | None = None,
                  check: QualityCheck | None = None) -> WriteResult:
        """Store a build and make it current, in one transaction. `created` when new; not when
        the same content is already the current build (nothing written). `actor` (a token name) adds an
        audit record in the same transaction. `check` runs the quality checks against the
        current build while the image source is locked (see QualityCheck); its results are
        stored with the build and its alarms are the body's `warnings`."""
        # Bytes first: the server's build-files thread hashes the same matrix meanwhile (its
        # files are named by the hash), so the hash is usually ready by then (a memo).
        blob = matrix.to_bytes()
        content_hash = matrix.content_hash()

        def work(s: Session, src: ImageSource) -> WriteResult:
            current = s.scalar(select(Build).where(Build.image_source_id == src.id,
                                                   Build.is_current.is_(True)))
            if current is not None and current.content_hash == content_hash:
                stored = s.get(BuildQuality, current.id)
                return WriteResult(False, self._build_body(
                    src, current, "unchanged", s,
                    _alarms(orjson.loads(stored.checks)) if stored is not None else []))
            checks = (check(current.id, current.content_hash) if current is not None
                      else check(None, None)) if check else None
            s.execute(update(Build).where(Build.image_source_id == src.id,
                                          Build.is_current.is_(True)).values(is_current=False))
            s.flush()
            build = Build(image_source_id=src.id, build_label=build_label, received_at=utcnow(),
                          content_hash=content_hash, n_images=matrix.n_images,
                          n_features=matrix.n_features, n_values=matrix.nnz, is_current=True,
                          is_demo=is_demo)
            s.add(build)
            s.flush()
            self._prepare_blob_write(s)
            if s.get_bind().dialect.name == "postgresql":  # ~5x faster than INSERT (pg_copy.py)
                copy_build_parts(s, build.id, blob, PART_BYTES)
            else:
                s.execute(BuildPart.__table__.insert(), [
                    {"build_id": build.id, "part": i, "data": blob[off:off + PART_BYTES]}
                    for i, off in enumerate(range(0, max(len(blob), 1), PART_BYTES))])
            warnings = []
            if checks is not None:
                warnings = _alarms(checks)
                s.add(BuildQuality(
                    build_id=build.id, previous_build_id=current.id if current else None,
                    alarms=orjson.dumps([w["check"] for w in warnings]).decode(),
                    checks=orjson.dumps(checks).decode(), checked_at=build.received_at))
            src.version += 1
            return WriteResult(True, self._build_body(src, build, "created", s, warnings))

        result = self._write(business, image_source, work, idempotency, is_demo,
                             audit=WriteAudit(actor, "features") if actor else None)
        if result.created and self.engine.dialect.name == "sqlite":
            self._checkpoint_in_background()
        return result

    def _prepare_blob_write(self, s: Session) -> None:
        """Make writing a build's tens of MB cheap for the request that does it.

        SQLite: this transaction's commit skips the WAL auto-checkpoint, which would copy the
        whole build into the database file inside the request (~0.12 s at 100k x 480); a thread
        checkpoints right after (`_checkpoint_in_background`) and the next write restores the
        setting (`_write`). PostgreSQL: TOAST-compress the parts with lz4 instead of pglz, which
        takes ~2.7 s per 32 MB part (lz4: ~0.4 s); reading needs nothing, each stored value
        records its method; a server without lz4 keeps pglz."""
        if s.get_bind().dialect.name == "sqlite":
            s.connection().exec_driver_sql("PRAGMA wal_autocheckpoint=0")
            return
        if s.get_bind().dialect.name != "postgresql":
            return
        if self._lz4 is None:
            self._lz4 = bool(s.scalar(text(
                "SELECT 'lz4' = ANY(enumvals) FROM pg_settings "
                "WHERE name = 'default_toast_compression'")))
        if self._lz4:
            s.execute(text("SET LOCAL default_toast_compression = 'lz4'"))

    def put_metrics(self, business: str, image_source: str, rows: list[MetricRow], *,
                    idempotency: Idempotency | None = None, is_demo: bool = False,
                    actor: str | None = None) -> WriteResult:
        """Insert or replace the outcomes of the images named; others keep theirs. The delivery
        is kept as history (MetricsDelivery and its values), `actor` as who sent it."""

        def work(s: Session, src: ImageSource) -> WriteResult:
            now = utcnow()
            delivery = MetricsDelivery(image_source_id=src.id, received_at=now, rows=len(rows),
                                       who=actor or ("demo" if is_demo else None))
            s.add(delivery)
            s.flush()
            if s.get_bind().dialect.name == "postgresql":
                copy_metrics(s, src.id, delivery.id, now, rows)
            else:
                _insert_metrics(s, src.id, delivery.id, now, rows)
            src.version += 1
            current = s.scalar(select(Build).where(Build.image_source_id == src.id,
                                                   Build.is_current.is_(True)))
            body = {"business": business, "image_source": image_source,
                    "delivery": delivery.id,
                    "images_received": len(rows), "build": None, "matched": 0,
                    "unmatched": len(rows), "unmatched_examples": [r.image for r in rows[:10]],
                    "build_images_without_metrics": None}
            if current is not None:
                names = set(self.load_image_names(current.id, s))
                unmatched = [r.image for r in rows if r.image not in names]
                have = set(s.connection().execute(select(ImageMetric.image_name).where(
                    ImageMetric.image_source_id == src.id)).scalars().all())
                body.update(build=current.id, matched=len(rows) - len(unmatched),
                            unmatched=len(unmatched), unmatched_examples=unmatched[:10],
                            build_images_without_metrics=len(names - have))
            return WriteResult(False, body)

        return self._write(business, image_source, work, idempotency, is_demo,
                           audit=WriteAudit(actor, "metrics") if actor else None)

    def set_url_template(self, business: str, image_source: str, template: str | None, *,
                         actor: str | None = None) -> None:
        """Set (or clear, with None) the picture URL template of an image source."""

        def work(s: Session, src: ImageSource) -> WriteResult:
            src.url_template = template
            src.version += 1
            return WriteResult(False, {})

        self._write(business, image_source, work, None, False,
                    audit=WriteAudit(actor, "image-source") if actor else None)

    def delete_business(self, business: str, *, actor: str | None = None) -> dict | None:
        """Remove a business and everything under it (image sources, builds and their parts,
        metrics), in one transaction; `actor` adds an audit record (route "delete-business",
        image source "" = all of them). What was removed, or None when there is no such
        business."""
        with writes_or_unavailable(), Session(self._writer) as s, s.begin():
            biz = s.scalar(select(Business).where(Business.name == business).with_for_update())
            if biz is None:
                return None
            sources = s.scalars(select(ImageSource.id).where(
                ImageSource.business_id == biz.id)).all()
            builds = s.scalars(select(Build.id).where(Build.image_source_id.in_(sources))).all()
            # Parts and builds explicitly: the result does not depend on the database
            # enforcing ON DELETE CASCADE.
            s.execute(delete(BuildPart).where(BuildPart.build_id.in_(builds)))
            s.execute(delete(Build).where(Build.id.in_(builds)))
            s.execute(delete(ImageMetric).where(ImageMetric.image_source_id.in_(sources)))
            s.execute(delete(ImageSource).where(ImageSource.id.in_(sources)))
            s.delete(biz)
            body = {"business": business, "image_sources": len(sources), "builds": len(builds)}
            if actor:
                record_write(s, WriteAudit(actor, "delete-business"), business, "", False, body)
            return body

    def prune_builds(self, keep: int, *, actor: str | None = None,
                     dry_run: bool = False) -> list[dict]:
        """Delete all but the `keep` (>= 1) newest builds of every image source, never its
        current build; a build's parts go with it. One transaction per image source (its row
        locked, so a build landing meanwhile is counted); each source that lost builds gets a
        new version (open pages and every worker's cache notice) and, with `actor`, an audit
        record (route "prune"). With `dry_run` nothing is deleted. One entry per image source
        that had builds to delete: business, image_source, deleted (build ids), kept."""
        if keep < 1:
            raise ValueError("keep must be at least 1 (the newest build)")
        with Session(self.engine) as s:
            source_ids = s.scalars(select(ImageSource.id).order_by(ImageSource.id)).all()
        pruned = []
        for source_id in source_ids:
            with writes_or_unavailable(), Session(self._writer) as s, s.begin():
                src = s.scalar(select(ImageSource).where(ImageSource.id == source_id)
                               .with_for_update())
                if src is None:  # deleted meanwhile
                    continue
                builds = s.execute(select(Build.id, Build.is_current)
                                   .where(Build.image_source_id == source_id)
                                   .order_by(Build.id.desc())).all()
                doomed = [b.id for i, b in enumerate(builds) if i >= keep and not b.is_current]
                if not doomed:
                    continue
                biz = s.get(Business, src.business_id)
                body = {"business": biz.name, "image_source": src.name, "deleted": doomed,
                        "kept": len(builds) - len(doomed)}
                pruned.append(body)
                if dry_run:
                    continue
                s.execute(delete(BuildPart).where(BuildPart.build_id.in_(doomed)))
                s.execute(delete(Build).where(Build.id.in_(doomed)))
                src.version += 1
                if actor:
                    record_write(s, WriteAudit(actor, "prune"), biz.name, src.name, False,
                                 {**body, "deleted": len(doomed)})
        return pruned

    def _write(self, business: str, image_source: str, work, idempotency: Idempotency | None,
               is_demo: bool, attempts: int = 3, audit: WriteAudit | None = None) -> WriteResult:
        for attempt in range(attempts):
            try:
                with writes_or_unavailable(), \
                        Session(self._writer, expire_on_commit=False) as s, s.begin():
                    self._restore_autocheckpoint(s)
                    record_key = None
                    if idempotency is not None:
                        record_key = idempotency.record_key(business, image_source)
                        replay = self._replay(s, idempotency, record_key)
                        if replay is not None:
                            return replay
                    src = self._lock_source(s, business, image_source, is_demo)
                    result = work(s, src)
                    if audit is not None:
                        record_write(s, audit, business, image_source, result.created, result.body)
                    if idempotency is not None:
                        s.add(IdempotencyRecord(key=record_key, route=idempotency.route,
                                                request_hash=idempotency.request_hash,
                                                status=int(result.created),
                                                response=orjson.dumps(result.body).decode()))
                    return result
            except IntegrityError:
                # A concurrent writer created the same row first (PostgreSQL): start again and
                # find it; the retry sees the other transaction's committed result.
                if attempt == attempts - 1:
                    raise
        raise AssertionError("unreachable")

    def _restore_autocheckpoint(self, s: Session) -> None:
        """SQLite: this connection may come back from a build write with auto-checkpoints off;
        every other write commits with the connection's original setting."""
        if s.get_bind().dialect.name != "sqlite":
            return
        conn = s.connection()
        if self._wal_autocheckpoint is None:  # first write: no build has changed it yet
            self._wal_autocheckpoint = int(
                conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar())
        conn.exec_driver_sql(f"PRAGMA wal_autocheckpoint={self._wal_autocheckpoint}")

    def _checkpoint_in_background(self) -> None:
        """Copy the WAL into the SQLite database file off the request path (a passive checkpoint
        never blocks readers or writers; if the process dies first, SQLite replays the WAL)."""

        def run() -> None:
            try:
                raw = self.engine.raw_connection()
                try:
                    raw.cursor().execute("PRAGMA wal_checkpoint(PASSIVE)").close()
                finally:
                    raw.close()
            except Exception:  # only the file copy is postponed: the next checkpoint does it
                log.exception("Background WAL checkpoint failed")

        threading.Thread(target=run, daemon=True, name="wal-checkpoint").start()

    @staticmethod
    def _replay(s: Session, idem: Idempotency, record_key: str) -> WriteResult | None:
        rec = s.get(IdempotencyRecord, record_key)
        if rec is None:
            return None
        if rec.route != idem.route or rec.request_hash != idem.request_hash:
            raise IdempotencyConflict(
                "idempotency_key_reused",
                "This Idempotency-Key was already used for this business and image source with a "
                "different request. Use a new key for a new body (e.g. include the Jenkins build "
                "number).",
                [{"idempotency_key": idem.key, "first_used_at": iso(rec.created_at)}])
        # The first result's body (same build), as "not created": nothing is created now
        # (an idempotent repeat answers like an unchanged build).
        return WriteResult(False, orjson.loads(rec.response))

    @staticmethod
    def _lock_source(s: Session, business: str, image_source: str, is_demo: bool) -> ImageSource:
        insert = _insert_for(s)
        s.execute(insert(Business).values(name=business, is_demo=is_demo, created_at=utcnow())
                  .on_conflict_do_nothing(index_elements=["name"]))
        biz_id = s.scalar(select(Business.id).where(Business.name == business))
        s.execute(insert(ImageSource).values(business_id=biz_id, name=image_source, version=0,
                                             created_at=utcnow())
                  .on_conflict_do_nothing(index_elements=["business_id", "name"]))
        return s.scalars(select(ImageSource).where(ImageSource.business_id == biz_id,
                                                   ImageSource.name == image_source)
                         .with_for_update()).one()

    def _build_body(self, src: ImageSource, build: Build, status: str, s: Session,
                    warnings: list[dict]) -> dict:
        biz = s.get(Business, src.business_id)
        return {"status": status, "business": biz.name, "image_source": src.name,
                "build": build.id, "build_label": build.build_label,
                "received_at": iso(build.received_at), "images": build.n_images,
                "features": build.n_features, "values": build.n_values,
                "content_hash": build.content_hash, "warnings": warnings}


_METRIC_COLUMNS = ("image_source_id", "image_name", "impressions", "clicks", "ctr",
                   "updated_at", "delivery_id")
_HISTORY_COLUMNS = ("delivery_id", "image_name", "image_source_id", "impressions", "clicks",
                    "ctr")
_METRICS_CHUNK = 20_000  # rows per executemany: the parameters of one chunk at a time


def _insert_metrics(s: Session, source_id: int, delivery_id: int, now, rows: list[MetricRow]
                    ) -> None:
    """Upsert a delivery's rows into image_metric and add them to its history (SQLite): the
    statements compiled once, each chunk's parameters as plain tuples to the driver's
    executemany. Through SQLAlchemy's per-row parameter handling a 1M-image delivery spent
    13 s building parameters, and its 1M dicts, held at once, were ~0.5 GB."""
    conn = s.connection()
    ins = sqlite.insert(ImageMetric.__table__)
    upsert = ins.on_conflict_do_update(
        index_elements=["image_source_id", "image_name"],
        set_={c: getattr(ins.excluded, c) for c in _METRIC_COLUMNS[2:]})
    history = MetricsDeliveryValue.__table__.insert()
    stamp = ImageMetric.__table__.c.updated_at.type.dialect_impl(conn.dialect)
    processor = stamp.bind_processor(conn.dialect)  # the text SQLAlchemy stores a time as
    updated_at = processor(now) if processor else now
    # In name order both tables' indexes grow at their ends: 1M upserts took 3.6 s instead of
    # 12.7 s in random order (SQLite's page cache holds the pages being written).
    rows = sorted(rows, key=attrgetter("image"))
    for stmt, columns, row_of in (
            (upsert, _METRIC_COLUMNS, lambda r: (source_id, r.image, r.impressions, r.clicks,
                                                 r.ctr, updated_at, delivery_id)),
            (history, _HISTORY_COLUMNS, lambda r: (delivery_id, r.image, source_id,
                                                   r.impressions, r.clicks, r.ctr))):
        compiled = stmt.values({c: None for c in columns}).compile(
            dialect=conn.dialect, column_keys=list(columns))
        if list(compiled.positiontup) != list(columns):  # the tuples' order is the statement's
            raise RuntimeError(f"unexpected parameter order {compiled.positiontup}")
        for i in range(0, len(rows), _METRICS_CHUNK):
            conn.exec_driver_sql(str(compiled), [row_of(r) for r in rows[i:i + _METRICS_CHUNK]])


def _alarms(checks: list[dict]) -> list[dict]:
    """The checks in alarm: a PUT's `warnings`."""
    return [c for c in checks if c["status"] == "alarm"]

def request_hash(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode() if isinstance(p, str) else p)
        h.update(b"\x00")
    return h.hexdigest()


def _insert_for(s: Session):
    return postgresql.insert if s.get_bind().dialect.name == "postgresql" else sqlite.insert
