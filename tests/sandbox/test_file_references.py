"""File references through real clients: they expire, a re-read message carries a fresh one, and
each account may use only its own (a reader, another user, a bot that is a channel member)."""

from __future__ import annotations

import asyncio
import io
from typing import Any

import pytest
from telethon import errors, events

from monitor.sandbox.api import Sandbox
from monitor.sandbox.world import Channel
from tests.sandbox.images import jpeg
from tests.sandbox.test_bots import _meet


class Clock:
    """A monotonic clock the test moves by hand (no sleeping, no timed assertion)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _news(sandbox: Sandbox) -> Channel:
    return sandbox.create_channel("news_ru", "Новости")


async def test_a_reference_expires_after_the_ttl_and_a_reread_message_has_a_fresh_one(
    sandbox: Sandbox,
) -> None:
    clock = Clock()
    sandbox.world.file_refs.clock = clock
    sandbox.set_file_reference_ttl(3600)
    news = _news(sandbox)
    photo = jpeg(640, 480)
    post_id = sandbox.post(news, "повестка на фото", photo=photo)
    client = await sandbox.login(sandbox.create_user("+79990000001"))
    [message] = await client.get_messages("news_ru", ids=[post_id])
    clock.now += 3599
    assert await client.download_media(message, bytes) == photo
    clock.now += 2
    with pytest.raises(errors.FileReferenceExpiredError):
        await client.download_media(message, bytes)
    [again] = await client.get_messages("news_ru", ids=[post_id])  # channels.getMessages
    assert again.media.photo.file_reference != message.media.photo.file_reference
    assert await client.download_media(again, bytes) == photo
    [from_history] = await client.get_messages("news_ru", limit=1)  # messages.getHistory
    assert await client.download_media(from_history, bytes) == photo


async def test_expire_now_fails_photos_and_telethon_refetches_documents_itself(
    sandbox: Sandbox,
) -> None:
    news = _news(sandbox)
    photo_id = sandbox.post(news, "фото", photo=jpeg(320, 200))
    doc_id = sandbox.post(news, "приказ", document=(b"%PDF-1.4 order", "application/pdf", "o.pdf"))
    client = await sandbox.login(sandbox.create_user("+79990000001"))
    photo_msg, doc_msg = await client.get_messages("news_ru", ids=[photo_id, doc_id])
    sandbox.expire_file_references()
    with pytest.raises(errors.FileReferenceExpiredError):
        await client.download_media(photo_msg, bytes)
    reads = sandbox.calls("channels.getMessages")
    # Telethon re-reads the message of a document on FILE_REFERENCE_EXPIRED (downloads.py)
    assert await client.download_media(doc_msg, bytes) == b"%PDF-1.4 order"
    assert sandbox.calls("channels.getMessages") == reads + 1


async def test_a_reference_given_to_another_account_is_invalid(sandbox: Sandbox) -> None:
    news = _news(sandbox)
    post_id = sandbox.post(news, "фото", photo=jpeg(320, 200))
    alice = await sandbox.login(sandbox.create_user("+79990000001"))
    bob = await sandbox.login(sandbox.create_user("+79990000002"))
    [alices] = await alice.get_messages("news_ru", ids=[post_id])
    [bobs] = await bob.get_messages("news_ru", ids=[post_id])
    assert alices.media.photo.file_reference != bobs.media.photo.file_reference
    with pytest.raises(errors.FileReferenceInvalidError):
        await bob.download_media(alices.media, bytes)
    assert await bob.download_media(bobs, bytes) == await alice.download_media(alices, bytes)


async def _bot_in(sandbox: Sandbox, news: Channel) -> tuple[Any, asyncio.Queue[Any]]:
    """A bot that is a member of `news` (an admin, as bots are in channels) and its new posts."""
    bot = sandbox.create_bot("draft_alert_bot")
    sandbox.join(bot, news)
    client = await sandbox.login(bot)
    seen: asyncio.Queue[Any] = asyncio.Queue()

    async def handler(event: Any) -> None:
        seen.put_nowait(event.message)

    client.add_event_handler(handler, events.NewMessage)
    return client, seen


async def test_a_bot_downloads_what_its_channel_pushes_but_not_with_the_readers_reference(
    sandbox: Sandbox,
) -> None:
    news = _news(sandbox)
    bot, seen = await _bot_in(sandbox, news)
    reader = await sandbox.login(sandbox.create_user("+79990000001"))  # not a member: public
    photo = jpeg(500, 400)
    post_id = sandbox.post(news, "повестка", photo=photo)
    pushed = await asyncio.wait_for(seen.get(), 5)
    assert pushed.id == post_id
    assert await bot.download_media(pushed, bytes) == photo
    [read] = await reader.get_messages("news_ru", ids=[post_id])
    assert await reader.download_media(read, bytes) == photo
    with pytest.raises(errors.FileReferenceInvalidError):
        await bot.download_media(read.media, bytes)
    with pytest.raises(errors.BotMethodInvalidError):  # a bot cannot read history to refresh
        await bot.get_messages(news.id, limit=1)


async def test_a_user_downloads_the_photo_a_bot_sent_and_an_expired_photo_is_not_resent(
    sandbox: Sandbox,
) -> None:
    bot = sandbox.create_bot("draft_alert_bot")
    alice = sandbox.create_user("+79990000001")
    alice_client = await sandbox.login(alice)
    bot_client = await sandbox.login(bot)
    await _meet(sandbox, bot_client, alice, bot)
    photo = jpeg(600, 400)
    sent = await bot_client.send_file(alice.id, _named(photo))
    [received] = await alice_client.get_messages("draft_alert_bot", limit=1)
    assert received.media.photo.id == sent.media.photo.id
    assert received.media.photo.file_reference != sent.media.photo.file_reference
    assert await alice_client.download_media(received, bytes) == photo
    sandbox.expire_file_references()
    with pytest.raises(errors.FileReferenceExpiredError):
        await bot_client.send_file(alice.id, sent.media.photo)  # reuse with the old reference
    [again] = await bot_client.get_messages(alice.id, ids=[sent.id])  # messages.getMessages
    resent = await bot_client.send_file(alice.id, again.media.photo)
    assert resent.media.photo.id == sent.media.photo.id


def _named(data: bytes) -> io.BytesIO:
    named = io.BytesIO(data)
    named.name = "notice.jpg"
    return named
