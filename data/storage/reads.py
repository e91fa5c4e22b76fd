"""The store's reads: image sources, builds, their values and outcomes, as plain descriptions.

Each public method is one unit of work (one session). Readers see only committed, whole builds.
"""

from __future__ import annotations

import contextlib

import numpy as np
import orjson
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from data.domain.clock import iso
from data.domain.dataset import BuildInfo, DeliveryInfo, SourceRef
from data.domain.matrix import BuildMatrix
from data.payloads.metrics import outcome
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


class StoreReads:
    """Reads of the store; `Store` (data/storage/store.py) adds the writes."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def is_empty(self) -> bool:
        with Session(self.engine) as s:
            return s.scalar(select(func.count()).select_from(Business)) == 0

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")

    def locate(self, business: str, image_source: str) -> SourceRef | None:
        """The image source by names, with its version and current build; None if unknown."""
        with Session(self.engine) as s:
            row = s.execute(
                select(ImageSource, Business, Build.id)
                .join(Business, Business.id == ImageSource.business_id)
                .outerjoin(Build, (Build.image_source_id == ImageSource.id) & Build.is_current)
                .where(Business.name == business, ImageSource.name == image_source)).first()
            if row is None:
                return None
            src, biz, build_id = row
            return SourceRef(src.id, biz.name, src.name, src.version, src.url_template,
                             biz.is_demo, build_id, src.created_at.isoformat())

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
        with Session(self.engine) as s:
            for name, imp, clk, ctr, delivery in s.execute(
                    select(ImageMetric.image_name, ImageMetric.impressions, ImageMetric.clicks,
                           ImageMetric.ctr, ImageMetric.delivery_id)
                    .where(ImageMetric.image_source_id == source_id)):
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
        with Session(self.engine) as s:
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
        with Session(self.engine) as s:
            return {name: (imp, clk, ctr) for name, imp, clk, ctr in s.execute(
                select(ImageMetric.image_name, ImageMetric.impressions, ImageMetric.clicks,
                       ImageMetric.ctr).where(ImageMetric.image_source_id == source_id))}


def outcomes_for(image_names: list[str], outcomes: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(CTR, impressions, clicks) per image in `image_names` order, in one pass; NaN where the
    image has no usable outcome / no such count."""
    y = np.full(len(image_names), np.nan)
    impressions = np.full(len(image_names), np.nan)
    clicks = np.full(len(image_names), np.nan)
    for i, name in enumerate(image_names):
        m = outcomes.get(name)
        if m is not None:
            y[i] = outcome(*m)
            if m[0] is not None:
                impressions[i], clicks[i] = m[0], m[1]
    return y, impressions, clicks


@contextlib.contextmanager
def _session(engine: Engine, session: Session | None):
    """The caller's session when it has one (inside its transaction), else a new one."""
    if session is not None:
        yield session
    else:
        with Session(engine) as s:
            yield s
