"""The channel reader end to end: the real Telethon client, the sandbox, a real migrated archive."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from monitor.errors import SourceUnavailableError
from monitor.reader.channel_ref import parse_channel_ref
from monitor.sandbox.api import Sandbox
from tests.e2e.conftest import ReaderStack

SUMMONS = "В Мелитополе мужчинам раздают повестки у рынка"


async def test_add_three_channels_backfills_then_new_posts_arrive_and_match(
    sandbox: Sandbox, reader: ReaderStack
) -> None:
    channels = [sandbox.create_channel(f"news_{i}", f"Новости {i}") for i in range(3)]
    for i, channel in enumerate(channels):
        for n in range(i + 2):
            sandbox.post(channel, f"Старый пост {n}", date=datetime.now(UTC) - timedelta(days=1))
    assert reader.collector is not None
    for channel in channels:
        _, stored = await reader.collector.add(parse_channel_ref(f"@{channel.username}"))
        assert stored == len(channel.timeline.messages)
    assert await reader.posts.count_posts() == 2 + 3 + 4

    sandbox.post(channels[1], SUMMONS)
    sandbox.post(channels[2], "Погода: солнечно")
    report = await reader.collector.poll_cycle()
    assert report.new_posts == 2
    assert report.new_hits == 1
    stored = await reader.posts.find_post(channels[1].id, max(channels[1].timeline.messages))
    assert stored is not None
    assert stored.text == SUMMONS
    assert [h.rule_id for h in await reader.posts.list_hits(stored.id or 0)] == ["summons.test"]


async def test_downtime_50_posts_are_all_stored_exactly_once_after_restart(
    sandbox: Sandbox, reader: ReaderStack
) -> None:
    channels = [sandbox.create_channel(f"feed_{i}", f"Лента {i}") for i in range(3)]
    assert reader.collector is not None
    for channel in channels:
        await reader.collector.add(parse_channel_ref(channel.username or ""))
    await reader.stop()
    for n in range(50):
        sandbox.post(channels[n % 3], f"Пост номер {n}")
    collector = await reader.start()
    await collector.poll_cycle()
    await collector.poll_cycle()  # a second cycle finds nothing new and duplicates nothing
    assert await reader.posts.count_posts() == 50
    for channel in channels:
        assert await reader.posts.count_posts(channel.id) == len(channel.timeline.messages)


async def test_username_is_resolved_once_per_channel_across_restarts(
    sandbox: Sandbox, reader: ReaderStack
) -> None:
    channel = sandbox.create_channel("zaporizhzhia_today", "Запорожье сегодня")
    assert reader.collector is not None
    await reader.collector.add(parse_channel_ref("@zaporizhzhia_today"))
    for _ in range(3):
        collector = await reader.start()
        stored, _ = await collector.add(parse_channel_ref("https://t.me/zaporizhzhia_today"))
        sandbox.post(channel, "ещё один пост")
        await collector.poll_one(await reader.channels.get_channel(stored.telegram_id))
    assert sandbox.calls("contacts.resolveUsername") == 1
    assert await reader.posts.count_posts(channel.id) == 3


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("missing", "no channel has this username"),
        ("user", "a user or a bot, not a channel"),
        ("private", "private"),
    ],
)
async def test_adding_a_bad_channel_says_what_is_wrong(
    sandbox: Sandbox, reader: ReaderStack, setup: str, message: str
) -> None:
    name = "some_target"
    if setup == "user":
        sandbox.create_user("+380509998877", username=name)
    elif setup == "private":
        sandbox.create_channel(name, "Закрытый")
        sandbox.fail("contacts.resolveUsername", "CHANNEL_PRIVATE")
    assert reader.collector is not None
    with pytest.raises(SourceUnavailableError, match=message):
        await reader.collector.add(parse_channel_ref(name))
    assert await reader.channels.list_channels() == []


async def _watch(reader: ReaderStack, sandbox: Sandbox, n: int, prefix: str) -> list[object]:
    channels = [sandbox.create_channel(f"{prefix}_{i}", f"{prefix} {i}") for i in range(n)]
    assert reader.collector is not None
    for channel in channels:
        await reader.collector.add(parse_channel_ref(channel.username or ""))
    return channels


async def test_flood_wait_on_one_channel_pauses_it_and_the_others_go_on_across_restarts(
    sandbox: Sandbox, reader: ReaderStack
) -> None:
    a, b, c = await _watch(reader, sandbox, 3, "flood")
    for channel in (a, b, c):
        sandbox.post(channel, "новость")  # type: ignore[arg-type]
    sandbox.fail("messages.getHistory", "FLOOD_WAIT_300", code=420, channel=b.id)  # type: ignore[attr-defined]
    assert reader.collector is not None
    report = await reader.collector.poll_cycle()
    assert (report.flood_waits, report.new_posts) == (1, 2)
    waiting = await reader.channels.get_channel(b.id)  # type: ignore[attr-defined]
    assert waiting.flood_wait_until is not None
    assert waiting.flood_wait_until > datetime.now(UTC) + timedelta(seconds=290)
    assert waiting.last_error == "FloodWait 300 s"

    collector = await reader.start()  # restart: the wait is in the archive, not in the client
    for channel in (a, c):
        sandbox.post(channel, "ещё новость")  # type: ignore[arg-type]
    calls_before = sandbox.calls("messages.getHistory")
    for channel in await reader.channels.list_channels():
        if channel.telegram_id != b.id:  # type: ignore[attr-defined]
            await collector.poll_one(channel)
    await collector.poll_cycle()  # b is still waiting: the cycle must not read it
    assert await reader.posts.count_posts(b.id) == 0  # type: ignore[attr-defined]
    assert await reader.posts.count_posts(a.id) == 2  # type: ignore[attr-defined]
    assert sandbox.calls("messages.getHistory") == calls_before + 2


async def test_edits_become_versions_and_deletions_flags_via_recheck(
    sandbox: Sandbox, reader: ReaderStack
) -> None:
    (channel,) = await _watch(reader, sandbox, 1, "edits")
    first = sandbox.post(channel, "Обычный день в Херсоне")  # type: ignore[arg-type]
    second = sandbox.post(channel, "Этот пост удалят")  # type: ignore[arg-type]
    assert reader.collector is not None
    stored_channel = await reader.channels.get_channel(channel.id)  # type: ignore[attr-defined]
    await reader.collector.poll_one(stored_channel)
    sandbox.edit_post(channel, first, "Обычный день в Херсоне. UPD: раздают повестки")  # type: ignore[arg-type]
    sandbox.delete_posts(channel, [second])  # type: ignore[arg-type]
    assert await reader.collector.recheck() == 2

    edited = await reader.posts.find_post(channel.id, first)  # type: ignore[attr-defined]
    assert edited is not None
    assert [v.text for v in await reader.posts.list_versions(edited.id or 0)] == [
        "Обычный день в Херсоне",
        "Обычный день в Херсоне. UPD: раздают повестки",
    ]
    assert [h.rule_id for h in await reader.posts.list_hits(edited.id or 0)] == ["summons.test"]
    deleted = await reader.posts.find_post(channel.id, second)  # type: ignore[attr-defined]
    assert deleted is not None
    assert deleted.deleted_at is not None
    assert deleted.text == "Этот пост удалят"
    assert await reader.collector.recheck() == 0  # nothing changed since: nothing recorded twice


async def test_an_album_is_one_post(sandbox: Sandbox, reader: ReaderStack) -> None:
    (channel,) = await _watch(reader, sandbox, 1, "album")
    ids = sandbox.post_album(channel, [b"\x89PNG-1", b"\x89PNG-2", b"\x89PNG-3"], caption=SUMMONS)  # type: ignore[arg-type]
    assert reader.collector is not None
    report = await reader.collector.poll_one(await reader.channels.get_channel(channel.id))  # type: ignore[attr-defined]
    assert (report.new_posts, report.new_hits) == (1, 1)
    album = await reader.posts.find_post(channel.id, ids[0])  # type: ignore[attr-defined]
    assert album is not None
    assert (album.text, album.media_kind) == (SUMMONS, "album")
    assert await reader.posts.count_posts(channel.id) == 1  # type: ignore[attr-defined]
    assert await reader.collector.recheck() == 0  # the captionless first part is not an "edit"


@pytest.mark.parametrize("fault", ["drop", "rpc500"])
async def test_a_dropped_connection_or_rpc_500_mid_poll_loses_nothing(
    sandbox: Sandbox, reader: ReaderStack, fault: str
) -> None:
    channels = await _watch(reader, sandbox, 2, f"fault_{fault}")
    for n in range(10):
        sandbox.post(channels[n % 2], f"пост {n}")  # type: ignore[arg-type]
    if fault == "drop":
        sandbox.drop("messages.getHistory")
    else:
        sandbox.fail("messages.getHistory", "INTERNAL", code=500, times=1)
    assert reader.collector is not None
    for _ in range(3):
        for channel in await reader.channels.list_channels():
            await reader.collector.poll_one(channel)
    assert await reader.posts.count_posts() == 10


async def test_more_than_a_page_of_new_posts_is_read_in_order_with_one_call_per_page(
    sandbox: Sandbox, reader: ReaderStack
) -> None:
    (channel,) = await _watch(reader, sandbox, 1, "busy")
    ids = [sandbox.post(channel, f"пост {n}") for n in range(250)]  # type: ignore[arg-type]
    before = sandbox.calls("messages.getHistory")
    assert reader.collector is not None
    report = await reader.collector.poll_one(await reader.channels.get_channel(channel.id))  # type: ignore[attr-defined]
    assert report.new_posts == 250
    assert sandbox.calls("messages.getHistory") - before == 3
    stored = await reader.channels.get_channel(channel.id)  # type: ignore[attr-defined]
    assert stored.last_seen_id == ids[-1]


async def _until(condition: object, seconds: float = 5.0) -> None:
    """Wait for an async condition (a live update is in flight), failing after `seconds`."""
    import asyncio

    assert callable(condition)
    for _ in range(int(seconds / 0.02)):
        if await condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not met in time")


async def test_live_updates_store_new_edited_and_deleted_posts_without_polling(
    sandbox: Sandbox, reader: ReaderStack
) -> None:
    from monitor.telegram.live import LiveFeed

    (channel,) = await _watch(reader, sandbox, 1, "live")
    assert reader.collector is not None
    assert reader.client is not None
    stored = await reader.channels.get_channel(channel.id)  # type: ignore[attr-defined]
    await reader.collector.reader.join(stored)
    feed = LiveFeed(reader.client, reader.collector.on_live_post, reader.collector.on_live_deletion)
    feed.attach()
    calls = sandbox.calls("messages.getHistory")

    first = sandbox.post(channel, "Обычный пост")  # type: ignore[arg-type]

    async def stored_first() -> bool:
        return await reader.posts.find_post(channel.id, first) is not None  # type: ignore[attr-defined]

    await _until(stored_first)
    sandbox.edit_post(channel, first, f"Обычный пост. {SUMMONS}")  # type: ignore[arg-type]

    async def edited() -> bool:
        post = await reader.posts.find_post(channel.id, first)  # type: ignore[attr-defined]
        return post is not None and post.text.endswith(SUMMONS)

    await _until(edited)
    sandbox.delete_posts(channel, [first])  # type: ignore[arg-type]

    async def deleted() -> bool:
        post = await reader.posts.find_post(channel.id, first)  # type: ignore[attr-defined]
        return post is not None and post.deleted_at is not None

    await _until(deleted)
    assert sandbox.calls("messages.getHistory") == calls  # all of it came live
    post = await reader.posts.find_post(channel.id, first)  # type: ignore[attr-defined]
    assert post is not None
    assert len(await reader.posts.list_versions(post.id or 0)) == 2
    assert [h.rule_id for h in await reader.posts.list_hits(post.id or 0)] == ["summons.test"]
    # The poll that follows finds the same post already stored: nothing twice.
    await reader.collector.poll_one(await reader.channels.get_channel(channel.id))  # type: ignore[attr-defined]
    assert await reader.posts.count_posts(channel.id) == 1  # type: ignore[attr-defined]
