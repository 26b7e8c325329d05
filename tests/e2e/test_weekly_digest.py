"""The weekly digest end to end: seeded hits, the real bot client, the chart as a photo, never twice."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from PIL import Image

from monitor.clock import SystemClock
from monitor.digest_job import send_weekly_digests
from monitor.domain import Channel, Post, SubscriberStatus
from monitor.matching import compile_matcher, load_default_packs
from monitor.ratelimit import SendLimiter
from monitor.sandbox.api import Sandbox
from monitor.store.channels import ChannelRepo
from monitor.store.digests import DigestRepo
from monitor.store.engine import Database
from monitor.store.posts import PostRepo
from monitor.store.subscribers import SubscriberRepo
from monitor.telegram.digests import digest_sender
from monitor.telegram.sender import TelethonSender

NOW = datetime(2024, 11, 25, 10, 0, tzinfo=UTC)  # Monday: the week 2024-W47 is due since 09:00
LAST_WEEK = datetime(2024, 11, 19, 12, 0, tzinfo=UTC)  # Tuesday of 2024-W47
TEXTS = [
    "В Мелитополе мужчинам раздают повестки у рынка",
    "У Бердянську облави на чоловіків призовного віку, везуть до військкомату",
    "В Джанкое снова вручают повестки прямо на улице",
    "Погода на неделю: солнечно",
]


async def test_the_due_week_arrives_as_text_and_chart_once(
    sandbox: Sandbox, database: Database
) -> None:
    bot_account = sandbox.create_bot("draftwatch_digest_bot")
    analyst = sandbox.create_user("+380631234567", first_name="Olena")
    bot = await sandbox.login(bot_account)
    sandbox.send_private(
        analyst, bot_account, "/start"
    )  # a bot writes only to people who started it
    channels, posts, subscribers = (
        ChannelRepo(database),
        PostRepo(database),
        SubscriberRepo(database),
    )
    await channels.upsert_channel(
        Channel(telegram_id=77, title="Мелитополь сегодня", username="melitopol_today"), now=NOW
    )
    matcher = compile_matcher(load_default_packs())
    await posts.save_posts(
        77,
        [
            Post(
                channel_telegram_id=77,
                message_id=i + 1,
                date=LAST_WEEK + timedelta(hours=i),
                text=t,
                views=100 * (i + 1),
            )
            for i, t in enumerate(TEXTS)
        ],
        now=LAST_WEEK,
        find_hits=matcher.find_hits,
    )
    await subscribers.register(
        analyst.id,
        username=None,
        display_name="Olena",
        is_admin=False,
        timezone="Europe/Kyiv",
        now=NOW - timedelta(days=6),  # joined on Tuesday of 2024-W47: only that week is due
    )
    await subscribers.set_status(analyst.id, SubscriberStatus.APPROVED)
    limiter = SendLimiter(SystemClock(), overall_per_s=28, per_chat_per_s=5)

    def sender_for(chat_id: int):  # type: ignore[no-untyped-def]
        return digest_sender(TelethonSender(bot), limiter, chat_id)

    digests = DigestRepo(database)
    assert await send_weekly_digests(subscribers, digests, sender_for, now=NOW) == 1
    received = sandbox.received_by(analyst, bot_account)
    text = "\n".join(m.text for m in received)
    assert "2024-W47" in text
    assert "Posts with hits: 3 (+3 from 0 last week)" in text  # 3 of the 4 posts are notices
    assert "@melitopol_today" in text
    photos = [m for m in received if m.media == "photo"]
    assert len(photos) == 1
    assert photos[0].media_bytes is not None
    # Telethon re-encodes photos as JPEG before uploading them (as it does for real Telegram).
    image = Image.open(io.BytesIO(photos[0].media_bytes))
    assert image.format in {"JPEG", "PNG"}
    assert image.size[0] >= 600

    # Run again, as after a restart: the week is recorded, nothing goes out twice.
    assert (
        await send_weekly_digests(subscribers, digests, sender_for, now=NOW + timedelta(hours=1))
        == 0
    )
    assert len(sandbox.received_by(analyst, bot_account)) == len(received)
