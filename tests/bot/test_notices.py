"""Operator health notices: when a channel counts as silent, flood waits, dead sessions, repeats."""

from __future__ import annotations

from datetime import timedelta

import pytest

from monitor.bot.notices import (
    HealthNotifier,
    PoolNotices,
    ReaderEvents,
    check_silence,
    silence,
    usual_gap,
)
from monitor.domain import Channel, Post
from monitor.reader.collector import OperatorEvents
from monitor.reader.pool import PoolEvents
from monitor.store.channels import ChannelRepo
from monitor.store.engine import Database
from monitor.store.posts import PostRepo
from monitor.store.rhythm import RhythmRepo
from tests.conftest import NOW
from tests.fake_bot import JumpingClock

CHANNEL = Channel(telegram_id=1001, title="Новости <Мелитополя>", username="melitopol_news")
HOURLY = [NOW - timedelta(hours=h) for h in range(30, 50)]  # hourly, last post 30 h ago


@pytest.mark.parametrize(
    ("dates", "silent"),
    [
        (HOURLY, True),  # 30 h of silence, usual gap 1 h
        ([NOW - timedelta(hours=h) for h in range(1, 20)], False),  # posted an hour ago
        ([NOW - timedelta(days=d) for d in range(1, 10)], False),  # daily channel, 1 day quiet
        ([NOW - timedelta(days=d) for d in range(7, 16)], True),  # daily channel, a week quiet
        ([NOW - timedelta(days=30)], False),  # too few posts to know a rhythm
    ],
)
def test_silence_is_judged_against_the_channels_rhythm(dates: list, silent: bool) -> None:  # type: ignore[type-arg]
    assert (silence(dates, NOW) is not None) is silent


def test_the_usual_gap_is_the_median() -> None:
    dates = [NOW, NOW + timedelta(hours=1), NOW + timedelta(hours=2), NOW + timedelta(hours=30)]
    assert usual_gap(dates) == timedelta(hours=1)


@pytest.fixture
def told() -> list[tuple[int, str]]:
    return []


@pytest.fixture
def health(told: list[tuple[int, str]]) -> HealthNotifier:
    async def notify(chat_id: int, html: str) -> None:
        if chat_id == 13:
            raise ConnectionError("this admin's chat fails")
        told.append((chat_id, html))

    return HealthNotifier(notify, [13, 1, 2], JumpingClock(), flood_wait_alert_s=3600)


async def test_a_silent_channel_is_reported_once_to_every_admin(
    health: HealthNotifier, told: list[tuple[int, str]]
) -> None:
    assert await health.channel_silent(CHANNEL, HOURLY) is True
    assert await health.channel_silent(CHANNEL, HOURLY) is False  # not again within 6 h
    assert [c for c, _ in told] == [1, 2]
    assert (
        "Новости &lt;Мелитополя&gt; (@melitopol_news) has posted nothing for 30.0 h" in told[0][1]
    )


async def test_only_long_flood_waits_are_reported(
    health: HealthNotifier, told: list[tuple[int, str]]
) -> None:
    assert await health.flood_wait(600, "messages.getHistory") is False
    assert await health.flood_wait(7200, "contacts.resolveUsername") is True
    assert "wait 2.0 h (7200 s) on contacts.resolveUsername" in told[0][1]


async def test_a_dead_session_says_how_to_fix_it(
    health: HealthNotifier, told: list[tuple[int, str]]
) -> None:
    await health.session_dead("reader", "AuthKeyDuplicatedError")
    assert "python bot.py login" in told[0][1]


async def test_a_failed_task_is_told_escaped_and_not_repeated_within_hours(
    health: HealthNotifier, told: list[tuple[int, str]]
) -> None:
    what = "ValueError: row <3> is bad; restarted in 1 s"
    assert await health.task_failed("delivery worker", what) is True
    assert await health.task_failed("delivery worker", what) is False
    assert [c for c, _ in told] == [1, 2]
    assert told[0][1].startswith(
        "⚠️ draftwatch's delivery worker failed: ValueError: row &lt;3&gt; is bad; restarted in 1 s."
    )


async def test_reader_events_reach_the_admins(
    health: HealthNotifier, told: list[tuple[int, str]]
) -> None:
    events: OperatorEvents = ReaderEvents(health)
    await events.flood_wait(CHANNEL, 5000)
    await events.source_unavailable(CHANNEL, "ChannelPrivateError")
    await events.session_dead("AUTH_KEY_UNREGISTERED")
    texts = [html for chat, html in told if chat == 1]
    assert "on reading @melitopol_news" in texts[0]
    assert "cannot be read: ChannelPrivateError" in texts[1]
    assert "session reader stopped working (AUTH_KEY_UNREGISTERED)" in texts[2]


async def test_the_silence_check_reads_the_archive(
    database: Database, told: list[tuple[int, str]]
) -> None:
    channels, posts = ChannelRepo(database), PostRepo(database)
    quiet = Channel(telegram_id=2001, title="Тихий канал", username="quiet_news")
    busy = Channel(telegram_id=2002, title="Живой канал", username="busy_news")
    for channel, newest in ((quiet, 30), (busy, 0)):
        await channels.upsert_channel(channel, now=NOW)
        batch = [
            Post(channel.telegram_id, n, date=NOW - timedelta(hours=newest + n), text=f"пост {n}")
            for n in range(1, 21)
        ]
        await posts.save_posts(channel.telegram_id, batch, now=NOW)

    async def notify(chat_id: int, html: str) -> None:
        told.append((chat_id, html))

    health = HealthNotifier(notify, [1], JumpingClock(), flood_wait_alert_s=3600)
    silent = await check_silence(health, channels, RhythmRepo(database))
    assert [c.username for c in silent] == ["quiet_news"]
    assert "Тихий канал (@quiet_news) has posted nothing for 31.0 h" in told[0][1]


async def test_admins_hear_when_a_reader_account_is_lost_and_back(
    health: HealthNotifier, told: list[tuple[int, str]]
) -> None:
    events: PoolEvents = PoolNotices(health)
    await events.account_lost("kharkiv", "UserDeactivatedBanError", 97)
    await events.account_back("kharkiv", 97)
    texts = [html for chat, html in told if chat == 1]
    assert texts[0].startswith(
        "🔁 Reader account kharkiv stopped (UserDeactivatedBanError); its 97 channels moved to "
        "the other accounts."
    )
    assert "<code>python bot.py login --account kharkiv</code>" in texts[0]
    assert texts[1] == "✅ Reader account kharkiv is back and reads its 97 channels again."
