"""Rate limits as in-process token buckets: writes per token, and failed authentications per
client address (a token guesser gets a few tries a minute, not thousands).

Each worker process keeps its own buckets, so N workers (or machines) let a token through up to
N times the configured rate in total; that bounds a runaway sender, which is the point, without
a shared store (docs/scaling.md).
"""

from __future__ import annotations

import math
import threading
import time
from typing import Callable

MAX_KEYS = 10_000


class RateLimiter:
    """`per_minute` requests per key on average, bursts of up to `burst`. per_minute <= 0 means
    no limit."""

    def __init__(self, per_minute: float, burst: int, clock: Callable[[], float] = time.monotonic):
        self.rate = per_minute / 60.0  # tokens per second
        self.burst = max(1, burst)
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, last refill time)
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """Spend one request for `key`: 0 when allowed, else the seconds until one is allowed."""
        if self.rate <= 0:
            return 0.0
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                if len(self._buckets) > MAX_KEYS:
                    self._forget_full(now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / self.rate

    def wait(self, key: str) -> float:
        """Seconds until `key` may spend one request (0 now), without spending it."""
        if self.rate <= 0:
            return 0.0
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.rate)
        return 0.0 if tokens >= 1.0 else (1.0 - tokens) / self.rate

    def _forget_full(self, now: float) -> None:
        """Drop buckets that have refilled completely: forgetting them changes nothing."""
        for key, (tokens, last) in list(self._buckets.items()):
            if tokens + (now - last) * self.rate >= self.burst:
                del self._buckets[key]


def retry_after_header(seconds: float) -> str:
    """Retry-After is whole seconds (RFC 9110); round up so a client that obeys it succeeds."""
    return str(max(1, math.ceil(seconds)))
