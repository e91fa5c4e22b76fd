"""Who may read what: a request's ReadScope, and the one seam every read of business data by a
route or a callback passes through (GuardedCache, which Services hands out as `cache`).

The HTTP edge (api/access.py read_scope) decides the scope of each request: everything
(READ_ACCESS=open, operator tokens), the businesses granted to a person or a token
(READ_ACCESS=granted), or one image source (a signed embed link). This module only applies it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from data.domain.dataset import Dataset, SourceRef
from data.domain.errors import MissingDataset, NotReadable
from data.storage.cache import DatasetCache
from data.storage.reads import StoreReads

REFUSED_MESSAGE = ("There is no dataset here that you may read: the business does not exist or "
                   "is not shared with you. Ask the dashboard's operator for access (a grant, or "
                   "a token of the business).")


def refused() -> NotReadable:
    """The one refusal for unknown and forbidden alike: same code, same words."""
    return NotReadable("not_readable", REFUSED_MESSAGE)


@dataclass(frozen=True)
class ReadScope:
    """What one request may read. `businesses` None means every business; `image_source`
    (business, image source) narrows it to one image source (an embed link), whose `locks`
    fix filters (name -> value)."""

    businesses: frozenset[str] | None
    image_source: tuple[str, str] | None = None
    locks: dict = field(default_factory=dict)

    @classmethod
    def everything(cls) -> "ReadScope":
        return cls(None)

    @classmethod
    def nothing(cls) -> "ReadScope":
        return cls(frozenset())

    @classmethod
    def embedded(cls, business: str, image_source: str, locks: dict | None = None) -> "ReadScope":
        return cls(frozenset({business}), (business, image_source), dict(locks or {}))

    @property
    def is_embed(self) -> bool:
        return self.image_source is not None

    @property
    def sees_everything(self) -> bool:
        return self.businesses is None

    def allows(self, business: str | None, image_source: str | None = None) -> bool:
        """May the request read `business` (and, for an embed, `image_source`)?"""
        if self.image_source is not None:
            return (business, image_source) == self.image_source
        return self.businesses is None or business in self.businesses

    def visible(self, datasets: list[dict]) -> list[dict]:
        """`datasets` (StoreReads.datasets()) cut to what the scope may read."""
        if self.businesses is None:
            return datasets
        shown = [d for d in datasets if d["business"] in self.businesses]
        if self.image_source is not None:
            source = self.image_source[1]
            shown = [{**d, "image_sources": [s for s in d["image_sources"]
                                             if s["image_source"] == source]} for d in shown]
        return shown

    def lock(self, filters: dict) -> dict:
        """`filters` with the scope's locked filters put back (an embed link fixes them)."""
        return {**filters, **self.locks} if self.locks else filters


class GuardedCache:
    """The dataset cache as a request sees it: `get`, `source`, `datasets` and `locate` check the
    current request's ReadScope (`scope()`) before touching the data, and refuse unknown and
    forbidden datasets with the same NotReadable. Everything else is the DatasetCache's."""

    def __init__(self, cache: DatasetCache, store: StoreReads, scope: Callable[[], ReadScope]):
        self.inner = cache
        self.store = store
        self.scope = scope

    def get(self, business: str | None, image_source: str | None,
            build_id: int | None = None, metrics: int | None = None, *,
            wait: bool = False) -> Dataset:
        """DatasetCache.get for a dataset the request may read; NotReadable otherwise (before
        anything is looked up, so the answer does not depend on what exists)."""
        self._check(business, image_source)
        return self.inner.get(business, image_source, build_id, metrics, wait=wait)

    def datasets(self) -> list[dict]:
        """Every business, image source and build the request may read (StoreReads.datasets)."""
        scope = self.scope()
        if scope.businesses is not None and not scope.businesses:
            return []
        return scope.visible(self.store.datasets())

    def source(self, business: str | None, image_source: str | None) -> SourceRef:
        """DatasetCache.source for an image source the request may read; NotReadable
        otherwise (the quality, compare and history routes and pages start here)."""
        self._check(business, image_source)
        return self.inner.source(business, image_source)

    def locate(self, business: str, image_source: str) -> SourceRef | None:
        """StoreReads.locate for an image source the request may read; NotReadable otherwise."""
        self._check(business, image_source)
        return self.store.locate(business, image_source)

    def _check(self, business: str | None, image_source: str | None) -> None:
        if not business or not image_source:  # says nothing about what exists
            raise MissingDataset("missing_dataset",
                                 "Say which dataset: give both `business` and `image_source`.")
        if not self.scope().allows(business, image_source):
            raise refused()

    def __getattr__(self, name: str):
        return getattr(self.inner, name)
