"""Albums as Telegram delivers them: posts sharing a grouped_id, consecutive ids, one updates batch."""

from __future__ import annotations

import asyncio
import io
from typing import Any

import pytest
from telethon import events
from telethon.tl import functions

from monitor.sandbox.api import Sandbox
from tests.sandbox.images import jpeg
from tests.sandbox.test_bots import _meet


async def test_an_album_arrives_live_in_one_batch_and_downloads(sandbox: Sandbox) -> None:
    news = sandbox.create_channel("news_ru", "Новости")
    client = await sandbox.login(sandbox.create_user("+79990000001"))
    await client(functions.channels.JoinChannelRequest("news_ru"))
    albums: asyncio.Queue[Any] = asyncio.Queue()

    async def on_album(event: Any) -> None:
        albums.put_nowait(event)

    client.add_event_handler(on_album, events.Album)
    batches: list[tuple[int, Any]] = []
    push = sandbox.world.push

    def recording_push(account_id: int, update: Any, skip_key: int | None) -> None:
        batches.append((account_id, update))
        push(account_id, update, skip_key)

    sandbox.world.push = recording_push
    photos = [jpeg(400, 300, seed=i) for i in range(3)]

    ids = sandbox.post_album(news, photos, "**Повестки** у рынка", markdown_text=True)

    assert ids == [ids[0], ids[0] + 1, ids[0] + 2]
    [(_, batch)] = batches  # one push to the one member, all three posts in it
    assert [u.message.id for u in batch] == ids
    album = await asyncio.wait_for(albums.get(), 5)
    assert [m.id for m in album.messages] == ids
    assert len({m.grouped_id for m in album.messages}) == 1
    assert album.text == "**Повестки** у рынка"  # the caption, on the first post
    assert [await client.download_media(m, bytes) for m in album.messages] == photos


async def test_an_album_in_history_and_one_of_documents(sandbox: Sandbox) -> None:
    news = sandbox.create_channel("news_ru", "Новости")
    photo_ids = sandbox.post_album(news, [jpeg(300, 200, seed=1), jpeg(200, 300, seed=2)], "фото")
    docs = [(b"%PDF-1 a", "application/pdf", "a.pdf"), (b"%PDF-1 b", "application/pdf", "b.pdf")]
    doc_ids = sandbox.post_album(news, docs, "приказы")
    client = await sandbox.login(sandbox.create_user("+79990000001"))
    history = list(reversed(await client.get_messages("news_ru", limit=10)))
    assert [m.id for m in history] == [*photo_ids, *doc_ids]
    assert [m.raw_text for m in history] == ["фото", "", "приказы", ""]
    assert history[0].grouped_id == history[1].grouped_id != history[2].grouped_id
    assert [m.file.name for m in history[2:]] == ["a.pdf", "b.pdf"]
    assert await client.download_media(history[3], bytes) == b"%PDF-1 b"


@pytest.mark.parametrize(
    ("items", "problem"),
    [
        ([jpeg(10, 10)], "2 to 10"),
        ([jpeg(10, 10)] * 11, "2 to 10"),
        ([jpeg(10, 10), (b"x", "text/plain", "x.txt")], "not both"),
    ],
)
async def test_an_album_telegram_would_refuse_is_an_error(
    sandbox: Sandbox, items: list[Any], problem: str
) -> None:
    news = sandbox.create_channel("news_ru", "Новости")
    with pytest.raises(ValueError, match=problem):
        sandbox.post_album(news, items)
    assert news.timeline.messages == {}


async def test_a_bot_sends_an_album_to_a_user(sandbox: Sandbox) -> None:
    bot = sandbox.create_bot("draft_alert_bot")
    alice = sandbox.create_user("+79990000001")
    alice_client = await sandbox.login(alice)
    bot_client = await sandbox.login(bot)
    await _meet(sandbox, bot_client, alice, bot)
    photos = [jpeg(300, 200, seed=1), jpeg(200, 300, seed=2)]
    files = []
    for index, photo in enumerate(photos):
        named = io.BytesIO(photo)
        named.name = f"photo{index}.jpg"
        files.append(named)

    sent = await bot_client.send_file(alice.id, files, caption=["повестка", ""])

    assert [m.id for m in sent] == [sent[0].id, sent[0].id + 1]
    assert sandbox.calls("messages.uploadMedia") == 2
    received = list(reversed(await alice_client.get_messages("draft_alert_bot", limit=5)))
    assert [m.raw_text for m in received] == ["/start", "повестка", ""]
    assert received[1].grouped_id == received[2].grouped_id is not None
    assert [await alice_client.download_media(m, bytes) for m in received[1:]] == photos
    assert [m.media for m in sandbox.sent_by(bot, alice)] == ["photo", "photo"]
