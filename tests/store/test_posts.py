"""The post repository on a real migrated SQLite file: unique keys, versions, deletions, hits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import pytest

from monitor.domain import Channel, Hit, Post, Span
from monitor.errors import NotFoundError
from monitor.store.channels import ChannelRepo
from monitor.store.engine import Database
from monitor.store.posts import PostRepo
from tests.conftest import NOW

CHANNEL = Channel(
    telegram_id=1234567, title="Новости Мелитополя", username="melitopol_news", access_hash=99
)
SUMMONS = "В Мелитополе мужчинам вручают повестки прямо на улице"


def post(message_id: int, text: str = SUMMONS, **kw: object) -> Post:
    return Post(
        channel_telegram_id=CHANNEL.telegram_id, message_id=message_id, date=NOW, text=text, **kw
    )  # type: ignore[arg-type]


def summons_hits(text: str) -> Sequence[Hit]:
    """A stand-in matcher of our own: one rule that looks for 'повестк'."""
    start = text.find("повестк")
    if start < 0:
        return []
    return [
        Hit("summons.ru", "summons", (Span(start, start + 8, text[start : start + 8], "повестка"),))
    ]


@pytest.fixture
async def repo(database: Database) -> PostRepo:
    await ChannelRepo(database).upsert_channel(CHANNEL, now=NOW)
    return PostRepo(database)


async def test_saving_the_same_post_twice_stores_it_once(repo: PostRepo) -> None:
    first = await repo.save_posts(CHANNEL.telegram_id, [post(10)], now=NOW, find_hits=summons_hits)
    again = await repo.save_posts(CHANNEL.telegram_id, [post(10)], now=NOW, find_hits=summons_hits)
    assert len(first.new_posts) == 1
    assert len(first.new_hits) == 1
    assert again.new_posts == ()
    assert again.new_hits == ()
    assert again.edited_posts == ()
    assert await repo.count_posts(CHANNEL.telegram_id) == 1
    assert [h.rule_id for h in await repo.list_hits(first.new_posts[0])] == ["summons.ru"]


async def test_an_edit_adds_a_version_and_keeps_the_old_text(repo: PostRepo) -> None:
    saved = await repo.save_posts(CHANNEL.telegram_id, [post(11, "Погода в Херсоне")], now=NOW)
    edited_at = NOW + timedelta(minutes=5)
    result = await repo.save_posts(
        CHANNEL.telegram_id,
        [post(11, "Погода в Херсоне. UPD: раздают повестки", edit_date=edited_at)],
        now=edited_at,
        find_hits=summons_hits,
    )
    post_id = saved.new_posts[0]
    assert result.edited_posts == (post_id,)
    assert [h.rule_id for h in result.new_hits] == ["summons.ru"]
    versions = await repo.list_versions(post_id)
    assert [(v.version, v.text) for v in versions] == [
        (1, "Погода в Херсоне"),
        (2, "Погода в Херсоне. UPD: раздают повестки"),
    ]
    current = await repo.get_post(post_id)
    assert current.text == "Погода в Херсоне. UPD: раздают повестки"
    assert current.edit_date == edited_at


async def test_a_deletion_flags_the_post_and_keeps_it(repo: PostRepo) -> None:
    saved = await repo.save_posts(CHANNEL.telegram_id, [post(12)], now=NOW)
    later = NOW + timedelta(hours=1)
    assert await repo.mark_deleted(CHANNEL.telegram_id, [12, 999], now=later) == list(
        saved.new_posts
    )
    assert await repo.mark_deleted(CHANNEL.telegram_id, [12], now=later + timedelta(hours=1)) == []
    kept = await repo.find_post(CHANNEL.telegram_id, 12)
    assert kept is not None
    assert kept.text == SUMMONS
    assert kept.deleted_at == later


async def test_the_poll_cursor_moves_only_forward_and_only_over_what_a_read_covered(
    repo: PostRepo, database: Database
) -> None:
    await repo.save_posts(CHANNEL.telegram_id, [post(30), post(31)], now=NOW, read_through=33)
    result = await repo.save_posts(
        CHANNEL.telegram_id, [post(5, "старое")], now=NOW, read_through=5
    )
    assert result.last_seen_id == 33  # a service message at 33 was read too: the cursor passes it
    live = await repo.save_posts(CHANNEL.telegram_id, [post(40, "живой")], now=NOW)
    assert live.last_seen_id == 33  # a live post is no read of 34..39: the poll still reads them
    assert (await ChannelRepo(database).get_channel(CHANNEL.telegram_id)).last_seen_id == 33


async def test_album_parts_become_one_post(repo: PostRepo) -> None:
    parts = [
        post(40, "", grouped_id=777, media_kind="photo"),
        post(41, SUMMONS, grouped_id=777, media_kind="photo"),
    ]
    result = await repo.save_posts(CHANNEL.telegram_id, parts[:1], now=NOW, find_hits=summons_hits)
    later = await repo.save_posts(CHANNEL.telegram_id, parts[1:], now=NOW, find_hits=summons_hits)
    assert await repo.count_posts(CHANNEL.telegram_id) == 1
    album = await repo.get_post(result.new_posts[0])
    assert album.message_id == 40
    assert album.text == SUMMONS
    assert [h.rule_id for h in later.new_hits] == ["summons.ru"]


async def test_an_unknown_channel_is_an_error_that_names_it(repo: PostRepo) -> None:
    with pytest.raises(NotFoundError, match="424242"):
        await repo.save_posts(424242, [post(1)], now=NOW)


async def test_recent_window_lists_undeleted_posts_since(repo: PostRepo) -> None:
    old = Post(
        channel_telegram_id=CHANNEL.telegram_id,
        message_id=1,
        date=NOW - timedelta(days=5),
        text="a",
    )
    await repo.save_posts(CHANNEL.telegram_id, [old, post(2), post(3)], now=NOW)
    await repo.mark_deleted(CHANNEL.telegram_id, [3], now=NOW)
    assert await repo.list_recent_message_ids(
        CHANNEL.telegram_id, since=NOW - timedelta(days=2)
    ) == [2]


def test_naive_datetimes_are_refused() -> None:
    from datetime import datetime

    with pytest.raises(ValueError, match="timezone-aware"):
        Post(channel_telegram_id=1, message_id=1, date=datetime(2024, 1, 1), text="x")


async def test_hooks_run_inside_the_transaction_and_a_failing_hook_rolls_back(
    repo: PostRepo,
) -> None:
    from sqlalchemy.ext.asyncio import AsyncSession

    from monitor.store.posts import SavedPost

    seen: list[SavedPost] = []

    async def remember(_session: AsyncSession, saved: SavedPost) -> None:
        seen.append(saved)

    async def explode(_session: AsyncSession, saved: SavedPost) -> None:
        raise RuntimeError(f"disk full while indexing {saved.post_id}")

    await repo.save_posts(
        CHANNEL.telegram_id, [post(50)], now=NOW, find_hits=summons_hits, hooks=[remember]
    )
    assert [(s.post.message_id, s.is_new, [h.rule_id for h in s.new_hits]) for s in seen] == [
        (50, True, ["summons.ru"])
    ]
    with pytest.raises(RuntimeError, match="disk full"):
        await repo.save_posts(CHANNEL.telegram_id, [post(51)], now=NOW, hooks=[explode])
    assert await repo.find_post(CHANNEL.telegram_id, 51) is None
    assert await repo.count_posts(CHANNEL.telegram_id) == 1
