"""What the API routes and the pages share, built once by the app factory (app.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from config import Settings
from data.people.ratelimit import RateLimiter
from data.storage.cache import DatasetCache
from data.storage.label_cache import LabelCache
from data.storage.labels import LabelStore
from data.storage.store import Store


@dataclass
class Services:
    """Configuration, the store, the cached datasets, the per-worker write rate limiter, and
    label fixes and saved thresholds (their store and what is cached from them)."""

    settings: Settings
    store: Store
    cache: DatasetCache
    limiter: RateLimiter = field(default=None)  # type: ignore[assignment]  # built from settings
    labels: LabelStore = field(default=None)  # type: ignore[assignment]  # over store
    fixed: LabelCache = field(default=None)  # type: ignore[assignment]  # over labels

    def __post_init__(self):
        if self.limiter is None:
            self.limiter = RateLimiter(self.settings.rate_limit_per_minute,
                                       self.settings.rate_limit_burst)
        if self.labels is None:
            self.labels = LabelStore(self.store)
        if self.fixed is None:
            self.fixed = LabelCache(self.labels)

    @classmethod
    def build(cls, settings: Settings, store: Store) -> "Services":
        """The services over `store`, with a fresh cache."""
        return cls(settings, store, DatasetCache(store))
