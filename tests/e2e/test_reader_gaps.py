"""Nothing is lost between live updates and polls, a slow channel stalls no other, and the
re-check keeps its rhythm across restarts (issue 12): the real client through the sandbox."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from monitor.app import run_service
from monitor.clock import SystemClock
from monitor.reader.channel_ref import parse_channel_ref
from monitor.reader.collector import Collector
from monitor.reader.polling import IntervalPolicy
from monitor.sandbox.api import Sandbox
from monitor.sandbox.world import Channel as SandboxChannel
from monitor.store.schema import ChannelRow
from monitor.telegram.live import LiveFeed
from tests.e2e.conftest import ReaderStack
from tests.e2e.test_service import service_settings


async def _until(condition: object, seconds: float = 10.0) -> None:
    """Wait for an async condition (an update or a poll is in flight), failing after `seconds`."""
    assert callable(condition)
    for _ in range(int(seconds / 0.02)):
        if await condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not met in time")


async def _joined(reader: ReaderStack, sandbox: Sandbox, name: str) -> SandboxChannel:
    """A watched channel the reader has joined, with its live feed attached."""
    channel = sandbox.create_channel(name, name.title())
    assert reader.collector is not None
    assert reader.client is not None
    stored, _ = await reader.collector.add(parse_channel_ref(f"@{name}"))
    await reader.collector.join(stored)
    _attach_live(reader)
    return channel


def _attach_live(reader: ReaderStack) -> None:
    assert reader.collector is not None
    assert reader.client is not None
    LiveFeed(
        reader.client, reader.collector.on_live_post, reader.collector.on_live_deletion
    ).attach()


async def _stored(reader: ReaderStack, channel: SandboxChannel, message_id: int) -> bool:
    return await reader.posts.find_post(channel.id, message_id) is not None


async def test_a_post_never_pushed_live_is_read_by_the_poll_after_a_later_live_post(
    sandbox: Sandbox, reader: ReaderStack
) -> None:
    channel = await _joined(reader, sandbox, "melitopol_live")
    with sandbox.lost_updates():
        unseen = sandbox.post(channel, "В Мелитополе раздают повестки у рынка")
    live = sandbox.post(channel, "Обычный пост")

    async def live_stored() -> bool:
        return await _stored(reader, channel, live)

    await _until(live_stored)
    assert reader.collector is not None
    await reader.collector.poll_cycle()
    assert await _stored(reader, channel, unseen)
    assert await reader.posts.count_posts(channel.id) == 2


async def test_posts_from_the_downtime_are_read_although_a_live_post_comes_first(
    sandbox: Sandbox, reader: ReaderStack
) -> None:
    channel = await _joined(reader, sandbox, "kherson_live")
    await reader.stop()  # SIGTERM: the service is down
    missed = [sandbox.post(channel, f"Пост во время простоя {n}") for n in range(3)]
    await reader.start()
    _attach_live(reader)
    live = sandbox.post(channel, "Первый пост после старта")

    async def live_stored() -> bool:
        return await _stored(reader, channel, live)

    await _until(live_stored)
    assert reader.collector is not None
    await reader.collector.poll_cycle()
    for message_id in missed:
        assert await _stored(reader, channel, message_id)
    assert await reader.posts.count_posts(channel.id) == 4


async def test_a_recheck_never_moves_the_poll_past_an_unread_post(
    sandbox: Sandbox, reader: ReaderStack
) -> None:
    channel = await _joined(reader, sandbox, "nikopol_live")
    with sandbox.lost_updates():
        unseen = sandbox.post(channel, "Пост без обновления")
    live = sandbox.post(channel, "Пост с обновлением")

    async def live_stored() -> bool:
        return await _stored(reader, channel, live)

    await _until(live_stored)
    assert reader.collector is not None
    await reader.collector.recheck()  # re-reads the live post: that is no read of the gap
    await reader.collector.poll_cycle()
    assert await _stored(reader, channel, unseen)


async def test_a_slow_channel_times_out_backs_off_and_the_others_are_read_meanwhile(
    sandbox: Sandbox, reader: ReaderStack
) -> None:
    slow = sandbox.create_channel("slow_news", "Медленный")
    fast = sandbox.create_channel("fast_news", "Быстрый")
    assert reader.collector is not None
    for channel in (slow, fast):
        await reader.collector.add(parse_channel_ref(f"@{channel.username}"))
    collector = await _restart_with(
        reader, read_timeout_s=1.0, policy=IntervalPolicy(minimum_s=30, maximum_s=600, jitter=0.0)
    )
    sandbox.delay("messages.getHistory", 180.0, channel=slow, times=None)
    sandbox.post(slow, "пост в медленном канале")
    fast_post = sandbox.post(fast, "пост в быстром канале")
    report = await collector.poll_cycle()
    assert (report.polled, report.new_posts, report.errors) == (2, 1, 1)
    assert await _stored(reader, fast, fast_post)
    waiting = await reader.channels.get_channel(slow.id)
    assert waiting.last_error is not None
    assert "no answer from Telegram in 1 s" in waiting.last_error
    assert waiting.failed_polls == 1
    assert waiting.next_poll_at is not None
    assert waiting.next_poll_at >= datetime.now(UTC) + timedelta(seconds=20)  # its own backoff
    assert (await reader.channels.get_channel(fast.id)).last_error is None
    calls = sandbox.calls("messages.getHistory")
    await collector.poll_cycle()  # the slow channel waits out its backoff; no new read of it
    assert sandbox.calls("messages.getHistory") == calls


async def _restart_with(reader: ReaderStack, **changes: object) -> Collector:
    reader.config = dataclasses.replace(reader.config, **changes)  # type: ignore[arg-type]
    return await reader.start()


async def test_the_recheck_is_due_from_its_stored_time_not_from_the_start(
    sandbox: Sandbox, reader: ReaderStack
) -> None:
    channel = sandbox.create_channel("edited_news", "Правки")
    assert reader.collector is not None
    await reader.collector.add(parse_channel_ref("@edited_news"))
    first = sandbox.post(channel, "Обычный день")
    await reader.collector.poll_cycle()
    async with reader.database.write.begin() as session:  # added an hour ago, never re-checked
        await session.execute(
            update(ChannelRow)
            .where(ChannelRow.telegram_id == channel.id)
            .values(added_at=datetime.now(UTC) - timedelta(hours=1))
        )
    sandbox.edit_post(channel, first, "Обычный день. UPD: раздают повестки")
    collector = await reader.start()  # a restart: the re-check is due at once, not in 10 minutes
    assert await collector.recheck_due() == 1
    calls = sandbox.calls("channels.getMessages")
    collector = await reader.start()  # and again: re-checked a moment ago, so not due
    assert await collector.recheck_due() == 0
    assert sandbox.calls("channels.getMessages") == calls
    post = await reader.posts.find_post(channel.id, first)
    assert post is not None
    assert post.text.endswith("повестки")


async def test_the_service_reads_other_channels_while_one_channel_hangs(
    sandbox: Sandbox, reader: ReaderStack, db_url: str
) -> None:
    slow = sandbox.create_channel("hanging_news", "Зависший")
    fast = sandbox.create_channel("lively_news", "Живой")
    assert reader.collector is not None
    for channel in (slow, fast):
        await reader.collector.add(parse_channel_ref(f"@{channel.username}"))
    await reader.stop()
    sandbox.delay("messages.getHistory", 180.0, channel=slow, times=None)
    stop = asyncio.Event()
    settings = service_settings(sandbox, db_url, reader.session_path)
    task = asyncio.create_task(run_service(settings, SystemClock(), stop))
    try:
        await _until(lambda: _polled_once(reader, fast), 20)  # the service runs its first cycle
        posted = sandbox.post(fast, "новый пост, пока соседний канал висит")

        async def stored() -> bool:
            return await _stored(reader, fast, posted)

        await _until(stored, 20)
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)  # a read still hanging does not hold the stop


async def _polled_once(reader: ReaderStack, channel: SandboxChannel) -> bool:
    return (await reader.channels.get_channel(channel.id)).last_polled_at is not None


async def test_the_service_rechecks_at_start_a_channel_whose_recheck_is_overdue(
    sandbox: Sandbox, reader: ReaderStack, db_url: str
) -> None:
    channel = sandbox.create_channel("zaporizhzhia_edits", "Запорожье")
    assert reader.collector is not None
    await reader.collector.add(parse_channel_ref("@zaporizhzhia_edits"))
    first = sandbox.post(channel, "Обычный день")
    await reader.collector.poll_cycle()
    await reader.stop()
    async with reader.database.write.begin() as session:  # added an hour ago, never re-checked
        await session.execute(
            update(ChannelRow)
            .where(ChannelRow.telegram_id == channel.id)
            .values(added_at=datetime.now(UTC) - timedelta(hours=1))
        )
    sandbox.edit_post(channel, first, "Обычный день. UPD: раздают повестки")
    stop = asyncio.Event()
    settings = service_settings(sandbox, db_url, reader.session_path)
    task = asyncio.create_task(run_service(settings, SystemClock(), stop))

    async def edited() -> bool:
        post = await reader.posts.find_post(channel.id, first)
        return post is not None and post.text.endswith("повестки")

    try:
        await _until(edited, 20)
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)
