"""Database schema (SQLAlchemy 2 typed declarative models). Migrations live in migrations/."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (BigInteger, Boolean, DateTime, Float, ForeignKey, Index, Integer,
                        LargeBinary, String, Text, UniqueConstraint, text)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from data.domain.clock import utcnow


class Base(DeclarativeBase):
    pass


class Business(Base):
    __tablename__ = "business"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text, unique=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ImageSource(Base):
    __tablename__ = "image_source"
    __table_args__ = (UniqueConstraint("business_id", "name", name="uq_image_source_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("business.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(Text)
    url_template: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Bumped by every accepted write (build or metrics): the cheap check that tells every worker
    # its cached frame is stale.
    version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Build(Base):
    """One featurizer delivery. Its values live in BuildPart as one canonical sparse matrix."""

    __tablename__ = "build"
    __table_args__ = (
        # At most one current build per image source, enforced by the database.
        Index("uq_build_current", "image_source_id", unique=True,
              sqlite_where=text("is_current"), postgresql_where=text("is_current")),
        Index("ix_build_source_hash", "image_source_id", "content_hash"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    image_source_id: Mapped[int] = mapped_column(ForeignKey("image_source.id", ondelete="CASCADE"))
    build_label: Mapped[str | None] = mapped_column(String(200), nullable=True)  # Build-Id header
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    content_hash: Mapped[str] = mapped_column(String(64))
    n_images: Mapped[int] = mapped_column(Integer)
    n_features: Mapped[int] = mapped_column(Integer)
    n_values: Mapped[int] = mapped_column(BigInteger)
    is_current: Mapped[bool] = mapped_column(Boolean, default=False)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class BuildPart(Base):
    """A slice of a build's serialised matrix (split so no single value grows unbounded)."""

    __tablename__ = "build_part"

    build_id: Mapped[int] = mapped_column(ForeignKey("build.id", ondelete="CASCADE"), primary_key=True)
    part: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class ImageMetric(Base):
    """An image's outcome; belongs to the image source, so it applies to every build."""

    __tablename__ = "image_metric"

    image_source_id: Mapped[int] = mapped_column(
        ForeignKey("image_source.id", ondelete="CASCADE"), primary_key=True)
    image_name: Mapped[str] = mapped_column(Text, primary_key=True)
    impressions: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    clicks: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    ctr: Mapped[float | None] = mapped_column(Float(precision=53), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The delivery that set this value: the largest over an image source's rows is the delivery
    # whose outcome set these rows are (MetricsDelivery).
    delivery_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class IdempotencyRecord(Base):
    """The first answer given to an Idempotency-Key, replayed for the same body."""

    __tablename__ = "idempotency_record"

    # "s1:" + sha256 of (business, image source, Idempotency-Key): keys are per image source
    # (Idempotency.record_key); rows written before that hold the bare key and no longer match.
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    route: Mapped[str] = mapped_column(String(100))
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    response: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class IngestToken(Base):
    """A bearer token for writes, scoped to one business. Only its sha256 is stored, so a
    database dump does not hand out write access; the token itself is shown once, at creation."""

    __tablename__ = "ingest_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    business: Mapped[str] = mapped_column(Text)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class AuditRecord(Base):
    """One accepted write: who (token name), when, what (business, image source, route, build,
    counts) and the answer's status. Written in the write's own transaction."""

    __tablename__ = "audit_record"
    __table_args__ = (Index("ix_audit_business", "business", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    token_name: Mapped[str] = mapped_column(String(200))
    route: Mapped[str] = mapped_column(String(100))
    business: Mapped[str] = mapped_column(Text)
    image_source: Mapped[str] = mapped_column(Text)
    build_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    build_label: Mapped[str | None] = mapped_column(String(200), nullable=True)
    status: Mapped[int] = mapped_column(Integer)
    counts: Mapped[str] = mapped_column(Text)  # JSON object, e.g. {"images": 659, "features": 40}


class Rating(Base):
    """One score (1–10) a rater gave an image of an image source (docs/api.md, "Judgements").
    Never edited: a new score by the same rater for the same image is a new row, and the latest
    `at` counts."""

    __tablename__ = "rating"
    __table_args__ = (Index("ix_rating_source", "image_source_id", "id"),
                      Index("ix_rating_rater", "image_source_id", "rater", "image_name"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    image_source_id: Mapped[int] = mapped_column(ForeignKey("image_source.id", ondelete="CASCADE"))
    image_name: Mapped[str] = mapped_column(Text)
    rater: Mapped[str] = mapped_column(String(200))
    score: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # when it was given
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_by: Mapped[str] = mapped_column(String(200))  # the token's or the person's name


class PreferenceVote(Base):
    """One best-of-2 or best-of-4 pick: the winner and the others shown beside it (a JSON list
    of names). Never edited."""

    __tablename__ = "preference_vote"
    __table_args__ = (Index("ix_vote_source", "image_source_id", "id"),
                      Index("ix_vote_rater", "image_source_id", "rater", "id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    image_source_id: Mapped[int] = mapped_column(ForeignKey("image_source.id", ondelete="CASCADE"))
    winner: Mapped[str] = mapped_column(Text)
    others: Mapped[str] = mapped_column(Text)  # JSON array of image names, as sent
    rater: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_by: Mapped[str] = mapped_column(String(200))
class ReadGrant(Base):
    """A person may read a business (READ_ACCESS=granted; `python cli.py grant`). The business
    need not exist yet: a grant can precede its first build."""

    __tablename__ = "read_grant"
    __table_args__ = (UniqueConstraint("person", "business", name="uq_read_grant"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person: Mapped[str] = mapped_column(String(100))
    business: Mapped[str] = mapped_column(Text)
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
class BuildQuality(Base):
    """The quality checks (data/stats/quality.py) run on a build when it was accepted, against
    the build that was current then (`previous_build_id`, null for the first)."""

    __tablename__ = "build_quality"

    build_id: Mapped[int] = mapped_column(ForeignKey("build.id", ondelete="CASCADE"),
                                          primary_key=True)
    previous_build_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    alarms: Mapped[str] = mapped_column(Text)  # JSON list of the names of checks in alarm
    checks: Mapped[str] = mapped_column(Text)  # JSON list of run_checks' results
    checked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class MetricsDelivery(Base):
    """One PUT of metrics: when, how many rows, who sent it. Its values are kept
    (MetricsDeliveryValue), so the outcome set as of any delivery can be rebuilt."""

    __tablename__ = "metrics_delivery"
    __table_args__ = (Index("ix_metrics_delivery_source", "image_source_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    image_source_id: Mapped[int] = mapped_column(ForeignKey("image_source.id", ondelete="CASCADE"))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    rows: Mapped[int] = mapped_column(Integer)
    who: Mapped[str | None] = mapped_column(String(200), nullable=True)


class MetricsDeliveryValue(Base):
    """An image's outcome as one delivery sent it."""

    __tablename__ = "metrics_delivery_value"
    __table_args__ = (Index("ix_metrics_value_image", "image_source_id", "image_name",
                            "delivery_id"),)

    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("metrics_delivery.id", ondelete="CASCADE"), primary_key=True)
    image_name: Mapped[str] = mapped_column(Text, primary_key=True)
    image_source_id: Mapped[int] = mapped_column(Integer)
    impressions: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    clicks: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    ctr: Mapped[float | None] = mapped_column(Float(precision=53), nullable=True)


class LabelFix(Base):
    """A person's statement that `feature` is (or is not) in image `image_name` (docs/statistics.md,
    "Label fixes and thresholds"). Never edited or deleted: a later fix of the same (image,
    feature) supersedes it. Kept by image name, so it applies to every build of the image
    source."""

    __tablename__ = "label_fix"
    __table_args__ = (Index("ix_label_fix_source", "image_source_id", "id"),
                      Index("ix_label_fix_pair", "image_source_id", "image_name", "feature"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    image_source_id: Mapped[int] = mapped_column(ForeignKey("image_source.id", ondelete="CASCADE"))
    image_name: Mapped[str] = mapped_column(Text)
    feature: Mapped[str] = mapped_column(Text)
    present: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    person: Mapped[str] = mapped_column(String(200))  # the person's name, or the token's
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The model's value of the pair in `build_id` when the fix was made (0: the model gave none;
    # null: that build has no such image or feature).
    model_value: Mapped[float | None] = mapped_column(Float(precision=53), nullable=True)
    build_id: Mapped[int | None] = mapped_column(ForeignKey("build.id", ondelete="SET NULL"),
                                                 nullable=True)


class SavedThreshold(Base):
    """A feature's own confidence threshold for an image source (PUT /api/v1/thresholds), used
    instead of the single slider when the dashboard's "per-feature thresholds" switch is on."""

    __tablename__ = "saved_threshold"

    image_source_id: Mapped[int] = mapped_column(
        ForeignKey("image_source.id", ondelete="CASCADE"), primary_key=True)
    feature: Mapped[str] = mapped_column(Text, primary_key=True)
    threshold: Mapped[float] = mapped_column(Float(precision=53))
    set_by: Mapped[str] = mapped_column(String(200))
    set_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
