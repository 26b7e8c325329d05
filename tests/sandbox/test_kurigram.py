"""kurigram, an independent MTProto client, against the sandbox: login as user and bot, history,
live updates, an inline button, and the bot refused where Telegram refuses it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pyrogram import Client, errors, filters
from pyrogram.handlers import CallbackQueryHandler, MessageHandler
from pyrogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from monitor.sandbox.api import Sandbox
from tests.sandbox.kurigram_client import kurigram_login


@pytest.fixture
async def started() -> AsyncIterator[list[Client]]:
    clients: list[Client] = []
    yield clients
    for client in clients:
        if client.is_connected:
            await client.stop()


async def _login(sandbox: Sandbox, account: Any, started: list[Client]) -> Client:
    client = await kurigram_login(sandbox, account)
    started.append(client)
    return client


async def test_a_kurigram_user_logs_in_and_reads_history(
    sandbox: Sandbox, started: list[Client]
) -> None:
    news = sandbox.create_channel("news_ru", "Новости")
    for text in ("первый", "второй", "третий"):
        sandbox.post(news, text)
    alice = sandbox.create_user("+79990000001", first_name="Alice")
    client = await _login(sandbox, alice, started)
    me = await client.get_me()
    assert (me.id, me.first_name, me.is_bot) == (alice.id, "Alice", False)
    texts = [m.text async for m in client.get_chat_history("news_ru", limit=10)]
    assert texts == ["третий", "второй", "первый"]


async def test_a_kurigram_user_with_2fa_logs_in(sandbox: Sandbox, started: list[Client]) -> None:
    alice = sandbox.create_user("+79990000001", password="correct horse")
    client = await _login(sandbox, alice, started)
    assert (await client.get_me()).id == alice.id


async def test_a_kurigram_user_receives_live_posts_and_private_messages(
    sandbox: Sandbox, started: list[Client]
) -> None:
    news = sandbox.create_channel("news_ru", "Новости")
    alice = sandbox.create_user("+79990000001")
    bob = sandbox.create_user("+79990000002", first_name="Bob")
    client = await _login(sandbox, alice, started)
    joined = await client.join_chat("news_ru")  # layer 229: chatInviteJoinResultOk
    assert joined.chat.username == "news_ru"
    seen: asyncio.Queue[str] = asyncio.Queue()

    async def on_message(_: Client, message: Any) -> None:
        seen.put_nowait(message.text)

    client.add_handler(MessageHandler(on_message))
    sandbox.post(news, "Повестки у метро")
    assert await asyncio.wait_for(seen.get(), 10) == "Повестки у метро"
    sandbox.send_private(bob, alice, "привет")
    assert await asyncio.wait_for(seen.get(), 10) == "привет"
    sandbox.send_private(bob, alice, "ещё раз")  # updateShortMessage now: she knows Bob
    assert await asyncio.wait_for(seen.get(), 10) == "ещё раз"


async def test_a_kurigram_bot_answers_a_button_pressed_by_a_kurigram_user(
    sandbox: Sandbox, started: list[Client]
) -> None:
    bot = sandbox.create_bot("draft_alert_bot")
    alice = sandbox.create_user("+79990000001")
    bot_client = await _login(sandbox, bot, started)
    user_client = await _login(sandbox, alice, started)

    async def on_start(client: Client, message: Any) -> None:
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Да", callback_data="yes")]])
        await message.reply_text("Подписаться?", reply_markup=keyboard)

    async def on_press(_: Client, query: Any) -> None:
        await query.message.edit_text("Готово")  # before the answer: done when click() returns
        await query.answer(f"нажато {query.data}")

    bot_client.add_handler(MessageHandler(on_start, filters.command("start")))
    bot_client.add_handler(CallbackQueryHandler(on_press))
    replies: asyncio.Queue[Any] = asyncio.Queue()

    async def on_reply(_: Client, message: Any) -> None:
        replies.put_nowait(message)

    user_client.add_handler(MessageHandler(on_reply, filters.user(bot.id)))
    await user_client.send_message("draft_alert_bot", "/start")
    question = await asyncio.wait_for(replies.get(), 10)
    assert question.text == "Подписаться?"
    answer = await question.click(0)
    assert answer.message == "нажато yes"
    assert [m.text for m in sandbox.sent_by(bot, alice)] == ["Готово"]


async def test_a_kurigram_bot_is_refused_where_telegram_refuses_it(
    sandbox: Sandbox, started: list[Client]
) -> None:
    news = sandbox.create_channel("news_ru", "Новости")
    sandbox.post(news, "пост")
    bot = sandbox.create_bot("draft_alert_bot")
    other_bot = sandbox.create_bot("other_bot")
    alice = sandbox.create_user("+79990000001", username="alice")
    client = await _login(sandbox, bot, started)
    with pytest.raises(errors.BotMethodInvalid):
        _ = [m async for m in client.get_chat_history("news_ru", limit=5)]
    with pytest.raises(errors.BotMethodInvalid):
        _ = [d async for d in client.get_dialogs()]
    with pytest.raises(errors.PeerIdInvalid):
        await client.send_message("alice", "алерт")  # she never wrote to the bot
    with pytest.raises(errors.UserIsBot):
        await client.send_message("other_bot", "привет")
    assert sandbox.sent_by(bot) == []
    assert other_bot.id != alice.id


async def test_a_kurigram_user_under_update_pressure_gets_updates_too_long_and_reads_history(
    sandbox: Sandbox, started: list[Client]
) -> None:
    """A burst becomes updatesTooLong for any client, not only Telethon. kurigram (Pyrogram)
    drops updatesTooLong without asking for the difference, as it does on Telegram: the burst
    never arrives as updates, and a history read still has every post (why the reader polls)."""
    news = sandbox.create_channel("news_ru", "Новости")
    alice = sandbox.create_user("+79990000001")
    client = await _login(sandbox, alice, started)
    await client.join_chat("news_ru")
    seen: asyncio.Queue[str] = asyncio.Queue()

    async def on_message(_: Client, message: Any) -> None:
        seen.put_nowait(message.text)

    client.add_handler(MessageHandler(on_message))
    sandbox.post(news, "первый")
    assert await asyncio.wait_for(seen.get(), 10) == "первый"
    sandbox.set_pressure(updates_too_long_after=3)
    differences = sandbox.calls("updates.getDifference")
    for i in range(10):
        sandbox.post(news, f"пост {i}")
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(seen.get(), 3)
    assert sandbox.calls("updates.getDifference") == differences
    texts = [m.text async for m in client.get_chat_history("news_ru", limit=20)]
    assert texts == [f"пост {i}" for i in reversed(range(10))] + ["первый"]
