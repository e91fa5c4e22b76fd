"""Per worker: the judgement statistics of an image source (a Scoreboard), and datasets whose
outcome is people's judgement instead of CTR.

A scoreboard is computed once per (image source, current build, judgements version): the
version is the newest rating and vote id, one indexed query per request, so a judgement stored
by any worker is seen by every worker on its next request. Computing it costs ~1.5 s at 10,000
images and 200,000 votes (docs/benchmarks.md); pages that only need roughly current strengths
(which pair to show next) may take the previous scoreboard while a thread computes the new one.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections import OrderedDict

import numpy as np

from data.domain.dataset import Dataset, SourceRef
from data.stats.features import build_index
from data.stats.scoreboard import Scoreboard, scoreboard
from data.storage.judgements import JudgementStore, VoteColumns

log = logging.getLogger(__name__)

# Above this many votes a page may be served the previous scoreboard while the next one is
# computed in the background (below it, computing takes well under 0.1 s).
BACKGROUND_VOTES = 20_000


class JudgementCache:
    def __init__(self, judgements: JudgementStore, max_datasets: int = 4):
        self.judgements = judgements
        self.max_datasets = max_datasets
        self._boards: dict[int, Scoreboard] = {}
        # Votes are only ever added, and one image source's writes take turns (its row lock), so
        # ids grow in commit order: each rebuild reads only the votes after the last one read.
        self._votes: dict[int, VoteColumns] = {}
        self._computing: dict[int, threading.Lock] = {}
        self._datasets: OrderedDict[tuple, Dataset] = OrderedDict()
        self._lock = threading.Lock()

    def scoreboard(self, ref: SourceRef, fresh: bool = True) -> Scoreboard:
        """The statistics of every image of the current build and every image judged.

        fresh=False (pages choosing what to show next): when the judgements changed and the
        image source has many votes, the previous scoreboard now and the new one computed in
        a background thread."""
        key = (ref.id, ref.current_build_id, self.judgements.version(ref.id))
        hit = self._boards.get(ref.id)
        if hit is not None and hit.key[:3] == key:
            return hit
        if not fresh and hit is not None and hit.votes >= BACKGROUND_VOTES:
            threading.Thread(target=self._compute, args=(ref, key, False), daemon=True,
                             name="scoreboard").start()
            return hit
        return self._compute(ref, key, True)

    def _compute(self, ref: SourceRef, key: tuple, wait: bool) -> Scoreboard | None:
        with self._lock:
            lock = self._computing.setdefault(ref.id, threading.Lock())
        if not lock.acquire(blocking=wait):
            return None  # another thread is computing it already
        try:
            hit = self._boards.get(ref.id)
            if hit is not None and hit.key[:3] == key:
                return hit
            board = self._build(ref, key)
            self._boards[ref.id] = board
            return board
        except Exception:
            if wait:
                raise
            log.exception("Background scoreboard failed for image source %s", ref.id)
            return None
        finally:
            lock.release()

    def _build(self, ref: SourceRef, key: tuple) -> Scoreboard:
        # Read the votes first: a vote stored between the reads then shows up in the next
        # version's scoreboard, never half in this one.
        votes = self._all_votes(ref.id)
        ratings = self.judgements.ratings(ref.id)
        current = (self.judgements.build_image_names(ref.current_build_id)
                   if ref.current_build_id is not None else ())
        # key: (image source, current build, judgements version, newest vote id read).
        return scoreboard(current, ratings.image, ratings.rater, ratings.score, ratings.order,
                          votes.winner, votes.others,
                          key=key + (int(votes.id[-1]) if len(votes.id) else 0,))

    def _all_votes(self, source_id: int) -> VoteColumns:
        """Every vote of the image source: the ones read before, plus the newer ones."""
        before = self._votes.get(source_id)
        newer = self.judgements.votes(source_id, int(before.id[-1]) if before is not None
                                      and len(before.id) else 0)
        if before is None:
            merged = newer
        elif not len(newer.id):
            merged = before
        else:
            merged = VoteColumns(np.concatenate([before.id, newer.id]),
                                 before.winner + newer.winner, before.others + newer.others,
                                 before.rater + newer.rater)
        self._votes[source_id] = merged
        return merged

    def comparisons_now(self, ref: SourceRef, board: Scoreboard, names: list[str]) -> np.ndarray:
        """Votes each of `names` was shown in: the scoreboard's counts plus the votes stored
        since it was computed (so a page served an older scoreboard still spreads votes)."""
        counts = np.zeros(len(names), dtype=np.int64)
        where = np.fromiter((board.position.get(n, -1) for n in names), dtype=np.int64,
                            count=len(names))
        counts[where >= 0] = board.comparisons[where[where >= 0]]
        newer = self.judgements.votes(ref.id, after_id=board.key[-1] if board.key else 0)
        if len(newer.id):
            position = {n: i for i, n in enumerate(names)}
            for winner, others in zip(newer.winner, newer.others):
                for name in (winner, *others):
                    if name in position:
                        counts[position[name]] += 1
        return counts

    def outcome_dataset(self, ds: Dataset, outcome: str) -> Dataset:
        """`ds` with people's judgement as y_i: outcome "score" (mean score) or "strength";
        "ctr" gives `ds` itself. Its images without that outcome are left out of every
        statistic, like images without CTR."""
        if outcome == "ctr":
            return ds
        board = self.scoreboard(ds.source)
        key = (ds.source.id, ds.build.id, ds.source.version, outcome, board.key)
        with self._lock:
            hit = self._datasets.get(key)
            if hit is not None:
                self._datasets.move_to_end(key)
                return hit
        y = board.values(outcome, ds.matrix.image_names)
        # The build's derived arrays (labels, norms) depend on the matrix only: shared; the
        # remembered answers (Dataset.recent) depend on the outcome: not.
        judged = dataclasses.replace(ds, index=build_index(ds.matrix, y), _derived=ds._derived,
                                     _recent=OrderedDict(), _lock=ds._lock)
        with self._lock:
            self._datasets[key] = judged
            while len(self._datasets) > self.max_datasets:
                self._datasets.popitem(last=False)
        return judged
