"""What the API routes and the pages share, built once by the app factory (app.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from config import Settings
from data.people.ratelimit import RateLimiter
from data.storage.cache import DatasetCache
from data.storage.history import BuildHistory
from data.storage.store import Store


@dataclass
class Services:
    """Configuration, the store, the cached datasets, the per-worker write rate limiter and
    the builds' statistics for feature histories."""

    settings: Settings
    store: Store
    cache: DatasetCache
    limiter: RateLimiter = field(default=None)  # type: ignore[assignment]  # built from settings
    history: BuildHistory = field(default=None)  # type: ignore[assignment]  # over `cache`

    def __post_init__(self):
        if self.history is None:
            self.history = BuildHistory(self.cache)
        if self.limiter is None:
            self.limiter = RateLimiter(self.settings.rate_limit_per_minute,
                                       self.settings.rate_limit_burst)

    @classmethod
    def build(cls, settings: Settings, store: Store) -> "Services":
        """The services over `store`, with a fresh cache."""
        return cls(settings, store, DatasetCache(store))
