"""What the API routes and the pages share, built once by the app factory (app.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from config import Settings
from data.people.ratelimit import RateLimiter
from data.storage.build_files import BuildFiles
from data.storage.cache import DatasetCache
from data.storage.store import Store


@dataclass
class Services:
    """Configuration, the store, the cached datasets and the per-worker write rate limiter."""

    settings: Settings
    store: Store
    cache: DatasetCache
    limiter: RateLimiter = field(default=None)  # type: ignore[assignment]  # built from settings

    def __post_init__(self):
        if self.limiter is None:
            self.limiter = RateLimiter(self.settings.rate_limit_per_minute,
                                       self.settings.rate_limit_burst)

    @classmethod
    def build(cls, settings: Settings, store: Store) -> "Services":
        """The services over `store`, with a fresh cache."""
        return cls(settings, store,
                   DatasetCache(store, files=BuildFiles(settings.build_files_path())))
