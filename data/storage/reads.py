"""The store's reads: image sources, builds, their values and outcomes, as plain descriptions.

Each public method is one unit of work (one session). Readers see only committed, whole builds.
"""

from __future__ import annotations

import contextlib
from datetime import datetime

import numpy as np
import orjson
from sqlalchemy import Engine, bindparam, create_engine, func, select
from sqlalchemy.orm import Session
from sqlalchemy.pool import SingletonThreadPool

from data.domain.clock import iso
from data.domain.dataset import BuildInfo, DeliveryInfo, SourceRef
from data.domain.matrix import BuildMatrix
from data.storage.models import (Build, BuildPart, BuildQuality, Business, ImageMetric,
                                 ImageSource, MetricsDelivery, MetricsDeliveryValue)

Outcomes = dict[str, tuple[int | None, int | None, float | None]]


def _build_info(b: Build, alarms: str | None = None) -> BuildInfo:
    """`alarms`: the build's stored BuildQuality.alarms (JSON), None when it has no checks."""
    return BuildInfo(b.id, b.image_source_id, b.build_label, iso(b.received_at), b.n_images,
                     b.n_features, b.n_values, b.is_current, b.is_demo, b.content_hash,
                     None if alarms is None else tuple(orjson.loads(alarms)))


def _delivery_info(d: MetricsDelivery) -> DeliveryInfo:
    return DeliveryInfo(d.id, iso(d.received_at), d.rows, d.who)


def _with_alarms():
    """Builds with their stored alarms (null without checks), for select()."""
    return select(Build, BuildQuality.alarms).outerjoin(
        BuildQuality, BuildQuality.build_id == Build.id)


# The image source by names, its version, its current build and its newest metrics delivery
# (ix_metrics_delivery_source answers that from the index): the question every read asks.
_LATEST_DELIVERY = (select(func.max(MetricsDelivery.id))
                    .where(MetricsDelivery.image_source_id == ImageSource.id)
                    .correlate(ImageSource).scalar_subquery())
_LOCATE = (
    select(ImageSource.id, Business.name, ImageSource.name, ImageSource.version,
           ImageSource.url_template, Business.is_demo, Build.id, ImageSource.created_at,
           _LATEST_DELIVERY)
    .join(Business, Business.id == ImageSource.business_id)
    .outerjoin(Build, (Build.image_source_id == ImageSource.id) & Build.is_current)
    .where(Business.name == bindparam("business"), ImageSource.name == bindparam("image_source")))


class _OneStatement:
    """One read statement as cheap as it can be, for the question every request asks: compiled
    once, run on the DBAPI connection directly, in autocommit (no BEGIN/ROLLBACK), on a
    connection kept per thread (PostgreSQL: no pool checkout, no ping round trip; SQLite's
    in-process pool costs nothing). A connection the server dropped is replaced once."""

    def __init__(self, engine: Engine, statement):
        if engine.dialect.name == "sqlite":
            self.engine = engine
        else:
            self.engine = create_engine(engine.url, poolclass=SingletonThreadPool, pool_size=32,
                                        isolation_level="AUTOCOMMIT", pool_reset_on_return=None)
        compiled = statement.compile(dialect=self.engine.dialect)
        self.sql = compiled.string
        self.positions = compiled.positiontup  # None for named parameter styles

    def first(self, **params) -> tuple | None:
        args = [params[k] for k in self.positions] if self.positions else params
        for attempt in (1, 2):
            conn = self.engine.raw_connection()
            try:
                cursor = conn.cursor()
                try:
                    cursor.execute(self.sql, args)
                    return cursor.fetchone()
                finally:
                    cursor.close()
            except self.engine.dialect.loaded_dbapi.OperationalError:
                conn.invalidate()  # e.g. the database restarted: a new connection, once
                if attempt == 2:
                    raise
            finally:
                conn.close()
        return None


class StoreReads:
    """Reads of the store; `Store` (data/storage/store.py) adds the writes."""

    def __init__(self, engine: Engine):
        self.engine = engine
        # Reads of one statement need no transaction: no BEGIN / ROLLBACK round trips.
        self._probe = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._locate = _OneStatement(engine, _LOCATE)

    def is_empty(self) -> bool:
        with Session(self.engine) as s:
            return s.scalar(select(func.count()).select_from(Business)) == 0

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")

    def locate(self, business: str, image_source: str) -> SourceRef | None:
        """The image source by names, with its version, current build and newest metrics
        delivery; None if unknown.

        Every read asks this, so it is one indexed query and nothing else (see _OneStatement)."""
        row = self._locate.first(business=business, image_source=image_source)
        if row is None:
            return None
        created = row[7] if isinstance(row[7], datetime) else datetime.fromisoformat(row[7])
        return SourceRef(row[0], row[1], row[2], row[3], row[4], bool(row[5]), row[6],
                         created_at=created.isoformat(), latest_delivery_id=row[8])

    def build_info(self, source_id: int, build_id: int) -> BuildInfo | None:
        with Session(self.engine) as s:
            row = s.execute(_with_alarms().where(Build.id == build_id,
                                                 Build.image_source_id == source_id)).first()
            return _build_info(*row) if row is not None else None

    def builds(self, source_id: int) -> list[BuildInfo]:
        """All builds of an image source, newest first."""
        with Session(self.engine) as s:
            return [_build_info(b, a) for b, a in s.execute(
                _with_alarms().where(Build.image_source_id == source_id)
                .order_by(Build.id.desc()))]

    def catalog_version(self) -> tuple[int, int]:
        """(number of image sources, largest image source id): changes whenever a business or an
        image source is created or deleted; one cheap query for the page's live poll."""
        with Session(self.engine) as s:
            count, top = s.execute(select(func.count(), func.max(ImageSource.id))).one()
            return int(count), int(top or 0)

    def quality(self, build_id: int) -> dict | None:
        """The checks stored with a build: {"previous_build", "checks", "checked_at"}; None when
        the build was stored without checks."""
        with Session(self.engine) as s:
            q = s.get(BuildQuality, build_id)
            if q is None:
                return None
            return {"previous_build": q.previous_build_id, "checks": orjson.loads(q.checks),
                    "checked_at": iso(q.checked_at)}

    def previous_build_id(self, source_id: int, build_id: int) -> int | None:
        """The build of the source received just before `build_id` (None for the first)."""
        with Session(self.engine) as s:
            return s.scalar(select(func.max(Build.id)).where(Build.image_source_id == source_id,
                                                             Build.id < build_id))

    # ------------------------------------------------------------------- metrics deliveries

    def deliveries(self, source_id: int) -> list[DeliveryInfo]:
        """Every metrics delivery of the source, newest first."""
        with Session(self.engine) as s:
            return [_delivery_info(d) for d in s.scalars(
                select(MetricsDelivery).where(MetricsDelivery.image_source_id == source_id)
                .order_by(MetricsDelivery.id.desc()))]

    def delivery(self, source_id: int, delivery_id: int) -> DeliveryInfo | None:
        with Session(self.engine) as s:
            d = s.get(MetricsDelivery, delivery_id)
            return _delivery_info(d) if d is not None and d.image_source_id == source_id else None

    def latest_outcomes(self, source_id: int) -> tuple[Outcomes, int | None]:
        """Every image's current outcome, and the delivery these values are the outcome set of
        (the newest that set any of them; read in the same statement, so they agree)."""
        latest = None
        outcomes = {}
        # Plain rows fetched in batches: the ORM's row handling, and a fetch per row, took 5 s
        # of the 7.7 s at 1M images.
        with self.engine.connect() as s:
            result = s.execution_options(yield_per=_FETCH_ROWS).execute(
                select(ImageMetric.image_name, ImageMetric.impressions, ImageMetric.clicks,
                       ImageMetric.ctr, ImageMetric.delivery_id)
                .where(ImageMetric.image_source_id == source_id))
            for batch in result.partitions():
                for name, imp, clk, ctr, delivery in batch:
                    outcomes[name] = (imp, clk, ctr)
                    if delivery is not None and (latest is None or delivery > latest):
                        latest = delivery
        return outcomes, latest

    def outcomes_at(self, source_id: int, delivery_id: int) -> Outcomes:
        """The outcome set as of a delivery: per image, the value of the newest delivery up to
        and including `delivery_id` that named it."""
        v = MetricsDeliveryValue
        newest = (select(v.image_name, func.max(v.delivery_id).label("delivery_id"))
                  .where(v.image_source_id == source_id, v.delivery_id <= delivery_id)
                  .group_by(v.image_name).subquery())
        with self.engine.connect() as s:
            return {name: (imp, clk, ctr) for name, imp, clk, ctr in s.execute(
                select(v.image_name, v.impressions, v.clicks, v.ctr)
                .join(newest, (newest.c.image_name == v.image_name)
                      & (newest.c.delivery_id == v.delivery_id))
                .where(v.image_source_id == source_id))}

    def datasets(self) -> list[dict]:
        """Every business with its image sources, their builds (newest first) and current build."""
        with Session(self.engine) as s:
            builds: dict[int, list[dict]] = {}
            for b, alarms in s.execute(_with_alarms().order_by(Build.id.desc())):
                info = _build_info(b, alarms)
                builds.setdefault(b.image_source_id, []).append({
                    "id": info.id, "build_label": info.build_label, "received_at": info.received_at,
                    "images": info.n_images, "features": info.n_features,
                    "is_current": info.is_current,
                    "alarms": None if info.alarms is None else list(info.alarms)})
            metrics = dict(s.execute(select(ImageMetric.image_source_id, func.count())
                                     .group_by(ImageMetric.image_source_id)).all())
            deliveries = {src: (n, top) for src, n, top in s.execute(
                select(MetricsDelivery.image_source_id, func.count(), func.max(MetricsDelivery.id))
                .group_by(MetricsDelivery.image_source_id))}
            out: dict[int, dict] = {}
            rows = s.execute(select(Business, ImageSource)
                             .outerjoin(ImageSource, ImageSource.business_id == Business.id)
                             .order_by(Business.name, ImageSource.name)).all()
            for biz, src in rows:
                entry = out.setdefault(biz.id, {"business": biz.name, "is_demo": biz.is_demo,
                                                "image_sources": []})
                if src is None:
                    continue
                src_builds = builds.get(src.id, [])
                entry["image_sources"].append({
                    "image_source": src.name, "version": src.version,
                    "url_template": src.url_template,
                    "current_build": next((b["id"] for b in src_builds if b["is_current"]), None),
                    "images_with_metrics": metrics.get(src.id, 0),
                    "metrics_deliveries": deliveries.get(src.id, (0, None))[0],
                    "latest_metrics_delivery": deliveries.get(src.id, (0, None))[1],
                    "builds": src_builds})
            return list(out.values())

    def load_matrix(self, build_id: int) -> BuildMatrix:
        with Session(self.engine) as s:
            parts = s.scalars(select(BuildPart.data).where(BuildPart.build_id == build_id)
                              .order_by(BuildPart.part)).all()
        return BuildMatrix.from_bytes(b"".join(parts))

    def load_image_names(self, build_id: int, session: Session | None = None) -> list[str]:
        """The image names of a build, without decoding its values."""
        with _session(self.engine, session) as s:
            parts = s.scalars(select(BuildPart.data).where(BuildPart.build_id == build_id)
                              .order_by(BuildPart.part)).all()
        return BuildMatrix.image_names_from_bytes(b"".join(parts))

    def load_outcomes(self, source_id: int) -> dict[str, tuple[int | None, int | None, float | None]]:
        """image name -> (impressions, clicks, ctr) for every image of the source with metrics."""
        names, impressions, clicks, ctr = self.load_outcome_columns(source_id)
        return {n: (i, c, r) for n, i, c, r in zip(names, impressions, clicks, ctr)}

    def load_outcome_columns(self, source_id: int) -> tuple[list, list, list, list]:
        """(names, impressions, clicks, ctr) of every image of the source with metrics, as
        columns (None where a value is not given)."""
        with self._probe.connect() as conn:
            rows = conn.execute(select(ImageMetric.image_name, ImageMetric.impressions,
                                       ImageMetric.clicks, ImageMetric.ctr)
                                .where(ImageMetric.image_source_id == source_id)).all()
        if not rows:
            return [], [], [], []
        names, impressions, clicks, ctr = (list(c) for c in zip(*rows))
        return names, impressions, clicks, ctr


_FETCH_ROWS = 50_000  # rows per fetch when a read goes over every image of a source


def outcomes_for(image_names: list[str], outcomes: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(CTR, impressions, clicks) per image in `image_names` order, in one pass; NaN where the
    image has no usable outcome / no such count."""
    names = list(outcomes)
    columns = [list(c) for c in zip(*outcomes.values())] if outcomes else [[], [], []]
    return outcome_arrays(image_names, (names, *columns))


def outcome_arrays(image_names: list[str], columns: tuple[list, list, list, list]
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(CTR, impressions, clicks) per image in `image_names` order from `load_outcome_columns`
    (NaN where the image has no usable outcome / no such count), vectorised: the CTR is
    clicks / impressions when impressions > 0, else the given ctr (docs/statistics.md)."""
    names, impressions, clicks, ctr = columns
    n = len(image_names)
    y = np.full(n, np.nan)
    imp_out = np.full(n, np.nan)
    clk_out = np.full(n, np.nan)
    if not names or not n:
        return y, imp_out, clk_out
    # Imported here, not at the top: pandas takes half a second to import, which a worker's
    # start and most command-line runs need not pay.
    import pandas as pd

    position = pd.Index(image_names).get_indexer(names)
    found = position >= 0
    pos = position[found]
    imp = np.array(impressions, dtype=np.float64)[found]  # None -> NaN
    clk = np.array(clicks, dtype=np.float64)[found]
    given = np.array(ctr, dtype=np.float64)[found]
    counted = ~np.isnan(imp)
    with np.errstate(invalid="ignore", divide="ignore"):
        y[pos] = np.where(counted & (imp != 0), clk / imp, given)
    imp_out[pos[counted]] = imp[counted]
    clk_out[pos[counted]] = clk[counted]
    return y, imp_out, clk_out


@contextlib.contextmanager
def _session(engine: Engine, session: Session | None):
    """The caller's session when it has one (inside its transaction), else a new one."""
    if session is not None:
        yield session
    else:
        with Session(engine) as s:
            yield s
