"""The delivery worker on a real archive with a recording Sender: once, in limits, retried."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from monitor.alerts.planning import BurstPolicy
from monitor.alerts.worker import DeliveryConfig, DeliveryWorker
from monitor.domain import AlertStatus, SubscriberStatus
from monitor.errors import DeliveryFailedError, RateLimitedError, RecipientGoneError
from monitor.store.deliveries import DeliveryRepo
from monitor.store.engine import Database
from tests.fake_bot import AcceptThenCrash, JumpingClock, RecordingSender
from tests.outbox_world import KHERSON, MELITOPOL, PRIVATE, SUMMONS, OutboxWorld, category

STORIES = [
    f"Сводка {n}: в селе номер {n} снова раздают повестки мужчинам призывного возраста, "
    f"сообщают читатели {n}"
    for n in range(60)
]


@pytest.fixture
async def world(database: Database) -> OutboxWorld:
    w = OutboxWorld(database)
    await w.channels()
    return w


@pytest.fixture
def clock() -> JumpingClock:
    return JumpingClock()


@pytest.fixture
def sender(clock: JumpingClock) -> RecordingSender:
    return RecordingSender(clock)


def worker(
    world: OutboxWorld, sender: RecordingSender, clock: JumpingClock, **config: object
) -> DeliveryWorker:
    return DeliveryWorker(
        DeliveryRepo(world.db),
        sender,
        clock,
        DeliveryConfig(**config),  # type: ignore[arg-type]
    )


async def drain(w: DeliveryWorker, clock: JumpingClock, idle_limit_s: int = 40) -> None:
    """Run cycles until nothing happened for `idle_limit_s` seconds of clock time."""
    idle = 0
    while idle < idle_limit_s:
        if await w.run_once():
            idle = 0
        elif w.limiter.paused_for > 0:
            clock.advance(w.limiter.paused_for)
        else:
            clock.advance(1)
            idle += 1


async def statuses(world: OutboxWorld) -> list[AlertStatus]:
    return [a.status for a in await DeliveryRepo(world.db).list_alerts()]


async def test_every_alert_is_sent_once_with_its_message_id(
    world: OutboxWorld, sender: RecordingSender, clock: JumpingClock
) -> None:
    for user in (1, 2, 3):
        await world.subscriber(user, category("summons"))
    await world.post(MELITOPOL, 1, SUMMONS)
    w = worker(world, sender, clock)
    await drain(w, clock)
    await drain(w, clock)
    assert sorted(s.chat_id for s in sender.sent) == [1, 2, 3]
    assert "Новости Мелитополя" in sender.sent[0].html
    alerts = await DeliveryRepo(world.db).list_alerts()
    assert {a.status for a in alerts} == {AlertStatus.SENT}
    assert sorted(a.sent_message_id or 0 for a in alerts) == [1, 2, 3]


async def test_a_crash_after_telegram_accepted_does_not_send_twice(
    world: OutboxWorld, sender: RecordingSender, clock: JumpingClock
) -> None:
    await world.subscriber(1, category("summons"))
    await world.post(MELITOPOL, 1, SUMMONS)
    sender.script[1] = [AcceptThenCrash()]
    with pytest.raises(AcceptThenCrash):
        await worker(world, sender, clock).run_once()
    assert await statuses(world) == [AlertStatus.PENDING]  # Telegram has it, we do not know
    restarted = worker(world, sender, clock)
    await drain(restarted, clock)
    assert len(sender.to(1)) == 1
    assert restarted.stats.duplicates == 1
    assert await statuses(world) == [AlertStatus.SENT]


async def test_a_burst_becomes_one_batched_message(
    world: OutboxWorld, sender: RecordingSender, clock: JumpingClock
) -> None:
    await world.subscriber(1, category("summons"))
    for n, text in enumerate(STORIES[:12], 1):
        await world.post(KHERSON, n, text)
    await drain(worker(world, sender, clock, burst=BurstPolicy(limit=5)), clock)
    [batch] = sender.to(1)
    assert batch.html.startswith("📦 <b>12 draft notices</b>")
    assert set(await statuses(world)) == {AlertStatus.SENT}


async def test_under_the_burst_limit_each_alert_is_its_own_message_one_a_second(
    world: OutboxWorld, sender: RecordingSender, clock: JumpingClock
) -> None:
    await world.subscriber(1, category("summons"))
    for n, text in enumerate(STORIES[:4], 1):
        await world.post(KHERSON, n, text)
    await drain(worker(world, sender, clock, burst=BurstPolicy(limit=5)), clock)
    times = [s.at for s in sender.to(1)]
    assert len(times) == 4
    assert all(b - a >= 1.0 - 1e-9 for a, b in itertools.pairwise(times))


async def test_the_overall_rate_is_never_exceeded(
    world: OutboxWorld, sender: RecordingSender, clock: JumpingClock
) -> None:
    for user in range(1, 101):
        await world.subscriber(user, category("summons"))
    await world.post(MELITOPOL, 1, SUMMONS)
    await drain(worker(world, sender, clock, overall_per_s=28.0), clock)
    times = sorted(s.at for s in sender.sent)
    assert len(times) == 100
    busiest = max(sum(1 for t in times if start <= t < start + 1.0) for start in times)
    assert busiest <= 29


async def test_a_flood_wait_pauses_everything_then_delivers(
    world: OutboxWorld, sender: RecordingSender, clock: JumpingClock
) -> None:
    for user in (1, 2):
        await world.subscriber(user, category("summons"))
    await world.post(MELITOPOL, 1, SUMMONS)
    sender.script[1] = [RateLimitedError(30, "sendMessage")]
    heard: list[int] = []

    async def on_flood_wait(seconds: int, what: str) -> None:
        heard.append(seconds)

    w = DeliveryWorker(
        DeliveryRepo(world.db),
        sender,
        clock,
        DeliveryConfig(concurrency=1),
        on_flood_wait=on_flood_wait,
    )
    await w.run_once()
    assert heard == [30]
    assert sender.sent == []  # the other chat waits too
    await drain(w, clock)
    assert sorted(s.chat_id for s in sender.sent) == [1, 2]
    assert min(s.at for s in sender.sent) >= 30


async def test_a_user_who_blocked_the_bot_is_deactivated_and_their_alerts_dropped(
    world: OutboxWorld, sender: RecordingSender, clock: JumpingClock
) -> None:
    await world.subscriber(1, category("summons"))
    await world.subscriber(2, category("summons"))
    await world.post(MELITOPOL, 1, SUMMONS)
    sender.script[1] = [RecipientGoneError(1, "USER_IS_BLOCKED")]
    await drain(worker(world, sender, clock), clock)
    assert [s.chat_id for s in sender.sent] == [2]
    assert (await world.subscribers.get_subscriber(1)).status is SubscriberStatus.INACTIVE
    assert sorted(await statuses(world)) == [AlertStatus.DROPPED, AlertStatus.SENT]


async def test_failures_are_retried_with_backoff_then_given_up(
    world: OutboxWorld, sender: RecordingSender, clock: JumpingClock
) -> None:
    await world.subscriber(1, category("summons"))
    await world.post(MELITOPOL, 1, SUMMONS)
    sender.script[1] = [DeliveryFailedError(1, "INTERNAL")] * 2
    w = worker(world, sender, clock, backoff_base_s=10.0)
    await w.run_once()
    await w.run_once()  # not due yet: nothing happens
    assert sender.sent == []
    clock.advance(10)
    await w.run_once()  # second failure; next try 20 s later
    clock.advance(20)
    await w.run_once()
    assert len(sender.to(1)) == 1
    [alert] = await DeliveryRepo(world.db).list_alerts()
    assert (alert.status, alert.attempts) == (AlertStatus.SENT, 2)

    await world.post(MELITOPOL, 2, STORIES[0])
    sender.script[1] = [DeliveryFailedError(1, "INTERNAL")] * 3
    gives_up = worker(world, sender, clock, backoff_base_s=1.0, max_attempts=3)
    await drain(gives_up, clock)
    assert sorted(await statuses(world)) == [AlertStatus.FAILED, AlertStatus.SENT]
    assert gives_up.stats.failed == 1


async def test_a_late_copy_edits_the_sent_alert(
    world: OutboxWorld, sender: RecordingSender, clock: JumpingClock
) -> None:
    await world.subscriber(1, category("summons"))
    await world.post(MELITOPOL, 1, SUMMONS)
    w = worker(world, sender, clock)
    await drain(w, clock)
    await world.post(PRIVATE, 4, SUMMONS)
    await drain(w, clock)
    assert len(sender.sent) == 1
    [(chat, message_id, html)] = sender.edits
    assert (chat, message_id) == (1, sender.sent[0].message_id)
    assert "Also in 1 channel" in html


async def test_a_muted_subscriber_gets_the_held_alerts_after_the_mute(
    world: OutboxWorld, sender: RecordingSender, clock: JumpingClock
) -> None:
    await world.subscriber(1, category("summons"))
    await world.subscribers.set_muted_until(1, clock.now() + timedelta(hours=1))
    for n, text in enumerate(STORIES[:7], 1):
        await world.post(KHERSON, n, text)
    w = worker(world, sender, clock)
    await drain(w, clock)
    assert sender.sent == []
    clock.advance(3600)
    await drain(w, clock)
    [batch] = sender.to(1)
    assert batch.html.startswith("📦 <b>7 draft notices</b>")


async def test_being_offline_is_waited_out_without_giving_up(
    world: OutboxWorld, sender: RecordingSender, clock: JumpingClock
) -> None:
    await world.subscriber(1, category("summons"))
    await world.post(MELITOPOL, 1, SUMMONS)
    sender.script[1] = [DeliveryFailedError(1, "ConnectionError", offline=True)] * 20
    w = worker(world, sender, clock, max_attempts=3, offline_retry_s=5.0)
    await drain(w, clock, idle_limit_s=200)
    [alert] = await DeliveryRepo(world.db).list_alerts()
    assert (alert.status, alert.attempts) == (AlertStatus.SENT, 0)
    assert w.stats.offline == 20
    assert len(sender.to(1)) == 1
