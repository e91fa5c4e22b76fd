"""The store of people's judgements (docs/statistics.md, "Human judgements"): ratings and preference votes, per image source.

Rows are only ever added (history is kept; the statistics use the latest score per rater).
Writes go through the store's one-transaction write (the image source's lock, the
Idempotency-Key record and the audit record commit together with the rows).

Identical repeats are not stored again (docs/api.md, "Judgements"):
- a rating equal to one already stored (same image, rater, score and `at`) is skipped; a rating
  sent without `at` is skipped when the rater's latest score for that image is the same score;
- a vote equal to one already stored (same rater, winner, others and `at`) is skipped; a vote
  sent without `at` is skipped when the rater's latest vote on the same set picked the same
  winner.
So re-sending a whole history, or the same body again, changes nothing.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np
import orjson
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.domain.clock import utcnow
from data.domain.dataset import SourceRef
from data.domain.errors import InvalidPayload, UnknownDataset
from data.payloads.common import MAX_OFFENDERS
from data.payloads.judgements import RatingRow, VoteRow
from data.storage.audit import WriteAudit
from data.storage.models import ImageSource, PreferenceVote, Rating
from data.storage.store import Idempotency, Store, WriteResult

_CHUNK = 5000  # rows per INSERT statement, names per IN list


@dataclass(frozen=True)
class RatingColumns:
    """Every stored rating of an image source, oldest first (aligned arrays)."""

    image: list[str]
    rater: list[str]
    score: np.ndarray  # int
    order: np.ndarray  # int: position by (at, then the order received): larger is later


@dataclass(frozen=True)
class VoteColumns:
    """Stored votes of an image source, in the order received."""

    id: np.ndarray  # int
    winner: list[str]
    others: list[list[str]]
    rater: list[str]


class JudgementStore:
    """Reads and writes of ratings and votes, over the app's Store."""

    def __init__(self, store: Store, max_builds: int = 16):
        self.store = store
        self.engine = store.engine
        self.max_builds = max_builds
        self._names: OrderedDict[int, frozenset[str]] = OrderedDict()  # build id -> image names
        self._known: dict[int, tuple[tuple[int, ...], frozenset[str]]] = {}
        self._lock = threading.Lock()

    # ----------------------------------------------------------------------------- writes

    def put_ratings(self, business: str, image_source: str, rows: list[RatingRow], *,
                    sent_by: str, idempotency: Idempotency | None = None,
                    audit: bool = True) -> WriteResult:
        """Store the ratings that are not repeats (see the module doc), in one transaction.
        UnknownDataset for an unknown image source; InvalidPayload listing unknown images."""
        ref = self._source(business, image_source)
        self.require_known(ref, {r.image for r in rows})

        def work(s: Session, src: ImageSource) -> WriteResult:
            now = utcnow()
            seen, latest = set(), {}
            for image, rater, score, at in self._existing(
                    s, select(Rating.image_name, Rating.rater, Rating.score, Rating.at),
                    Rating, src.id, {r.rater for r in rows}):
                seen.add((image, rater, score, _micros(at)))
                latest[image, rater] = score
            new = []
            for r in rows:
                if r.at is None:
                    if latest.get((r.image, r.rater)) == r.score:
                        continue
                    at = now
                elif (r.image, r.rater, r.score, _micros(r.at)) in seen:
                    continue
                else:
                    at = r.at
                seen.add((r.image, r.rater, r.score, _micros(at)))
                latest[r.image, r.rater] = r.score
                new.append({"image_source_id": src.id, "image_name": r.image, "rater": r.rater,
                            "score": r.score, "at": at, "received_at": now, "sent_by": sent_by})
            _insert(s, Rating, new)
            return WriteResult(False, {"business": business, "image_source": image_source,
                                       "received": len(rows), "stored": len(new),
                                       "unchanged": len(rows) - len(new)})

        return self.store._write(business, image_source, work, idempotency, False,
                                 audit=WriteAudit(sent_by, "ratings") if audit else None)

    def put_votes(self, business: str, image_source: str, rows: list[VoteRow], *,
                  sent_by: str, idempotency: Idempotency | None = None,
                  audit: bool = True) -> WriteResult:
        """Store the votes that are not repeats (see the module doc), in one transaction."""
        ref = self._source(business, image_source)
        self.require_known(ref, {n for r in rows for n in (r.winner, *r.others)})

        def work(s: Session, src: ImageSource) -> WriteResult:
            now = utcnow()
            seen, latest = set(), {}
            for winner, others, rater, at in self._existing(
                    s, select(PreferenceVote.winner, PreferenceVote.others, PreferenceVote.rater,
                              PreferenceVote.at), PreferenceVote, src.id, {r.rater for r in rows}):
                others = frozenset(orjson.loads(others))
                seen.add((rater, winner, others, _micros(at)))
                latest[rater, others | {winner}] = winner
            new = []
            for r in rows:
                others, shown = frozenset(r.others), frozenset(r.others) | {r.winner}
                if r.at is None:
                    if latest.get((r.rater, shown)) == r.winner:
                        continue
                    at = now
                elif (r.rater, r.winner, others, _micros(r.at)) in seen:
                    continue
                else:
                    at = r.at
                seen.add((r.rater, r.winner, others, _micros(at)))
                latest[r.rater, shown] = r.winner
                new.append({"image_source_id": src.id, "winner": r.winner,
                            "others": orjson.dumps(list(r.others)).decode(), "rater": r.rater,
                            "at": at, "received_at": now, "sent_by": sent_by})
            _insert(s, PreferenceVote, new)
            return WriteResult(False, {"business": business, "image_source": image_source,
                                       "received": len(rows), "stored": len(new),
                                       "unchanged": len(rows) - len(new)})

        return self.store._write(business, image_source, work, idempotency, False,
                                 audit=WriteAudit(sent_by, "preferences") if audit else None)

    @staticmethod
    def _existing(s: Session, query, model, source_id: int, raters: set[str]):
        """Stored rows of these raters, oldest `at` first (then in the order received)."""
        raters = sorted(raters)
        for i in range(0, len(raters), _CHUNK):
            yield from s.execute(query.where(model.image_source_id == source_id,
                                             model.rater.in_(raters[i:i + _CHUNK]))
                                 .order_by(model.at, model.id))

    # ----------------------------------------------------------------------------- reads

    def version(self, source_id: int) -> tuple[int, int]:
        """(newest rating id, newest vote id) of the image source, 0 when none: changes with
        every stored judgement, so it keys the caches of statistics made from them."""
        with Session(self.engine) as s:
            row = s.execute(select(
                select(func.max(Rating.id)).where(Rating.image_source_id == source_id)
                .scalar_subquery(),
                select(func.max(PreferenceVote.id)).where(
                    PreferenceVote.image_source_id == source_id).scalar_subquery())).one()
        return int(row[0] or 0), int(row[1] or 0)

    def ratings(self, source_id: int) -> RatingColumns:
        """Every rating of the image source, oldest `at` first (then in the order received).

        The database sorts, so no time is converted here: at 50,000 ratings reading them is
        a few tens of milliseconds (Core rows, no ORM objects)."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(Rating.image_name, Rating.rater, Rating.score)
                                .where(Rating.image_source_id == source_id)
                                .order_by(Rating.at, Rating.id)).all()
        image, rater, score = (list(c) for c in zip(*rows)) if rows else ([], [], [])
        return RatingColumns(image, rater, np.asarray(score, dtype=np.int64),
                             np.arange(len(rows)))

    def votes(self, source_id: int, after_id: int = 0) -> VoteColumns:
        """The votes of the image source with an id above `after_id`, in the order received."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(PreferenceVote.id, PreferenceVote.winner,
                                       PreferenceVote.others, PreferenceVote.rater)
                                .where(PreferenceVote.image_source_id == source_id,
                                       PreferenceVote.id > after_id)
                                .order_by(PreferenceVote.id)).all()
        if not rows:
            return VoteColumns(np.zeros(0, dtype=np.int64), [], [], [])
        ids, winner, others, rater = zip(*rows)
        # One parse of one JSON array of all the vote's lists: ~10x faster than one per row.
        return VoteColumns(np.asarray(ids, dtype=np.int64), list(winner),
                           orjson.loads("[" + ",".join(others) + "]"), list(rater))

    def scores_by(self, source_id: int, rater: str) -> dict[str, int]:
        """This rater's latest score of each image they rated."""
        with Session(self.engine) as s:
            rows = s.execute(select(Rating.image_name, Rating.score)
                             .where(Rating.image_source_id == source_id, Rating.rater == rater)
                             .order_by(Rating.at, Rating.id)).all()
        return dict(rows)  # later rows overwrite earlier ones: the latest stays

    def last_vote_set(self, source_id: int, rater: str) -> frozenset[str] | None:
        """The images shown in this rater's most recent vote, or None."""
        with Session(self.engine) as s:
            row = s.execute(select(PreferenceVote.winner, PreferenceVote.others)
                            .where(PreferenceVote.image_source_id == source_id,
                                   PreferenceVote.rater == rater)
                            .order_by(PreferenceVote.id.desc()).limit(1)).first()
        return None if row is None else frozenset([row[0], *orjson.loads(row[1])])

    def known_images(self, source_id: int) -> frozenset[str]:
        """The image names of every build of the image source (builds never change, so each
        build's names are read once per worker)."""
        build_ids = tuple(sorted(b.id for b in self.store.builds(source_id)))
        with self._lock:
            hit = self._known.get(source_id)
            if hit is not None and hit[0] == build_ids:
                return hit[1]
        names = frozenset().union(*(self.build_image_names(b) for b in build_ids))
        with self._lock:
            self._known[source_id] = (build_ids, names)
        return names

    def require_known(self, ref: SourceRef, names: set[str]) -> None:
        """InvalidPayload listing the names that are in no build of the image source."""
        unknown = sorted(names - self.known_images(ref.id))
        if unknown:
            raise InvalidPayload(
                "unknown_images",
                f"{len(unknown)} image name(s) are in no build of {ref.business!r} / "
                f"{ref.name!r}; nothing was stored. Judge images the featurizer has sent "
                "(GET /api/v1/datasets lists the builds)."
                + (f" Showing the first {MAX_OFFENDERS}." if len(unknown) > MAX_OFFENDERS else ""),
                [{"image": n} for n in unknown[:MAX_OFFENDERS]])

    def build_image_names(self, build_id: int) -> frozenset[str]:
        """The image names of one build (read once per worker, kept for the last few builds)."""
        with self._lock:
            hit = self._names.get(build_id)
            if hit is not None:
                self._names.move_to_end(build_id)
                return hit
        names = frozenset(self.store.load_image_names(build_id))
        with self._lock:
            self._names[build_id] = names
            while len(self._names) > self.max_builds:
                self._names.popitem(last=False)
        return names

    def _source(self, business: str, image_source: str) -> SourceRef:
        ref = self.store.locate(business, image_source)
        if ref is None:
            raise UnknownDataset("unknown_dataset",
                                 f"No image source {image_source!r} for business {business!r}: "
                                 "people judge images of a build, so send the build first. "
                                 "GET /api/v1/datasets lists what exists.")
        return ref


def _insert(s: Session, model, rows: list[dict]) -> None:
    for i in range(0, len(rows), _CHUNK):
        s.execute(model.__table__.insert(), rows[i:i + _CHUNK])


def _utc(ts: datetime) -> datetime:
    """SQLite hands back naive UTC; PostgreSQL aware times."""
    return ts.replace(tzinfo=timezone.utc) if ts.tzinfo is None else ts


def _micros(ts: datetime) -> int:
    ts = _utc(ts)
    return (ts - datetime(1970, 1, 1, tzinfo=timezone.utc)) // _MICROSECOND


_MICROSECOND = datetime.resolution
