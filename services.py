"""What the API routes and the pages share, built once by the app factory (app.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from config import Settings
from data.people.access import GuardedCache, ReadScope
from data.people.ratelimit import RateLimiter
from data.storage.cache import DatasetCache
from data.storage.store import Store


@dataclass
class Services:
    """Configuration, the store, the cached datasets and the per-worker write rate limiter.

    `cache` is the one way routes and callbacks read business data: it checks the current
    request's read scope (data/people/access.py) before every dataset, list or lookup."""

    settings: Settings
    store: Store
    cache: GuardedCache
    limiter: RateLimiter = field(default=None)  # type: ignore[assignment]  # built from settings

    def __post_init__(self):
        if self.limiter is None:
            self.limiter = RateLimiter(self.settings.rate_limit_per_minute,
                                       self.settings.rate_limit_burst)

    @classmethod
    def build(cls, settings: Settings, store: Store,
              scope: Callable[[], ReadScope] = ReadScope.everything) -> "Services":
        """The services over `store`, with a fresh cache that reads what `scope()` allows."""
        return cls(settings, store, GuardedCache(DatasetCache(store), store, scope))
