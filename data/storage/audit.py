"""The audit trail: one record per accepted write, added inside the write's own transaction (so
a write and its record commit or vanish together), and read back for GET /api/v1/audit."""

from __future__ import annotations

from dataclasses import dataclass

import orjson
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from data.domain.clock import iso, utcnow
from data.storage.models import AuditRecord

# What each route's answer counts, as stored in the record.
COUNT_FIELDS = {
    "features": ("images", "features", "values"),
    "metrics": ("images_received", "matched", "unmatched"),
    "image-source": (),
    "ratings": ("received", "stored", "unchanged"),
    "preferences": ("received", "stored", "unchanged"),
    "fixes": ("received", "stored"),
    "thresholds": ("saved", "deleted"),
    "prune": ("deleted", "kept"),  # cli.py prune: builds deleted and kept of an image source
    "delete-business": ("image_sources", "builds"),  # cli.py delete-business; image source ""
}


@dataclass(frozen=True)
class WriteAudit:
    """Who is writing (the token's name) and through which route."""

    token_name: str
    route: str


def record_write(s: Session, audit: WriteAudit, business: str, image_source: str, created: bool,
                 body: dict) -> None:
    """Add the audit record of a write to the session `s` (the write's transaction); `created`
    says whether it made something new (kept in the `status` column as 1, else 0)."""
    counts = {k: body[k] for k in COUNT_FIELDS.get(audit.route, ()) if k in body}
    s.add(AuditRecord(at=utcnow(), token_name=audit.token_name, route=audit.route,
                      business=business, image_source=image_source, build_id=body.get("build"),
                      build_label=body.get("build_label"), status=int(created),
                      counts=orjson.dumps(counts).decode()))


def audit_records(engine: Engine, business: str | None = None, limit: int = 100,
                  before_id: int | None = None) -> list[dict]:
    """Newest first: up to `limit` records (of `business` when given) with id < before_id;
    `created` says whether the write made something new."""
    q = select(AuditRecord).order_by(AuditRecord.id.desc()).limit(limit)
    if business is not None:
        q = q.where(AuditRecord.business == business)
    if before_id is not None:
        q = q.where(AuditRecord.id < before_id)
    with Session(engine) as s:
        return [{"id": r.id, "at": iso(r.at), "token_name": r.token_name, "route": r.route,
                 "business": r.business, "image_source": r.image_source, "build": r.build_id,
                 "build_label": r.build_label, "created": r.status == 1,
                 "counts": orjson.loads(r.counts)} for r in s.scalars(q)]
