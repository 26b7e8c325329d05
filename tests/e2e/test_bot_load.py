"""Through the sandbox: 500 subscribers, 50 matching posts in about a minute; every alert exactly
once, no FLOOD_WAIT from the sandbox, bursts batched (slow: about a minute)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter

import pytest
from telethon.tl.types import PeerUser

from monitor.domain import AlertStatus, SubscriberStatus, SubscriptionKind
from monitor.reader.channel_ref import parse_channel_ref
from monitor.sandbox.api import Sandbox
from monitor.sandbox.world import Account
from monitor.store.subscribers import SubscriberRepo
from tests.conftest import NOW
from tests.e2e.bot_stack import BotStack

logger = logging.getLogger(__name__)
SUBSCRIBERS = 500
POSTS = 50
TOWNS = ("Мелитополе", "Херсоне", "Бердянске", "Энергодаре", "Геническе")


def story(n: int) -> str:
    codes = " ".join(str(n * p) for p in (7919, 104729, 1299709, 15485863))
    return f"Сводка {n}: в {TOWNS[n % 5]} раздают повестки мужчинам. Номер {codes}"


async def _subscribers(stack: BotStack) -> list[Account]:
    """500 users who wrote to the bot once (so it knows them) and were approved."""
    sandbox, repo = stack.sandbox, SubscriberRepo(stack.database)
    users = [
        sandbox.create_user(f"+38067{n:07d}", first_name=f"Analyst {n}") for n in range(SUBSCRIBERS)
    ]
    for user in users:
        sandbox.send_private(user, stack.bot_account, "/help")  # ignored: not approved yet
    last = PeerUser(users[-1].id)

    async def known() -> None:
        while True:
            try:
                await stack.runtime.desk.client.get_input_entity(last)
                return
            except ValueError:
                await asyncio.sleep(0.05)

    await asyncio.wait_for(known(), 30)
    for user in users:
        sub = await repo.register(
            user.id,
            username=None,
            display_name=user.first_name,
            is_admin=False,
            timezone="Europe/Kyiv",
            now=NOW,
        )
        assert sub.id is not None
        await repo.set_status(user.id, SubscriberStatus.APPROVED)
        await repo.save_subscription(sub.id, SubscriptionKind.CATEGORY, "summons", [], now=NOW)
    return users


@pytest.mark.slow
@pytest.mark.timeout(360)  # its delivery alone took 75-100 s on a busy 2-core machine
async def test_500_subscribers_50_posts_every_alert_exactly_once_within_limits(
    sandbox: Sandbox, stack: BotStack
) -> None:
    users = await _subscribers(stack)
    channels = [sandbox.create_channel(f"occupied_news_{i}", f"Новости {i}") for i in range(5)]
    for channel in channels:
        await stack.collector.add(parse_channel_ref(f"@{channel.username}"))
    start = time.monotonic()
    links = []
    for n in range(POSTS):  # 50 posts over about 10 s, read by the real reader as they come
        channel = channels[n % 5]
        links.append(f"https://t.me/{channel.username}/{sandbox.post(channel, story(n))}")
        if n % 5 == 4:
            await stack.collector.poll_cycle()
            await asyncio.sleep(1.0)

    async def pending() -> int:
        counts = await stack.deliveries.count_alerts()
        return counts[AlertStatus.PENDING]

    while await pending():
        assert time.monotonic() - start < 240, "delivery took too long"
        await asyncio.sleep(0.5)
    elapsed = time.monotonic() - start
    counts = await stack.deliveries.count_alerts()
    assert counts[AlertStatus.SENT] == SUBSCRIBERS * POSTS

    messages = 0
    batched = 0
    for user in users:
        received = sandbox.received_by(user, stack.bot_account)
        messages += len(received)
        batched += sum(1 for m in received if m.text.startswith("📦"))
        seen = Counter(
            url for m in received for e in m.entities if (url := getattr(e, "url", None))
        )
        assert set(seen) == set(links), f"user {user.id} missed alerts"
        assert set(seen.values()) == {1}, f"user {user.id} got an alert twice"
    assert sandbox.flood_waits() == 0
    assert batched > 0
    logger.warning(
        "load: %d alerts in %d messages (%d batched) to %d subscribers in %.1f s: %.0f msg/s",
        SUBSCRIBERS * POSTS,
        messages,
        batched,
        SUBSCRIBERS,
        elapsed,
        messages / elapsed,
    )
    print(
        f"\nLOAD {SUBSCRIBERS * POSTS} alerts, {messages} messages, {batched} batched, {elapsed:.1f} s"
    )
