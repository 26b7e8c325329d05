"""Bots through real TelegramClients: token login, replies with buttons, callbacks, uploads, commands."""

from __future__ import annotations

import asyncio
import io
import struct
import zlib
from typing import Any

import pytest
from telethon import Button, errors, events, functions, types

from monitor.sandbox.api import Sandbox
from tests.sandbox.test_updates import collect


def tiny_png(width: int = 3, height: int = 2) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


async def _meet(sandbox: Sandbox, bot_client: Any, user: Any, bot: Any) -> None:
    """`user` writes to the bot first, so that the bot's client learns the user's access hash."""
    starts = collect(bot_client, events.NewMessage(pattern="/start"), lambda e: e.sender_id)
    sandbox.send_private(user, bot, "/start")
    assert await asyncio.wait_for(starts.get(), 5) == user.id


async def test_bot_logs_in_with_its_token(sandbox: Sandbox) -> None:
    bot = sandbox.create_bot("draft_alert_bot", token="123456:AAFakeTokenForTheSandbox_000")
    client = await sandbox.login(bot)
    me = await client.get_me()
    assert (me.id, me.bot, me.username) == (123456, True, "draft_alert_bot")


async def test_bot_answers_start_with_buttons_and_handles_a_press(sandbox: Sandbox) -> None:
    bot = sandbox.create_bot("draft_alert_bot")
    alice = sandbox.create_user("+79990000001", first_name="Alice")
    bot_client = await sandbox.login(bot)

    async def on_start(event: Any) -> None:
        await event.reply(
            "Выберите:", buttons=[[Button.inline("Да", b"yes"), Button.inline("Нет", b"no")]]
        )

    async def on_press(event: Any) -> None:
        await event.answer(f"нажато {event.data.decode()}")
        await event.edit("Спасибо")

    bot_client.add_event_handler(on_start, events.NewMessage(pattern="/start"))
    bot_client.add_event_handler(on_press, events.CallbackQuery)

    user_client = await sandbox.login(alice)
    replies = collect(user_client, events.NewMessage(incoming=True), lambda e: e.message)
    edits = collect(user_client, events.MessageEdited, lambda e: e.raw_text)
    start = await user_client.send_message("draft_alert_bot", "/start")
    reply = await asyncio.wait_for(replies.get(), 5)
    assert reply.raw_text == "Выберите:"
    assert reply.reply_to_msg_id == start.id
    answer = await reply.click(text="Да")
    assert answer.message == "нажато yes"
    assert await asyncio.wait_for(edits.get(), 5) == "Спасибо"

    sent = sandbox.sent_by(bot, alice)
    assert [(m.text, m.button_texts, m.edited) for m in sent] == [("Спасибо", [], True)]
    [seen_by_alice] = sandbox.received_by(alice, bot)
    assert (seen_by_alice.text, seen_by_alice.button_texts) == ("Спасибо", [])


async def test_test_api_presses_a_button_as_a_user(sandbox: Sandbox) -> None:
    bot = sandbox.create_bot("draft_alert_bot")
    alice = sandbox.create_user("+79990000001")
    bot_client = await sandbox.login(bot)

    async def on_press(event: Any) -> None:
        await event.answer("одобрено", alert=True)

    bot_client.add_event_handler(on_press, events.CallbackQuery(data=b"approve:7"))
    starts = collect(bot_client, events.NewMessage(pattern="/start"), lambda e: e)
    sandbox.send_private(alice, bot, "/start")
    start = await asyncio.wait_for(starts.get(), 5)
    await start.respond("Заявка #7", buttons=[Button.inline("Одобрить", b"approve:7")])
    [received] = sandbox.received_by(alice, bot)
    answer = await sandbox.press_button(alice, received, "Одобрить")
    assert (answer.message, answer.alert) == ("одобрено", True)


async def test_bot_sends_a_png_photo_and_a_document(sandbox: Sandbox) -> None:
    bot = sandbox.create_bot("draft_alert_bot")
    alice = sandbox.create_user("+79990000001")
    client = await sandbox.login(bot)
    await _meet(sandbox, client, alice, bot)
    png = tiny_png()
    chart = io.BytesIO(png)
    chart.name = "chart.png"
    photo_msg = await client.send_file(alice.id, chart, caption="График за неделю")
    await client.send_file(
        alice.id,
        b"id,text\n1,x\n",
        caption="csv",
        force_document=True,
        attributes=[types.DocumentAttributeFilename("hits.csv")],
    )
    assert isinstance(photo_msg.media, types.MessageMediaPhoto)
    largest = photo_msg.media.photo.sizes[-1]  # Telegram lists sizes smallest first
    assert (largest.type, largest.w, largest.h) == ("s", 3, 2)
    again = await client.send_file(alice.id, photo_msg.media.photo)  # reuse, no new upload
    assert again.media.photo.id == photo_msg.media.photo.id
    photo, document, reused = sandbox.sent_by(bot, alice)
    assert reused.media_bytes == png
    assert (photo.media, photo.media_bytes, photo.text) == ("photo", png, "График за неделю")
    assert (document.media, document.media_bytes) == ("document", b"id,text\n1,x\n")


async def test_bot_edits_deletes_and_sets_commands(sandbox: Sandbox) -> None:
    bot = sandbox.create_bot("draft_alert_bot")
    alice = sandbox.create_user("+79990000001")
    client = await sandbox.login(bot)
    await _meet(sandbox, client, alice, bot)
    first = await client.send_message(alice.id, "**Важно**: повестки", parse_mode="md")
    await client.edit_message(alice.id, first.id, "Отменено")
    second = await client.send_message(alice.id, "удалить")
    await client.delete_messages(alice.id, [second.id])
    commands = [types.BotCommand("search", "Поиск"), types.BotCommand("help", "Помощь")]
    await client(
        functions.bots.SetBotCommandsRequest(types.BotCommandScopeDefault(), "ru", commands)
    )

    sent = sandbox.sent_by(bot, alice)
    assert [(m.text, m.edited, m.deleted) for m in sent] == [
        ("Отменено", True, False),
        ("удалить", False, True),
    ]
    assert [m.text for m in sandbox.received_by(alice, bot)] == ["Отменено"]
    assert [c.command for c in bot.bot_commands] == ["search", "help"]


async def test_user_cannot_set_callback_answers(sandbox: Sandbox) -> None:
    client = await sandbox.login(sandbox.create_user("+79990000001"))
    with pytest.raises(errors.UserBotRequiredError):
        await client(functions.messages.SetBotCallbackAnswerRequest(query_id=1, cache_time=0))
