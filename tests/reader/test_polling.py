"""The polling policy: token bucket, adaptive interval, due channels."""

from __future__ import annotations

from datetime import timedelta

import pytest

from monitor.domain import Channel
from monitor.reader.polling import IntervalPolicy, due_channels, due_for_recheck
from tests.conftest import NOW


@pytest.mark.parametrize(
    ("current", "new_posts", "expected"),
    [(300, 0, 450), (300, 1, 300), (300, 5, 150), (100, 9, 60), (3000, 0, 3600)],
)
def test_interval_adapts_to_activity_within_bounds(
    current: int, new_posts: int, expected: int
) -> None:
    assert (
        IntervalPolicy(minimum_s=60, maximum_s=3600).next_interval(current, new_posts) == expected
    )


def test_jitter_stays_within_its_fraction() -> None:
    policy = IntervalPolicy(minimum_s=60, maximum_s=3600, jitter=0.1)
    assert policy.jittered(300, 0.0) == timedelta(seconds=270)
    assert policy.jittered(300, 0.5) == timedelta(seconds=300)
    assert policy.jittered(300, 0.999999) < timedelta(seconds=330)


def _channel(tid: int, **kw: object) -> Channel:
    return Channel(telegram_id=tid, title=f"c{tid}", **kw)  # type: ignore[arg-type]


def test_due_channels_skip_disabled_waiting_and_fresh_ones_most_overdue_first() -> None:
    channels = [
        _channel(1),  # never polled: due
        _channel(2, last_polled_at=NOW - timedelta(seconds=100), poll_interval_s=300),  # not yet
        _channel(3, last_polled_at=NOW - timedelta(seconds=400), poll_interval_s=300),  # due
        _channel(4, last_polled_at=NOW - timedelta(seconds=900), poll_interval_s=300),  # due, older
        _channel(5, enabled=False),
        _channel(6, flood_wait_until=NOW + timedelta(minutes=5)),
        _channel(7, flood_wait_until=NOW - timedelta(minutes=5)),  # wait over: due
    ]
    assert [c.telegram_id for c in due_channels(channels, NOW)] == [1, 7, 4, 3]


@pytest.mark.parametrize(
    ("interval", "failures", "expected"),
    [(300, 1, 300), (300, 2, 600), (300, 3, 1200), (300, 9, 3600), (10, 1, 60), (300, 99, 3600)],
)
def test_a_failing_channel_backs_off_on_its_own_within_bounds(
    interval: int, failures: int, expected: int
) -> None:
    policy = IntervalPolicy(minimum_s=60, maximum_s=3600)
    assert policy.backoff(interval, failures) == timedelta(seconds=expected)


def test_the_recheck_is_due_from_its_stored_time_else_from_when_the_channel_was_added() -> None:
    hour = timedelta(hours=1)
    channels = [
        _channel(1, rechecked_at=NOW - 2 * hour),  # due
        _channel(2, rechecked_at=NOW - timedelta(minutes=5)),  # re-checked a moment ago
        _channel(3, added_at=NOW - hour),  # never re-checked, added long enough ago: due
        _channel(4, added_at=NOW - timedelta(minutes=1)),  # just added: not yet
        _channel(5),  # nothing known: due at once
        _channel(6, rechecked_at=NOW - 2 * hour, enabled=False),
        _channel(7, rechecked_at=NOW - 2 * hour, flood_wait_until=NOW + hour),
    ]
    assert [c.telegram_id for c in due_for_recheck(channels, NOW, 600)] == [1, 3, 5]
