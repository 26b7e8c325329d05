"""The remaining RPCs through a real TelegramClient: config, users, channels by id, dialogs, media posts."""

from __future__ import annotations

from telethon import types
from telethon.tl import functions

from monitor.sandbox.api import Sandbox
from tests.sandbox.test_bots import tiny_png


async def test_config_points_every_dc_at_the_sandbox(sandbox: Sandbox) -> None:
    client = await sandbox.login(sandbox.create_user("+79990000001"))
    config = await client(functions.help.GetConfigRequest())
    assert {(o.ip_address, o.port) for o in config.dc_options} == {sandbox.address}
    nearest = await client(functions.help.GetNearestDcRequest())
    assert nearest.this_dc == sandbox.dc_id


async def test_users_and_full_users(sandbox: Sandbox) -> None:
    bot = sandbox.create_bot("draft_alert_bot")
    bot.bot_commands = [types.BotCommand("search", "Поиск")]
    alice = sandbox.create_user("+79990000001", first_name="Alice", username="alice")
    client = await sandbox.login(alice)
    entity = await client.get_entity("draft_alert_bot")
    full = await client(functions.users.GetFullUserRequest(entity))
    assert [c.command for c in full.full_user.bot_info.commands] == ["search"]
    [me] = await client(functions.users.GetUsersRequest([types.InputUserSelf()]))
    assert (me.id, me.is_self, me.username) == (alice.id, True, "alice")


async def test_channels_by_id_dialogs_and_logout(sandbox: Sandbox) -> None:
    news = sandbox.create_channel("news_ru", "Новости")
    sandbox.post(news, "пост")
    alice = sandbox.create_user("+79990000001")
    client = await sandbox.login(alice)
    entity = await client.get_input_entity("news_ru")
    chats = await client(functions.channels.GetChannelsRequest([entity]))
    assert [c.title for c in chats.chats] == ["Новости"]
    await client(functions.channels.JoinChannelRequest(entity))
    dialogs = await client.get_dialogs()
    assert [d.name for d in dialogs] == ["Новости"]
    await client.log_out()
    assert alice.id not in sandbox.world.authorizations.values()


async def test_posts_with_album_forward_photo_and_download(sandbox: Sandbox) -> None:
    news = sandbox.create_channel("news_ru", "Новости")
    source = sandbox.create_channel("source_ru", "Источник")
    original = sandbox.post(source, "оригинал")
    forwarded = sandbox.post(
        news, "оригинал", forwarded_from=source, forwarded_post_id=original, views=5, forwards=1
    )
    album = sandbox.post_album(news, [tiny_png(4, 4), tiny_png(5, 5)], caption="альбом")
    document = sandbox.post(news, "файл", document=(b"%PDF-1.4", "application/pdf", "order.pdf"))
    client = await sandbox.login(sandbox.create_user("+79990000001"))

    fwd, first, second, doc = await client.get_messages(
        "news_ru", ids=[forwarded, *album, document]
    )
    assert (fwd.fwd_from.from_id.channel_id, fwd.fwd_from.channel_post) == (source.id, original)
    assert first.grouped_id == second.grouped_id is not None
    assert (first.raw_text, second.raw_text) == ("альбом", "")
    assert isinstance(first.media, types.MessageMediaPhoto)
    assert await client.download_media(second, bytes) == tiny_png(5, 5)
    assert doc.file.name == "order.pdf"
    assert await client.download_media(doc, bytes) == b"%PDF-1.4"


async def test_private_messages_by_id_and_history(sandbox: Sandbox) -> None:
    bot = sandbox.create_bot("draft_alert_bot")
    alice = sandbox.create_user("+79990000001")
    for i in range(3):
        sandbox.send_private(bot, alice, f"сообщение {i}")
    client = await sandbox.login(alice)
    history = await client.get_messages("draft_alert_bot", limit=10)
    assert [m.raw_text for m in history] == ["сообщение 2", "сообщение 1", "сообщение 0"]
    [by_id] = await client.get_messages("draft_alert_bot", ids=[history[-1].id])
    assert by_id.raw_text == "сообщение 0"
