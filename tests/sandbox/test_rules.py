"""Limits and faults: FLOOD_WAIT as FloodWaitError, named errors, crashes, delays, dropped connections."""

from __future__ import annotations

import asyncio
import logging

import pytest
from telethon import errors
from telethon.tl import functions

from monitor.sandbox.api import Sandbox
from tests.sandbox.test_bots import _meet


async def test_resolve_beyond_the_limit_raises_flood_wait(sandbox: Sandbox) -> None:
    sandbox.create_channel("news_ru", "Новости")
    sandbox.set_rate("contacts.resolveUsername", 2, 60.0)
    client = await sandbox.login(sandbox.create_user("+79990000001"))
    await client(functions.contacts.ResolveUsernameRequest("news_ru"))
    await client(functions.contacts.ResolveUsernameRequest("news_ru"))
    with pytest.raises(errors.FloodWaitError) as caught:
        await client(functions.contacts.ResolveUsernameRequest("news_ru"))
    assert 55 <= caught.value.seconds <= 60
    assert sandbox.flood_waits("contacts.resolveUsername") == 1
    assert sandbox.calls("contacts.resolveUsername") == 3


async def test_bot_sending_too_fast_into_one_chat_is_flood_waited(sandbox: Sandbox) -> None:
    bot = sandbox.create_bot("draft_alert_bot")
    alice = sandbox.create_user("+79990000001")
    sandbox.set_rate("messages.sendMessage", 1, 30.0, "chat", bots_only=True)
    client = await sandbox.login(bot)
    await _meet(sandbox, client, alice, bot)
    await client.send_message(alice.id, "первое")
    with pytest.raises(errors.FloodWaitError) as caught:
        await client.send_message(alice.id, "второе")
    assert 25 <= caught.value.seconds <= 30
    assert [m.text for m in sandbox.sent_by(bot, alice)] == ["первое"]
    assert sandbox.flood_waits() == 1


@pytest.mark.parametrize(
    ("message", "error"),
    [
        ("CHANNEL_PRIVATE", errors.ChannelPrivateError),
        ("AUTH_KEY_UNREGISTERED", errors.AuthKeyUnregisteredError),
        ("USER_IS_BLOCKED", errors.UserIsBlockedError),
    ],
)
async def test_named_errors_for_one_channel_once(
    sandbox: Sandbox, message: str, error: type[Exception]
) -> None:
    news = sandbox.create_channel("news_ru", "Новости")
    other = sandbox.create_channel("other_ru", "Другой")
    sandbox.post(news, "пост")
    sandbox.post(other, "пост")
    client = await sandbox.login(sandbox.create_user("+79990000001"))
    sandbox.fail(
        "messages.getHistory", message, code=401 if "AUTH" in message else 400, channel="news_ru"
    )
    assert len(await client.get_messages("other_ru", limit=5)) == 1
    with pytest.raises(error):
        await client.get_messages("news_ru", limit=5)
    assert len(await client.get_messages("news_ru", limit=5)) == 1


async def test_a_crash_inside_a_handler_is_an_internal_error_and_the_connection_survives(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    sandbox.create_channel("news_ru", "Новости")
    client = await sandbox.login(sandbox.create_user("+79990000001"), request_retries=0)
    connections_before = set(sandbox.server.connections)
    get_me_before = sandbox.calls("users.getUsers")
    sandbox.crash("contacts.resolveUsername", times=None)
    with (
        caplog.at_level(logging.ERROR, "monitor.sandbox.dispatcher"),
        pytest.raises(ValueError, match="unsuccessful"),
    ):
        await client(functions.contacts.ResolveUsernameRequest("news_ru"))
    assert "sandbox handler crashed method=contacts.resolveUsername" in caplog.text
    sandbox.rules.faults.clear()
    resolved = await client(functions.contacts.ResolveUsernameRequest("news_ru"))
    assert resolved.chats[0].username == "news_ru"
    assert (
        set(sandbox.server.connections) == connections_before
    )  # same TCP connection, no reconnect
    assert sandbox.calls("users.getUsers") == get_me_before  # no reconnect-and-get_me loop


async def test_delay_and_dropped_connection_recover(sandbox: Sandbox) -> None:
    news = sandbox.create_channel("news_ru", "Новости")
    sandbox.post(news, "пост")
    client = await sandbox.login(sandbox.create_user("+79990000001"))
    sandbox.delay("messages.getHistory", 0.3)
    started = asyncio.get_running_loop().time()
    assert len(await client.get_messages("news_ru", limit=5)) == 1
    assert asyncio.get_running_loop().time() - started >= 0.3

    sandbox.drop("messages.getHistory")
    assert [m.raw_text for m in await client.get_messages("news_ru", limit=5)] == ["пост"]
    assert sandbox.calls("messages.getHistory") >= 3


async def test_blocked_bot_and_per_user_faults(sandbox: Sandbox) -> None:
    bot = sandbox.create_bot("draft_alert_bot")
    alice = sandbox.create_user("+79990000001")
    bob = sandbox.create_user("+79990000002")
    client = await sandbox.login(bot)
    await _meet(sandbox, client, alice, bot)
    await _meet(sandbox, client, bob, bot)
    sandbox.block(alice, bot)
    with pytest.raises(errors.UserIsBlockedError):
        await client.send_message(alice.id, "алерт")
    sandbox.fail("messages.sendMessage", "PEER_ID_INVALID", peer=bob)
    with pytest.raises(errors.PeerIdInvalidError):
        await client.send_message(bob.id, "алерт")
    await client.send_message(bob.id, "алерт")
    assert [m.text for m in sandbox.received_by(bob, bot)] == ["алерт"]
    assert sandbox.received_by(alice, bot) == []
