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
    # A new random value at every metrics delivery (None: no metrics yet): names the memory-
    # mapped index of a build under these metrics (data/storage/build_files.py).
    metrics_key: Mapped[str | None] = mapped_column(String(32), nullable=True)
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


class IdempotencyRecord(Base):
    """The first answer given to an Idempotency-Key, replayed for the same body."""

    __tablename__ = "idempotency_record"

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
