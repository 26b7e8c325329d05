"""The token bucket shared by polling and sending."""

from __future__ import annotations

import pytest

from monitor.ratelimit import TokenBucket


def test_bucket_spends_its_capacity_then_refills_at_its_rate() -> None:
    bucket = TokenBucket(rate=2.0, capacity=3, updated=0.0)
    waits = []
    for _ in range(4):
        waits.append(bucket.wait(0.0))
        if waits[-1] == 0:
            bucket.take(0.0)
    assert waits == [0.0, 0.0, 0.0, pytest.approx(0.5)]
    assert bucket.wait(0.5) == 0.0
    bucket.take(0.5)
    assert bucket.wait(0.5) == pytest.approx(0.5)
    assert bucket.idle(100.0)  # refilled to capacity, never above


def test_bucket_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="bad token bucket"):
        TokenBucket(rate=0)
