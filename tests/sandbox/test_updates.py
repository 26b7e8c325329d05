"""Live updates as Telethon events (new, edited, deleted posts) and recovery of a pts gap."""

from __future__ import annotations

import asyncio
from typing import Any

from telethon import TelegramClient, events
from telethon.tl import functions

from monitor.sandbox.api import Sandbox
from monitor.sandbox.world import Channel


def collect(client: TelegramClient, event: Any, what: Any) -> asyncio.Queue[Any]:
    """A queue filled with `what(event)` for every event of that kind."""
    seen: asyncio.Queue[Any] = asyncio.Queue()

    async def handler(e: Any) -> None:
        seen.put_nowait(what(e))

    client.add_event_handler(handler, event)
    return seen


async def _next(queue: asyncio.Queue[Any]) -> Any:
    return await asyncio.wait_for(queue.get(), 5)


async def _joined_reader(sandbox: Sandbox) -> tuple[Channel, TelegramClient]:
    news = sandbox.create_channel("news_ru", "Новости")
    client = await sandbox.login(sandbox.create_user("+79990000001"))
    await client(functions.channels.JoinChannelRequest("news_ru"))
    return news, client


async def test_new_edited_and_deleted_posts_arrive_as_events(sandbox: Sandbox) -> None:
    news, client = await _joined_reader(sandbox)
    new = collect(client, events.NewMessage, lambda e: (e.message.id, e.raw_text))
    edited = collect(client, events.MessageEdited, lambda e: (e.message.id, e.raw_text))
    deleted = collect(client, events.MessageDeleted, lambda e: (e.chat_id, tuple(e.deleted_ids)))

    post = sandbox.post(news, "Мобилизация: новые повестки")
    assert await _next(new) == (post, "Мобилизация: новые повестки")
    sandbox.edit_post(news, post, "Мобилизация: повестки (обновлено)")
    assert await _next(edited) == (post, "Мобилизация: повестки (обновлено)")
    sandbox.delete_posts(news, [post])
    assert await _next(deleted) == (int(f"-100{news.id}"), (post,))


async def test_a_pts_gap_is_filled_from_get_channel_difference(sandbox: Sandbox) -> None:
    news, client = await _joined_reader(sandbox)
    new = collect(client, events.NewMessage, lambda e: e.raw_text)
    sandbox.post(news, "первый")
    assert await _next(new) == "первый"
    with sandbox.lost_updates():
        sandbox.post(news, "пропущен 1")
        sandbox.post(news, "пропущен 2")
    sandbox.post(news, "после пропуска")

    got = [await _next(new) for _ in range(3)]
    assert sorted(got) == sorted(["пропущен 1", "пропущен 2", "после пропуска"])
    assert sandbox.calls("updates.getChannelDifference") >= 1


async def test_private_messages_arrive_and_gaps_use_get_difference(sandbox: Sandbox) -> None:
    bot = sandbox.create_bot("draft_alert_bot")
    alice = sandbox.create_user("+79990000001")
    client = await sandbox.login(alice)
    new = collect(client, events.NewMessage(incoming=True), lambda e: (e.sender_id, e.raw_text))
    sandbox.send_private(bot, alice, "привет")
    assert await _next(new) == (bot.id, "привет")
    with sandbox.lost_updates():
        sandbox.send_private(bot, alice, "пропущено")
    sandbox.send_private(bot, alice, "после")

    got = [await _next(new), await _next(new)]
    assert sorted(got) == sorted([(bot.id, "пропущено"), (bot.id, "после")])
    assert sandbox.calls("updates.getDifference") >= 1
