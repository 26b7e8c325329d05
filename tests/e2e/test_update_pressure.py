"""The reader under Telegram's update pressure: a burst collapsed into updatesTooLong still arrives
live, and posts lost to channelDifferenceTooLong are read back by the next poll."""

from __future__ import annotations

import asyncio

from monitor.sandbox.api import Sandbox
from monitor.telegram.live import LiveFeed
from tests.e2e.conftest import ReaderStack
from tests.e2e.test_reader import _until, _watch


async def _live(reader: ReaderStack, sandbox: Sandbox) -> tuple[object, LiveFeed]:
    (channel,) = await _watch(reader, sandbox, 1, "pressure")
    assert reader.collector is not None
    assert reader.client is not None
    stored = await reader.channels.get_channel(channel.id)  # type: ignore[attr-defined]
    await reader.collector.reader.join(stored)
    feed = LiveFeed(reader.client, reader.collector.on_live_post, reader.collector.on_live_deletion)
    feed.attach()
    first = sandbox.post(channel, "первый")  # type: ignore[arg-type]

    async def stored_first() -> bool:
        return await reader.posts.find_post(channel.id, first) is not None  # type: ignore[attr-defined]

    await _until(stored_first)  # Telethon now knows the channel's pts
    return channel, feed


async def test_a_burst_collapsed_into_updates_too_long_is_stored_live(
    sandbox: Sandbox, reader: ReaderStack
) -> None:
    channel, _ = await _live(reader, sandbox)
    sandbox.set_pressure(updates_too_long_after=3)
    history_calls = sandbox.calls("messages.getHistory")
    for i in range(12):
        sandbox.post(channel, f"пост {i}")  # type: ignore[arg-type]

    async def all_stored() -> bool:
        return await reader.posts.count_posts(channel.id) == 13  # type: ignore[attr-defined]

    await _until(all_stored)
    assert sandbox.calls("messages.getHistory") == history_calls  # live, through getDifference
    assert sandbox.calls("updates.getChannelDifference") >= 1


async def test_posts_lost_to_channel_difference_too_long_come_back_by_polling(
    sandbox: Sandbox, reader: ReaderStack
) -> None:
    channel, _ = await _live(reader, sandbox)
    sandbox.set_pressure(channel_too_long_after=3)
    with sandbox.lost_updates():
        missed = [sandbox.post(channel, f"пропущенный {i}") for i in range(8)]  # type: ignore[arg-type]
    differences = sandbox.calls("updates.getChannelDifference")
    sandbox.post(channel, "после пропуска")  # type: ignore[arg-type]
    await called(sandbox, "updates.getChannelDifference", differences)
    # Telethon drops what channelDifferenceTooLong carries (telethon/_updates/messagebox.py).
    assert await reader.posts.find_post(channel.id, missed[0]) is None  # type: ignore[attr-defined]
    assert reader.collector is not None
    await reader.collector.poll_one(await reader.channels.get_channel(channel.id))  # type: ignore[attr-defined]
    assert await reader.posts.count_posts(channel.id) == 10  # type: ignore[attr-defined]


async def called(sandbox: Sandbox, method: str, before: int) -> None:
    """Wait until a client has called `method` again (counted as the handler answers)."""
    for _ in range(250):
        if sandbox.calls(method) > before:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"no {method} call in 5 s")
