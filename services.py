"""What the API routes and the pages share, built once by the app factory (app.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from config import Settings
from data.people.access import GuardedCache, ReadScope
from data.people.ratelimit import RateLimiter
from data.storage.build_files import BuildFiles
from data.storage.cache import DatasetCache
from data.storage.judgement_cache import JudgementCache
from data.storage.judgements import JudgementStore
from data.storage.history import BuildHistory
from data.storage.label_cache import LabelCache
from data.storage.labels import LabelStore
from data.storage.store import Store


@dataclass
class Services:
    """Configuration, the store, the cached datasets, the per-worker write rate limiter, the
    per-worker limit of failed authentications per client address, people's judgements
    (their store and the cached statistics made from them), the builds' statistics for
    feature histories, and label fixes and saved thresholds (their store and what is cached
    from them).

    `cache` is the one way routes and callbacks read business data: it checks the current
    request's read scope (data/people/access.py) before every dataset, list or lookup."""

    settings: Settings
    store: Store
    cache: GuardedCache
    limiter: RateLimiter = field(default=None)  # type: ignore[assignment]  # built from settings
    judgements: JudgementStore = field(default=None)  # type: ignore[assignment]  # over store
    scores: JudgementCache = field(default=None)  # type: ignore[assignment]
    auth_failures: RateLimiter = field(default=None)  # type: ignore[assignment]  # built from settings
    history: BuildHistory = field(default=None)  # type: ignore[assignment]  # over `cache`
    labels: LabelStore = field(default=None)  # type: ignore[assignment]  # over store
    fixed: LabelCache = field(default=None)  # type: ignore[assignment]  # over labels

    def __post_init__(self):
        if self.history is None:
            self.history = BuildHistory(self.cache)
        if self.limiter is None:
            self.limiter = RateLimiter(self.settings.rate_limit_per_minute,
                                       self.settings.rate_limit_burst)
        if self.judgements is None:
            self.judgements = JudgementStore(self.store)
        if self.scores is None:
            self.scores = JudgementCache(self.judgements)
        if self.auth_failures is None:
            self.auth_failures = RateLimiter(self.settings.auth_failures_per_minute,
                                             self.settings.auth_failures_burst)
        if self.labels is None:
            self.labels = LabelStore(self.store)
        if self.fixed is None:
            self.fixed = LabelCache(self.labels)

    @classmethod
    def build(cls, settings: Settings, store: Store,
              scope: Callable[[], ReadScope] = ReadScope.everything) -> "Services":
        """The services over `store`, with a fresh cache (its builds' arrays memory-mapped from
        BUILD_FILES_DIR) that reads what `scope()` allows."""
        cache = DatasetCache(store, files=BuildFiles(settings.build_files_path()))
        return cls(settings, store, GuardedCache(cache, store, scope))
