"""Delivery through the sandbox: blocked users, flood waits, one story in two channels, edits."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from monitor.domain import AlertStatus, SubscriberStatus
from monitor.matching import Matcher
from monitor.sandbox.api import Sandbox
from monitor.store.engine import Database
from monitor.store.subscribers import SubscriberRepo
from tests.e2e.bot_stack import BotStack, eventually, start_stack

SUMMONS = "В Мелитополе мужчинам вручают повестки прямо на улице у центрального рынка"
WEATHER = "Погода в Херсоне: завтра солнечно, без осадков, ветер северо-восточный"

StackFactory = Callable[..., Awaitable[BotStack]]


@pytest.fixture
async def make_stack(
    sandbox: Sandbox, database: Database, matcher: Matcher, tmp_path: Path
) -> AsyncIterator[StackFactory]:
    stacks: list[BotStack] = []

    async def make(**options: object) -> BotStack:
        stack = await start_stack(sandbox, database, matcher, tmp_path, **options)  # type: ignore[arg-type]
        stacks.append(stack)
        return stack

    yield make
    for stack in stacks:
        await stack.stop()


def alerts_in(texts: list[str]) -> list[str]:
    return [t for t in texts if t.startswith(("🔔", "✏️", "📦"))]


async def test_a_user_who_blocked_the_bot_is_deactivated_and_back_on_start(
    sandbox: Sandbox, database: Database, make_stack: StackFactory
) -> None:
    stack = await make_stack()
    blocker, other = await stack.analysts(2, "summons")
    channel = await stack.watch("melitopol_now", "Мелитополь сейчас")
    sandbox.block(blocker.account, stack.bot_account)
    await stack.read(channel, sandbox.post(channel, SUMMONS))
    await eventually(lambda: bool(alerts_in(other.texts())), what="the other's alert")
    repo = SubscriberRepo(database)
    for _ in range(100):
        if (await repo.get_subscriber(blocker.account.id)).status is SubscriberStatus.INACTIVE:
            break
        await asyncio.sleep(0.05)
    assert (await repo.get_subscriber(blocker.account.id)).status is SubscriberStatus.INACTIVE
    statuses = sorted(a.status for a in await stack.deliveries.list_alerts())
    assert statuses == [AlertStatus.DROPPED, AlertStatus.SENT]
    blocker.account.blocked.clear()  # unblocks, and says /start again
    welcomed = sum("Welcome" in t for t in blocker.texts())
    await blocker.say("/start")
    await eventually(
        lambda: sum("Welcome" in t for t in blocker.texts()) > welcomed, what="welcome back"
    )
    assert (await repo.get_subscriber(blocker.account.id)).status is SubscriberStatus.APPROVED


async def test_flood_waits_are_honoured_and_a_long_one_is_told_to_the_admin(
    sandbox: Sandbox, make_stack: StackFactory
) -> None:
    stack = await make_stack(flood_wait_alert_s=0)  # every wait counts as long here
    analysts = await stack.analysts(8, "summons")
    admin = stack.admin
    sandbox.send_private(admin, stack.bot_account, "/start")
    channel = await stack.watch("melitopol_now", "Мелитополь сейчас")
    sandbox.set_rate("messages.sendMessage", 3, 2.0, bots_only=True)  # far tighter than Telegram
    await stack.read(channel, sandbox.post(channel, SUMMONS))
    for analyst in analysts:
        await eventually(lambda a=analyst: bool(alerts_in(a.texts())), within=40, what="alert")  # type: ignore[misc]
    await asyncio.sleep(0.5)
    assert all(len(alerts_in(a.texts())) == 1 for a in analysts)
    assert sandbox.flood_waits("messages.sendMessage") >= 1
    await eventually(
        lambda: any("asked draftwatch to wait" in m.text for m in sandbox.received_by(admin, stack.bot_account)),
        within=20, what="the admin's flood notice",
    )  # fmt: skip


async def test_one_story_in_two_channels_is_one_alert_that_says_also_in(
    sandbox: Sandbox, make_stack: StackFactory
) -> None:
    stack = await make_stack()
    [analyst] = await stack.analysts(1, "summons")
    first = await stack.watch("melitopol_now", "Мелитополь сейчас")
    second = await stack.watch("zaporizhzhia_info", "Запорожье инфо")
    await stack.read(first, sandbox.post(first, SUMMONS))
    await eventually(lambda: bool(alerts_in(analyst.texts())), what="the alert")
    copy_id = sandbox.post(second, "⚡️ " + SUMMONS + "\n\nПодписаться: @zaporizhzhia_info")
    await stack.read(second, copy_id)

    def shown() -> list[str]:
        return [m.text for m in sandbox.received_by(analyst.account, stack.bot_account)]

    await eventually(lambda: any("Also in 1 channel" in t for t in shown()), what="the edit")
    assert len(alerts_in(shown())) == 1
    [message] = [
        m for m in sandbox.received_by(analyst.account, stack.bot_account) if "Also in" in m.text
    ]
    urls = {getattr(e, "url", None) for e in message.entities}
    assert f"https://t.me/zaporizhzhia_info/{copy_id}" in urls


async def test_an_edit_that_adds_a_match_alerts_once_marked_edited(
    sandbox: Sandbox, make_stack: StackFactory
) -> None:
    stack = await make_stack()
    [analyst] = await stack.analysts(1, "summons")
    channel = await stack.watch("kherson_online", "Херсон онлайн")
    post_id = sandbox.post(channel, WEATHER)
    await stack.read(channel, post_id)
    sandbox.edit_post(channel, post_id, WEATHER + ". UPD: у школы раздают повестки")
    await stack.collector.recheck()
    await eventually(lambda: bool(alerts_in(analyst.texts())), what="the edited alert")
    sandbox.edit_post(channel, post_id, WEATHER + ". UPD: у школы раздают повестки!!")
    await stack.collector.recheck()
    await asyncio.sleep(1.0)
    [alert] = alerts_in(analyst.texts())
    assert alert.startswith("✏️ Edited post now matches")


async def test_dropped_connections_and_telegram_errors_lose_nothing_and_double_nothing(
    sandbox: Sandbox, make_stack: StackFactory
) -> None:
    stack = await make_stack()
    analysts = await stack.analysts(4, "summons")
    channel = await stack.watch("melitopol_now", "Мелитополь сейчас")
    sandbox.drop("messages.sendMessage", times=2)
    sandbox.fail("messages.sendMessage", "INTERNAL", code=500, times=2)
    await stack.read(channel, sandbox.post(channel, SUMMONS))
    for analyst in analysts:
        await eventually(lambda a=analyst: bool(alerts_in(a.texts())), within=30, what="alert")  # type: ignore[misc]
    await asyncio.sleep(1.0)
    assert [len(alerts_in(a.texts())) for a in analysts] == [1, 1, 1, 1]
    assert {a.status for a in await stack.deliveries.list_alerts()} == {AlertStatus.SENT}
