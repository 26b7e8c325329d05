"""What Telegram refuses a bot: user-only methods, starting a conversation, writing to another bot."""

from __future__ import annotations

import pytest
from telethon import errors
from telethon.tl import functions, types

from monitor.sandbox.api import Sandbox
from tests.sandbox.test_bots import _meet


async def test_a_bot_cannot_read_channel_history(sandbox: Sandbox) -> None:
    news = sandbox.create_channel("news_ru", "Новости")
    sandbox.post(news, "пост")
    client = await sandbox.login(sandbox.create_bot("draft_alert_bot"))
    with pytest.raises(errors.BotMethodInvalidError):
        await client.get_messages("news_ru", limit=5)


async def test_a_bot_cannot_list_dialogs_or_join_a_channel(sandbox: Sandbox) -> None:
    news = sandbox.create_channel("news_ru", "Новости")
    client = await sandbox.login(sandbox.create_bot("draft_alert_bot"))
    with pytest.raises(errors.BotMethodInvalidError):
        await client.get_dialogs()
    with pytest.raises(errors.BotMethodInvalidError):
        await client(functions.channels.JoinChannelRequest("news_ru"))
    assert sandbox.world.channels[news.id].members == set()


async def test_a_bot_cannot_write_first_to_a_user(sandbox: Sandbox) -> None:
    bot = sandbox.create_bot("draft_alert_bot")
    alice = sandbox.create_user("+79990000001", username="alice")
    client = await sandbox.login(bot)
    peer = types.InputPeerUser(alice.id, alice.access_hash)
    with pytest.raises(errors.PeerIdInvalidError):
        await client.send_message(peer, "алерт")
    assert sandbox.received_by(alice, bot) == []

    await _meet(sandbox, client, alice, bot)
    await client.send_message(peer, "алерт")
    assert [m.text for m in sandbox.received_by(alice, bot)] == ["алерт"]


async def test_a_bot_cannot_write_to_another_bot(sandbox: Sandbox) -> None:
    bot = sandbox.create_bot("draft_alert_bot")
    other = sandbox.create_bot("other_bot")
    client = await sandbox.login(bot)
    with pytest.raises(errors.UserIsBotError):
        await client.send_message(types.InputPeerUser(other.id, other.access_hash), "привет")
    assert sandbox.sent_by(bot) == []


async def test_a_user_may_do_what_a_bot_may_not(sandbox: Sandbox) -> None:
    news = sandbox.create_channel("news_ru", "Новости")
    sandbox.post(news, "пост")
    client = await sandbox.login(sandbox.create_user("+79990000001"))
    assert [m.raw_text for m in await client.get_messages("news_ru", limit=5)] == ["пост"]
    with pytest.raises(errors.UserBotRequiredError):
        await client(functions.bots.SetBotCommandsRequest(types.BotCommandScopeDefault(), "", []))


async def test_join_channel_answers_chat_invite_join_result_ok_as_layer_229_declares(
    sandbox: Sandbox,
) -> None:
    news = sandbox.create_channel("news_ru", "Новости")
    client = await sandbox.login(sandbox.create_user("+79990000001"))
    result = await client(functions.channels.JoinChannelRequest("news_ru"))
    assert isinstance(result, types.messages.ChatInviteJoinResultOk)
    assert [c.id for c in result.updates.chats] == [news.id]
