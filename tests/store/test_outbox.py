"""The outbox save hook on a real migrated SQLite file: who gets an alert, once, and when not."""

from __future__ import annotations

from datetime import timedelta

import pytest

from monitor.domain import AlertStatus, SubscriberStatus
from monitor.store.deliveries import DeliveryRepo
from monitor.store.engine import Database
from tests.conftest import NOW
from tests.outbox_world import (
    KHERSON,
    MELITOPOL,
    PRIVATE,
    ROUNDUP,
    SUMMONS,
    WEATHER,
    OutboxWorld,
    category,
    expression,
    rule,
)


@pytest.fixture
async def world(database: Database) -> OutboxWorld:
    w = OutboxWorld(database)
    await w.channels()
    return w


async def _alerts(world: OutboxWorld) -> list[tuple[int, int, bool, tuple[str, ...]]]:
    alerts = await DeliveryRepo(world.db).list_alerts()
    return [(a.subscriber_id, a.post_id, a.edited, a.rule_ids) for a in alerts]


async def test_a_hit_alerts_each_matching_approved_subscriber_once(world: OutboxWorld) -> None:
    by_category = await world.subscriber(1, category("summons"))
    by_rule = await world.subscriber(2, rule("summons.ru"), category("summons"))
    await world.subscriber(3, rule("roundup.ru"))
    await world.subscriber(4, category("summons"), status=SubscriberStatus.PENDING)
    await world.subscriber(5, category("summons"), status=SubscriberStatus.BLOCKED)
    post_id = await world.post(MELITOPOL, 10, SUMMONS)
    await world.post(MELITOPOL, 10, SUMMONS)  # polled again: nothing new
    assert await _alerts(world) == [
        (by_category, post_id, False, ("summons.ru",)),
        (by_rule, post_id, False, ("summons.ru",)),
    ]


async def test_a_post_without_hits_alerts_nobody(world: OutboxWorld) -> None:
    await world.subscriber(1, category("summons"))
    await world.post(KHERSON, 1, WEATHER)
    assert await _alerts(world) == []


async def test_an_edit_that_adds_a_hit_alerts_once_marked_edited(world: OutboxWorld) -> None:
    sid = await world.subscriber(1, category("roundup"))
    post_id = await world.post(KHERSON, 5, WEATHER)
    later = NOW + timedelta(minutes=3)
    await world.post(KHERSON, 5, WEATHER + ". UPD: облава у рынка", now=later, edit_date=later)
    await world.post(KHERSON, 5, WEATHER + ". UPD: облава у рынка!", now=later, edit_date=later)
    assert await _alerts(world) == [(sid, post_id, True, ("roundup.ru",))]


async def test_an_edit_without_a_new_hit_alerts_nobody(world: OutboxWorld) -> None:
    await world.subscriber(1, category("summons"))
    post_id = await world.post(MELITOPOL, 7, SUMMONS)
    later = NOW + timedelta(minutes=3)
    await world.post(MELITOPOL, 7, SUMMONS + " (уточнение)", now=later, edit_date=later)
    assert [(a[1], a[2]) for a in await _alerts(world)] == [(post_id, False)]


async def test_channel_limits_are_respected(world: OutboxWorld) -> None:
    only_kherson = await world.subscriber(1, category("summons", "@Kherson_Online"))
    by_id = await world.subscriber(2, category("summons", str(PRIVATE.telegram_id)))
    await world.post(MELITOPOL, 1, SUMMONS)
    kherson_post = await world.post(
        KHERSON, 1, "Херсон: повестки раздают в школах, очереди у военкомата с утра"
    )
    private_post = await world.post(
        PRIVATE, 1, "Повестки: что делать если вручили, короткая инструкция юристов"
    )
    assert [(a[0], a[1]) for a in await _alerts(world)] == [
        (only_kherson, kherson_post),
        (by_id, private_post),
    ]


async def test_a_keyword_expression_alerts_and_an_edit_that_keeps_it_does_not(
    world: OutboxWorld,
) -> None:
    sid = await world.subscriber(1, expression("васильевк"))
    first = await world.post(MELITOPOL, 1, ROUNDUP)
    later = NOW + timedelta(minutes=1)
    await world.post(MELITOPOL, 1, ROUNDUP + " — видео", now=later, edit_date=later)
    second = await world.post(KHERSON, 2, WEATHER)
    await world.post(KHERSON, 2, WEATHER + ". В Васильевке тоже", now=later, edit_date=later)
    assert await _alerts(world) == [
        (sid, first, False, ("expr:васильевк",)),
        (sid, second, True, ("expr:васильевк",)),
    ]


async def test_the_same_story_in_another_channel_is_a_sighting_not_an_alert(
    world: OutboxWorld,
) -> None:
    sid = await world.subscriber(1, category("summons"))
    first = await world.post(MELITOPOL, 1, SUMMONS)
    copy = (
        "⚡️" + SUMMONS.upper() + "\n\nПодписывайтесь: @kherson_online https://t.me/kherson_online"
    )
    await world.post(KHERSON, 9, copy, now=NOW + timedelta(hours=2))
    deliveries = await DeliveryRepo(world.db).plan_deliveries(
        now=NOW + timedelta(hours=2), policy=_policy()
    )
    assert await _alerts(world) == [(sid, first, False, ("summons.ru",))]
    assert [s.link for s in deliveries[0].items[0].also_in] == ["https://t.me/kherson_online/9"]


async def test_a_copy_after_a_day_is_a_new_alert(world: OutboxWorld) -> None:
    await world.subscriber(1, category("summons"))
    await world.post(MELITOPOL, 1, SUMMONS)
    await world.post(KHERSON, 9, SUMMONS, now=NOW + timedelta(days=1, minutes=1))
    assert len(await _alerts(world)) == 2


async def test_a_sighting_after_sending_marks_the_message_for_an_edit(world: OutboxWorld) -> None:
    await world.subscriber(1, category("summons"))
    await world.post(MELITOPOL, 1, SUMMONS)
    repo = DeliveryRepo(world.db)
    [delivery] = await repo.plan_deliveries(now=NOW, policy=_policy())
    await repo.mark_sent(delivery.random_id, 555, now=NOW)
    assert await repo.list_stale() == []
    await world.post(PRIVATE, 3, SUMMONS, now=NOW + timedelta(minutes=5))
    [stale] = await repo.list_stale()
    assert stale.message_id == 555
    assert [s.channel.telegram_id for s in stale.items[0].also_in] == [PRIVATE.telegram_id]
    await repo.mark_edited(stale.random_id)
    assert await repo.list_stale() == []


def _policy():  # type: ignore[no-untyped-def]
    from monitor.alerts.planning import BurstPolicy

    return BurstPolicy()


async def test_deactivating_drops_pending_alerts(world: OutboxWorld) -> None:
    sid = await world.subscriber(1, category("summons"))
    await world.post(MELITOPOL, 1, SUMMONS)
    repo = DeliveryRepo(world.db)
    assert await repo.deactivate_subscriber(sid) == 1
    assert [a.status for a in await repo.list_alerts()] == [AlertStatus.DROPPED]
    assert (await world.subscribers.get_subscriber(1)).status is SubscriberStatus.INACTIVE


async def test_history_read_back_when_a_channel_is_added_alerts_nobody(
    world: OutboxWorld,
) -> None:
    await world.subscriber(1, category("summons"))
    await world.post(MELITOPOL, 1, SUMMONS, now=NOW - timedelta(days=2))  # before it was added
    assert await _alerts(world) == []


async def test_history_alerts_when_asked_to(database: Database) -> None:
    from monitor.store.outbox import make_outbox_hook
    from tests.outbox_world import expression_hits

    world = OutboxWorld(database)
    world.hook = make_outbox_hook(expression_hits, alert_history=True)
    await world.channels()
    await world.subscriber(1, category("summons"))
    await world.post(MELITOPOL, 1, SUMMONS, now=NOW - timedelta(days=2))
    assert len(await _alerts(world)) == 1
