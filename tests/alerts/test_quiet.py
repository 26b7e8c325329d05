"""Quiet hours: held in the subscriber's own zone, sent when the window ends."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from monitor.alerts.quiet import in_quiet_hours
from monitor.alerts.worker import DeliveryWorker
from tests.alerts.test_worker import STORIES, drain, worker
from tests.fake_bot import JumpingClock, RecordingSender
from tests.outbox_world import KHERSON, OutboxWorld, category

__all__ = ["clock", "sender", "world"]
from tests.alerts.test_worker import clock, sender, world

H = 60


@pytest.mark.parametrize(
    ("utc", "zone", "window", "quiet"),
    [
        ("2024-11-25T21:30", "Europe/Kyiv", (23 * H, 7 * H), True),  # 23:30 in Kyiv
        ("2024-11-25T04:59", "Europe/Kyiv", (23 * H, 7 * H), True),  # 06:59
        ("2024-11-25T05:00", "Europe/Kyiv", (23 * H, 7 * H), False),  # 07:00: over
        ("2024-11-25T20:59", "Europe/Kyiv", (23 * H, 7 * H), False),  # 22:59
        ("2024-11-25T12:00", "UTC", (12 * H, 13 * H), True),
        ("2024-11-25T12:00", "UTC", None, False),
    ],
)
def test_a_window_in_local_time_may_cross_midnight(
    utc: str, zone: str, window: tuple[int, int] | None, quiet: bool
) -> None:
    now = datetime.fromisoformat(utc).replace(tzinfo=UTC)
    start, end = window or (None, None)
    assert in_quiet_hours(now, zone, start, end) is quiet


async def test_alerts_in_quiet_hours_are_held_and_sent_when_they_end(
    world: OutboxWorld, sender: RecordingSender, clock: JumpingClock
) -> None:
    await world.subscriber(1, category("summons"))
    await world.subscribers.set_timezone(1, "UTC")
    await world.subscribers.set_quiet_hours(1, (6 * H, 12 * H))  # it is 09:00 UTC
    await world.post(KHERSON, 1, STORIES[0])
    w: DeliveryWorker = worker(world, sender, clock)
    await drain(w, clock)
    assert sender.sent == []
    clock.advance(3 * 3600)  # 12:00 and after
    await drain(w, clock)
    [alert] = sender.to(1)
    assert alert.html.startswith("🔔 <b>Draft notice</b>")
