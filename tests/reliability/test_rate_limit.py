"""Per-token rate limit: a token bucket per worker, 429 with Retry-After past it."""

from __future__ import annotations

import math

import pytest

from data.people.tokens import create_token
from data.people.ratelimit import RateLimiter
from tests.reliability.builds import build_body

# About the HTTP edge, not the database (nothing here depends on the backend): runs once,
# in the SQLite run.
pytestmark = pytest.mark.backend("sqlite")

HEADERS = {"Business": "B", "Image-Source": "S", "Content-Type": "application/json"}


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_bucket_allows_a_burst_then_one_request_per_interval():
    clock = FakeClock()
    limiter = RateLimiter(per_minute=6, burst=3, clock=clock)  # one per 10 s
    assert [limiter.take("t") for _ in range(3)] == [0, 0, 0]
    wait = limiter.take("t")
    assert math.isclose(wait, 10.0)
    assert limiter.take("other") == 0  # buckets are per key
    clock.now += 9.9
    assert limiter.take("t") > 0
    clock.now += 0.2
    assert limiter.take("t") == 0


def test_zero_rate_means_no_limit():
    limiter = RateLimiter(per_minute=0, burst=1)
    assert all(limiter.take("t") == 0 for _ in range(1000))


def test_over_the_limit_is_429_with_retry_after_and_writes_nothing(make_app):
    client, svc = make_app(ingest_tokens=("env-one",), rate_limit_per_minute=2, rate_limit_burst=2)
    token = create_token(svc.store.engine, "jenkins-b", "B")
    auth = {**HEADERS, "Authorization": f"Bearer {token}"}
    assert [client.put("/api/v1/features", data=build_body(k), headers=auth).status_code
            for k in (1, 2)] == [201, 201]
    limited = client.put("/api/v1/features", data=build_body(3), headers=auth)
    assert limited.status_code == 429
    assert limited.json["error"] == "rate_limited"
    assert 1 <= int(limited.headers["Retry-After"]) <= 30  # 2 per minute: ~30 s to refill one
    current = client.get("/api/v1/features", headers=HEADERS).json
    assert current["build"] == 2

    # Another token has its own bucket.
    other = {**HEADERS, "Authorization": "Bearer env-one"}
    assert client.put("/api/v1/features", data=build_body(3), headers=other).status_code == 201
