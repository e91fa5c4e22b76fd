"""The store of label fixes and saved per-feature thresholds (docs/statistics.md, label fixes and
thresholds), per image source.

Fixes are only ever added: each row is one person's statement, with the time, the model's value
of the pair in the build it was made against, and that build. A fix names its image and feature
by name, so it applies to every build of the image source that has them. Writes go through the
store's one-transaction write (the image source's lock, the Idempotency-Key record and the audit
record commit together with the rows); nothing is written when any row is refused.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np
import pandas as pd
from sqlalchemy import String, delete, func, select, type_coerce
from sqlalchemy.orm import Session

from data.domain.clock import utcnow
from data.domain.dataset import SourceRef
from data.domain.matrix import BuildMatrix
from data.domain.errors import InvalidPayload
from data.payloads.common import MAX_OFFENDERS
from data.payloads.fixes import FixRow
from data.stats.fix_history import FixColumns
from data.stats.fixes import model_values
from data.storage.audit import WriteAudit
from data.storage.models import ImageSource, LabelFix, SavedThreshold
from data.storage.store import Idempotency, Store, WriteResult, _insert_for

_CHUNK = 5000  # rows per INSERT statement


class LabelStore:
    """Reads and writes of label fixes and saved thresholds, over the app's Store."""

    def __init__(self, store: Store, max_builds: int = 16):
        self.store = store
        self.engine = store.engine
        self.max_builds = max_builds
        self._names: OrderedDict[int, tuple[frozenset, frozenset]] = OrderedDict()
        self._lock = threading.Lock()

    # ----------------------------------------------------------------------------- writes

    def put_fixes(self, ref: SourceRef, build_id: int, matrix: BuildMatrix, rows: list[FixRow],
                  *, by: str, idempotency: Idempotency | None = None,
                  audit: bool = True) -> WriteResult:
        """Store `rows` as fixes of the image source `ref`, made against build `build_id` (whose
        values are `matrix`: the model's value of each pair and the build id are stored with
        it). `by` is stored for rows without a person. InvalidPayload listing the images and
        features no build of the source has."""
        self.require_known(ref, build_id, matrix, {r.image for r in rows},
                           {r.feature for r in rows})
        values = model_values(matrix, [r.image for r in rows], [r.feature for r in rows])

        def work(s: Session, src: ImageSource) -> WriteResult:
            now = utcnow()
            new = [{"image_source_id": src.id, "image_name": r.image, "feature": r.feature,
                    "present": r.present, "note": r.note, "person": r.person or by,
                    "at": r.at or now, "build_id": build_id,
                    "model_value": None if np.isnan(v) else float(v)}
                   for r, v in zip(rows, values.tolist())]
            insert = _insert_for(s)(LabelFix.__table__)
            for i in range(0, len(new), _CHUNK):
                s.execute(insert, new[i:i + _CHUNK])
            return WriteResult(False, {"business": ref.business, "image_source": ref.name,
                                       "build": build_id, "received": len(rows),
                                       "stored": len(new)})

        return self.store._write(ref.business, ref.name, work, idempotency, False,
                                 audit=WriteAudit(by, "fixes") if audit else None)

    def put_thresholds(self, ref: SourceRef, build_id: int, matrix: BuildMatrix,
                       thresholds: dict[str, float | None], *, by: str,
                       idempotency: Idempotency | None = None,
                       audit: bool = True) -> WriteResult:
        """Save (a number) or delete (None) each feature's own threshold for the image source.
        InvalidPayload listing features no build of the source has (build `build_id`, whose
        values are `matrix`, is checked first; deleting an unknown one is fine)."""
        self.require_known(ref, build_id, matrix, set(),
                           {f for f, t in thresholds.items() if t is not None})

        def work(s: Session, src: ImageSource) -> WriteResult:
            now = utcnow()
            gone = [f for f, t in thresholds.items() if t is None]
            kept = [{"image_source_id": src.id, "feature": f, "threshold": t, "set_by": by,
                     "set_at": now} for f, t in thresholds.items() if t is not None]
            deleted = 0
            if gone:
                deleted = s.execute(delete(SavedThreshold).where(
                    SavedThreshold.image_source_id == src.id,
                    SavedThreshold.feature.in_(gone))).rowcount
            if kept:
                ins = _insert_for(s)(SavedThreshold.__table__)
                s.execute(ins.on_conflict_do_update(
                    index_elements=["image_source_id", "feature"],
                    set_={c: getattr(ins.excluded, c) for c in ("threshold", "set_by", "set_at")}),
                    kept)
            return WriteResult(False, {"business": ref.business, "image_source": ref.name,
                                       "saved": len(kept), "deleted": deleted,
                                       "thresholds": self._saved(s, src.id)})

        return self.store._write(ref.business, ref.name, work, idempotency, False,
                                 audit=WriteAudit(by, "thresholds") if audit else None)

    # ----------------------------------------------------------------------------- reads

    def fixes_version(self, source_id: int) -> int:
        """Changes with every stored fix (the newest fix's id; 0 without fixes): one indexed
        lookup, the key of everything computed from the fixes."""
        with Session(self.engine) as s:
            return int(s.scalar(select(func.max(LabelFix.id))
                                .where(LabelFix.image_source_id == source_id)) or 0)

    def fixes(self, source_id: int, image: str | None = None) -> FixColumns:
        """Every fix of the image source (of one `image` when given: an indexed lookup), oldest
        first. Read as plain rows (no ORM objects); SQLite's timestamps come as their stored
        text and are parsed in one vectorised call."""
        t = LabelFix.__table__.c
        with self.engine.connect() as conn:
            at = type_coerce(t.at, String) if conn.dialect.name == "sqlite" else t.at
            query = select(t.id, t.image_name, t.feature, t.present, t.note, t.person, at,
                           t.model_value, t.build_id).where(t.image_source_id == source_id)
            if image is not None:
                query = query.where(t.image_name == image)
            rows = conn.execute(query.order_by(t.id)).all()
        cols = list(zip(*rows)) if rows else [()] * 9
        return FixColumns(
            id=np.asarray(cols[0], dtype=np.int64), image=list(cols[1]), feature=list(cols[2]),
            present=np.asarray(cols[3], dtype=bool), note=list(cols[4]), person=list(cols[5]),
            at=_utc_datetime64(cols[6]),
            model_value=np.asarray(cols[7], dtype=np.float64),  # None becomes NaN
            build=list(cols[8]))

    def saved_thresholds(self, source_id: int) -> dict[str, float]:
        """feature -> saved threshold, for the image source."""
        with Session(self.engine) as s:
            return self._saved(s, source_id)

    @staticmethod
    def _saved(s: Session, source_id: int) -> dict[str, float]:
        return dict(s.execute(select(SavedThreshold.feature, SavedThreshold.threshold)
                              .where(SavedThreshold.image_source_id == source_id)
                              .order_by(SavedThreshold.feature)).all())

    # ----------------------------------------------------------------------------- names

    def require_known(self, ref: SourceRef, build_id: int, matrix: BuildMatrix,
                      images: set[str], features: set[str]) -> None:
        """InvalidPayload listing the images and features that no build of the image source
        has (build `build_id`, whose values are `matrix`, first; the others only for what is
        left)."""
        images = images - set(_sorted_members(matrix.image_names, images))
        features = features - set(_sorted_members(matrix.feature_names, features))
        if images or features:
            for build in self.store.builds(ref.id):
                if build.id == build_id:
                    continue
                known_images, known_features = self._build_names(build.id)
                images -= known_images
                features -= known_features
                if not images and not features:
                    return
        if images or features:
            details = ([{"image": n, "problem": "no build of this image source has this image"}
                        for n in sorted(images)[:MAX_OFFENDERS]]
                       + [{"feature": n,
                           "problem": "no build of this image source has this feature"}
                          for n in sorted(features)[:MAX_OFFENDERS]])
            what = []
            if images:
                what.append(f"{len(images)} unknown image(s)")
            if features:
                what.append(f"{len(features)} unknown feature(s)")
            raise InvalidPayload(
                "unknown_names", f"{' and '.join(what)}: every image and feature must be in some "
                "build of this image source (check the spelling; names are case-sensitive). "
                "Nothing was stored.", details)

    def _build_names(self, build_id: int) -> tuple[frozenset, frozenset]:
        with self._lock:
            hit = self._names.get(build_id)
            if hit is not None:
                self._names.move_to_end(build_id)
                return hit
        matrix = self.store.load_matrix(build_id)
        names = (frozenset(matrix.image_names), frozenset(matrix.feature_names))
        with self._lock:
            self._names[build_id] = names
            while len(self._names) > self.max_builds:
                self._names.popitem(last=False)
        return names


def _sorted_members(sorted_names: list[str], wanted: set[str]) -> list[str]:
    """The names of `wanted` that the sorted list holds (a binary search each)."""
    if not wanted or not sorted_names:
        return []
    arr = np.asarray(sorted_names, dtype=object)
    probe = np.asarray(sorted(wanted), dtype=object)
    at = np.searchsorted(arr, probe)
    ok = at < len(arr)
    ok[ok] = arr[at[ok]] == probe[ok]
    return probe[ok].tolist()


def _utc_datetime64(values) -> np.ndarray:
    """Timestamps (datetimes, or SQLite's stored text, naive meaning UTC) as naive UTC
    datetime64[us]."""
    if not len(values):
        return np.zeros(0, dtype="datetime64[us]")
    at = pd.to_datetime(list(values), utc=True, format="ISO8601")
    return at.tz_convert(None).to_numpy().astype("datetime64[us]")
