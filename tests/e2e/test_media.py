"""Media end to end through the sandbox with the real Telethon clients: a draft notice only in
a photo raises one alert that carries the photo, after OCR; albums are stored whole; a restart
mid-download loses nothing and stores nothing twice."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.clock import SystemClock
from monitor.domain import AlertStatus, MediaState, OcrState, StoredMedia, SubscriptionKind
from monitor.matching import Matcher
from monitor.media.setup import media_worker
from monitor.sandbox.api import Sandbox
from monitor.search.query import default_lemmatizer, parse_query
from monitor.store.engine import Database
from monitor.store.media import MediaRepo
from monitor.store.posts import PostRepo
from monitor.store.search import SearchRepo
from monitor.store.subscribers import SubscriberRepo
from monitor.telegram.media import TelethonMedia
from tests.e2e.bot_stack import Analyst, BotStack, eventually, start_stack
from tests.media.images import plain_photo, summons_photo

CAPTION = "ось що роздають сьогодні біля ринку 👇"


@pytest.fixture
async def stack(
    sandbox: Sandbox, database: Database, matcher: Matcher, tmp_path: Path
) -> AsyncIterator[BotStack]:
    stack = await start_stack(sandbox, database, matcher, tmp_path)
    try:
        yield stack
    finally:
        await stack.stop()


async def media_of(database: Database, channel_id: int, message_id: int) -> list[StoredMedia]:
    post = await PostRepo(database).find_post(channel_id, message_id)
    assert post is not None
    assert post.id is not None
    return (await MediaRepo(database).list_media([post.id])).get(post.id, [])


async def drain(stack: BotStack) -> None:
    """Run the media job until nothing is due (as the scheduler does every 2 s)."""
    for _ in range(20):
        if await stack.reader.fetch_media() == 0:
            return
    raise AssertionError("the media queue never emptied")


async def test_a_summons_only_in_a_photo_raises_one_alert_with_the_photo_after_ocr(
    sandbox: Sandbox, database: Database, stack: BotStack, tmp_path: Path
) -> None:
    (analyst,) = await stack.analysts(1, "summons")
    channel = await stack.watch("zapor_today", "Запоріжжя сьогодні")
    image = summons_photo()
    message_id = sandbox.post(channel, CAPTION, photo=image)
    await stack.read(channel, message_id)
    assert await stack.deliveries.list_alerts() == []  # the caption alone matches nothing

    await drain(stack)

    (media,) = await media_of(database, channel.id, message_id)
    assert media.state is MediaState.DONE
    assert media.ocr_state is OcrState.DONE
    assert media.sha256 == hashlib.sha256(image).hexdigest()
    assert media.dc_id == sandbox.dc_id  # the Photo's DC, kept for FLOOD_WAIT per DC
    stored = tmp_path / "media" / media.sha256[:2] / media.sha256[2:4] / media.sha256
    assert stored.read_bytes() == image
    assert stored.stat().st_mode & 0o777 == 0o600
    assert "ПОВЕСТКА" in (media.ocr_text or "")
    await eventually(lambda: len(analyst.inbox) > 1, what="the photo alert")
    _, text, message = analyst.inbox[-1]
    assert text.startswith("🔔")
    assert "📷 in the photo: «повестка»" in text
    assert message.photo is not None  # the alert carries the photo
    assert len(text) <= 1024
    await drain(stack)  # nothing more to do: no second alert
    alerts = await stack.deliveries.list_alerts()
    assert [a.status for a in alerts] == [AlertStatus.SENT]
    page = await SearchRepo(database, default_lemmatizer()).search(parse_query("повестка"))
    assert [r.post.message_id for r in page.results] == [message_id]


async def test_every_photo_of_an_album_is_stored_once(
    sandbox: Sandbox, database: Database, stack: BotStack
) -> None:
    channel = await stack.watch("melitopol_foto", "Мелитополь фото")
    photos = [plain_photo(40), plain_photo(90), plain_photo(40)]  # the third repeats the first
    ids = sandbox.post_album(channel, photos, caption="Мелитополь сегодня")
    await stack.read(channel, ids[0])
    await drain(stack)
    media = await media_of(database, channel.id, ids[0])
    assert [(m.message_id, m.state) for m in media] == [(i, MediaState.DONE) for i in ids]
    assert [m.sha256 for m in media] == [hashlib.sha256(p).hexdigest() for p in photos]
    files = [p for p in (stack.settings.media_folder).glob("??/??/*")]
    assert len(files) == 2  # the same bytes are stored once


async def test_an_expired_file_reference_is_fetched_again_from_the_message(
    sandbox: Sandbox, database: Database, stack: BotStack
) -> None:
    channel = await stack.watch("crimea_scan", "Крым сканы")
    image = summons_photo()
    message_id = sandbox.post(channel, "скан", photo=image)
    await stack.read(channel, message_id)
    reads_before = sandbox.calls("channels.getMessages")
    held = sandbox.hold("upload.getFile")

    async def expire_while_in_flight() -> None:
        await held.reached.wait()
        sandbox.expire_file_references()  # the reference the download carries is now stale
        held.released.set()

    expiry = asyncio.create_task(expire_while_in_flight())
    await drain(stack)
    await expiry
    (media,) = await media_of(database, channel.id, message_id)
    assert (media.state, media.attempts, media.failure) == (MediaState.DONE, 1, None)
    assert media.sha256 == hashlib.sha256(image).hexdigest()
    # One read before the download, one more for a fresh reference after FILE_REFERENCE_EXPIRED.
    assert sandbox.calls("channels.getMessages") - reads_before == 2


async def test_a_restart_mid_download_loses_nothing_and_stores_nothing_twice(
    sandbox: Sandbox, database: Database, stack: BotStack, tmp_path: Path
) -> None:
    channel = await stack.watch("kherson_cut", "Херсон")
    image = summons_photo()
    message_id = sandbox.post(channel, "фото", photo=image)
    await stack.read(channel, message_id)
    held = sandbox.hold("upload.getFile")
    download = asyncio.create_task(stack.reader.fetch_media())
    await held.reached.wait()  # the download is in flight...
    download.cancel()  # ...when the service stops
    await asyncio.gather(download, return_exceptions=True)
    held.released.set()
    (media,) = await media_of(database, channel.id, message_id)
    assert media.state is MediaState.DOWNLOADING  # what the stop left
    assert list((tmp_path / "media").glob("??/??/*")) == []  # nothing half-written

    # The next process: a new worker on the same archive and folder, as `run` builds it.
    restarted = media_worker(
        stack.settings,
        database,
        SystemClock(),
        TelethonMedia(stack.reader.connection.reader.client),
        find_hits=stack.matcher.find_hits,
        alerts=None,
    )
    while await restarted.run_once():
        pass
    (media,) = await media_of(database, channel.id, message_id)
    assert (media.state, media.sha256) == (MediaState.DONE, hashlib.sha256(image).hexdigest())
    assert [p.name for p in (tmp_path / "media").glob("??/??/*")] == [media.sha256]
    assert list((tmp_path / "media" / "tmp").iterdir()) == []


async def test_an_album_pushed_live_is_stored_whole_without_a_poll(
    sandbox: Sandbox, database: Database, stack: BotStack
) -> None:
    channel = await stack.watch("berdyansk_live", "Бердянськ live", join=True)
    photos = [plain_photo(10), plain_photo(200)]
    ids = sandbox.post_album(channel, photos, caption="Бердянськ зараз")
    posts = PostRepo(database)

    async def parts_queued() -> int:
        found = await posts.find_post(channel.id, ids[0])
        return len(await media_of(database, channel.id, ids[0])) if found else 0

    for _ in range(200):  # live updates only: no poll_cycle here
        if await parts_queued() == len(ids):
            break
        await asyncio.sleep(0.05)
    assert await parts_queued() == len(ids)
    await drain(stack)
    media = await media_of(database, channel.id, ids[0])
    assert [(m.message_id, m.position, m.state) for m in media] == [
        (i, n, MediaState.DONE) for n, i in enumerate(ids)
    ]


async def subscribe_expression(stack: BotStack, analyst: Analyst, expression: str) -> None:
    repo = SubscriberRepo(stack.database)
    found = await repo.get_subscriber(analyst.account.id)
    assert found.id is not None
    await repo.save_subscription(
        found.id, SubscriptionKind.EXPRESSION, expression, [], now=datetime.now(UTC)
    )


async def test_a_keyword_expression_read_only_in_a_photo_says_so_and_carries_the_photo(
    sandbox: Sandbox, database: Database, stack: BotStack
) -> None:
    (analyst,) = await stack.analysts(1)
    await subscribe_expression(stack, analyst, "комиссариат")
    channel = await stack.watch("tokmak_news", "Токмак")
    message_id = sandbox.post(channel, CAPTION, photo=summons_photo())
    await stack.read(channel, message_id)
    assert await stack.deliveries.list_alerts() == []  # the caption does not say it

    await drain(stack)

    await eventually(lambda: len(analyst.inbox) > 1, what="the photo alert")
    _, text, message = analyst.inbox[-1]
    assert text.startswith("🔔")
    assert "keywords: комиссариат" in text
    assert "📷 in the photo: «комиссариат»" in text
    assert message.photo is not None  # the alert carries the photo
    await drain(stack)
    assert [a.status for a in await stack.deliveries.list_alerts()] == [AlertStatus.SENT]
    assert len(analyst.inbox) == 2  # the welcome and one alert


async def test_a_caption_alert_is_sent_once_though_its_photo_matches_later(
    sandbox: Sandbox, database: Database, stack: BotStack
) -> None:
    analyst, also = await stack.analysts(2, "summons")
    await subscribe_expression(stack, also, "комиссариат OR повестка")
    channel = await stack.watch("vasylivka", "Василівка")
    message_id = sandbox.post(
        channel, "Раздают повестки у рынка, будьте осторожны", photo=summons_photo()
    )
    await stack.read(channel, message_id)
    await eventually(lambda: len(analyst.inbox) > 1, what="the caption alert")
    await eventually(lambda: len(also.inbox) > 1, what="the expression's caption alert")

    await drain(stack)  # the photo is read now: its hits are new, its alert is not
    (media,) = await media_of(database, channel.id, message_id)
    assert media.ocr_state is OcrState.DONE
    await asyncio.sleep(0.5)  # the delivery worker idles 0.1 s: time for a wrong second send
    assert len(analyst.inbox) == 2
    assert len(also.inbox) == 2
    alerts = await stack.deliveries.list_alerts()
    assert sorted(a.status for a in alerts) == [AlertStatus.SENT, AlertStatus.SENT]


async def test_a_flood_wait_on_file_downloads_holds_the_files_of_that_dc(
    sandbox: Sandbox, database: Database, stack: BotStack
) -> None:
    channel = await stack.watch("polohy_foto", "Пологи фото")
    first = sandbox.post(channel, "фото 1", photo=plain_photo(30))
    second = sandbox.post(channel, "фото 2", photo=plain_photo(60))
    await stack.read(channel, second)
    sandbox.fail("upload.getFile", "FLOOD_WAIT_300", code=420)
    await stack.reader.fetch_media()
    (held,) = await media_of(database, channel.id, first)
    (waiting,) = await media_of(database, channel.id, second)
    assert (held.state, held.attempts) == (MediaState.PENDING, 0)
    assert held.failure == f"FloodWait 300 s on DC {sandbox.dc_id}"
    # The other file is on the same DC: it waits too, untried (one getFile call in all).
    assert (waiting.state, waiting.attempts, waiting.failure) == (
        MediaState.PENDING,
        0,
        "waiting out a FloodWait",
    )
    assert sandbox.calls("upload.getFile") == 1
    assert (held.next_try_at, held.dc_id) == (waiting.next_try_at, sandbox.dc_id)
