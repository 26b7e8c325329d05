"""The weekly digest end to end: seeded hits, the real bot client, each analyst's own scope, the
chart as a photo, never twice."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from PIL import Image

from monitor.clock import SystemClock
from monitor.digest.job import send_weekly_digests
from monitor.domain import Channel, Post, SubscriberStatus, SubscriptionKind
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


async def test_the_due_week_arrives_as_text_and_chart_once_scoped_to_each_analyst(
    sandbox: Sandbox, database: Database
) -> None:
    bot_account = sandbox.create_bot("draftwatch_digest_bot")
    olena = sandbox.create_user("+380631234567", first_name="Olena")
    petro = sandbox.create_user("+380631234568", first_name="Petro")
    admin = sandbox.create_user("+380631234569", first_name="Ivan")
    bot = await sandbox.login(bot_account)
    for user in (olena, petro, admin):  # a bot writes only to people who started it
        sandbox.send_private(user, bot_account, "/start")
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
    # Olena follows summons, Petro a keyword that only the weather post has, the admin nothing.
    for user, subscription in (
        (olena, (SubscriptionKind.CATEGORY, "summons")),
        (petro, (SubscriptionKind.EXPRESSION, "погода")),
        (admin, None),
    ):
        me = await subscribers.register(
            user.id,
            username=None,
            display_name=user.first_name,
            is_admin=user is admin,
            timezone="Europe/Kyiv",
            now=NOW - timedelta(days=6),  # joined on Tuesday of 2024-W47: only that week is due
        )
        await subscribers.set_status(user.id, SubscriberStatus.APPROVED)
        if subscription is not None:
            assert me.id is not None
            await subscribers.save_subscription(me.id, *subscription, [], now=NOW)
    limiter = SendLimiter(SystemClock(), overall_per_s=28, per_chat_per_s=5)

    def sender_for(chat_id: int):  # type: ignore[no-untyped-def]
        return digest_sender(TelethonSender(bot), limiter, chat_id)

    digests = DigestRepo(database)
    assert await send_weekly_digests(subscribers, digests, sender_for, now=NOW) == 3
    received = {u.first_name: sandbox.received_by(u, bot_account) for u in (olena, petro, admin)}
    texts = {name: "\n".join(m.text for m in got) for name, got in received.items()}

    assert "2024-W47" in texts["Olena"]
    assert "Covers only your subscription:\n• #1 category summons" in texts["Olena"]
    # 2 of the 4 posts are summonses; the round-up and the weather are not hers
    assert "Posts matching your subscriptions: 2 (+2 from 0 last week)" in texts["Olena"]
    assert "@melitopol_today: 2" in texts["Olena"]
    assert "облави" not in texts["Olena"]
    assert "Погода" not in texts["Olena"]

    assert "Covers only your subscription:\n• #1 expression погода" in texts["Petro"]  # his #1
    assert "Posts matching your subscriptions: 1 (+1 from 0 last week)" in texts["Petro"]
    assert "keywords: погода: 1" in texts["Petro"]
    assert "Погода на неделю" in texts["Petro"]  # the top post: one no rule matches
    assert "повестки" not in texts["Petro"]

    assert "You have no subscriptions" in texts["Ivan"]
    assert "/subscribe" in texts["Ivan"]
    assert "Posts" not in texts["Ivan"]
    assert [m.media for m in received["Ivan"]] == [None]  # the note alone, no empty chart

    for name in ("Olena", "Petro"):
        photos = [m for m in received[name] if m.media == "photo"]
        assert len(photos) == 1
        assert photos[0].media_bytes is not None
        # Telethon re-encodes photos as JPEG before uploading them (as for real Telegram).
        image = Image.open(io.BytesIO(photos[0].media_bytes))
        assert image.format in {"JPEG", "PNG"}
        assert image.size[0] >= 600

    # Run again, as after a restart: the week is recorded, nothing goes out twice.
    assert (
        await send_weekly_digests(subscribers, digests, sender_for, now=NOW + timedelta(hours=1))
        == 0
    )
    for user in (olena, petro, admin):
        assert len(sandbox.received_by(user, bot_account)) == len(received[user.first_name])
