"""Ingest on a real archive: a matcher failure never blocks a channel; matching never holds the
archive's write lock."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence

import pytest

from monitor.domain import Channel, Hit, Post, Span
from monitor.reader.ingest import Ingest
from monitor.store.channels import ChannelRepo
from monitor.store.engine import Database, sqlite_path
from monitor.store.posts import HitFinder, PostRepo
from tests.conftest import NOW


def fragile_matcher(text: str) -> Sequence[Hit]:
    if "💥" in text:
        raise RuntimeError("matcher bug")
    start = text.find("повестк")
    return [Hit("r", "summons", (Span(start, start + 7, "повестк"),))] if start >= 0 else []


async def test_a_post_the_matcher_chokes_on_is_stored_without_hits_and_the_rest_go_on(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    await ChannelRepo(database).upsert_channel(Channel(telegram_id=9, title="c"), now=NOW)
    posts = PostRepo(database)
    batch = [
        Post(channel_telegram_id=9, message_id=1, date=NOW, text="💥 странный пост"),
        Post(channel_telegram_id=9, message_id=2, date=NOW, text="вручают повестки"),
    ]
    result = await Ingest(posts, fragile_matcher).save(9, batch, now=NOW, read_through=2)
    assert len(result.new_posts) == 2
    assert [h.rule_id for h in result.new_hits] == ["r"]
    assert result.last_seen_id == 2
    assert "matching failed; post stored without hits" in caplog.text


def lock_watching_matcher(database: Database, seen: list[bool]) -> HitFinder:
    """A matcher that records, for each text, whether another process could write right now."""
    path = sqlite_path(database.url)
    assert path is not None

    def find_hits(text: str) -> Sequence[Hit]:
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            seen.append(True)
        except sqlite3.OperationalError:  # "database is locked": a save holds the write lock
            seen.append(False)
        finally:
            other.close()
        return fragile_matcher(text)

    return find_hits


@pytest.mark.sqlite_only("watches SQLite's write lock from a second connection")
async def test_matching_runs_before_the_save_takes_the_archives_write_lock(
    database: Database,
) -> None:
    await ChannelRepo(database).upsert_channel(Channel(telegram_id=9, title="c"), now=NOW)
    posts = PostRepo(database)
    seen: list[bool] = []
    batch = [
        Post(channel_telegram_id=9, message_id=i, date=NOW, text=f"вручают повестки {i}")
        for i in range(1, 6)
    ]
    ingest = Ingest(posts, lock_watching_matcher(database, seen))
    result = await ingest.save(9, batch, now=NOW, read_through=5)
    assert len(result.new_posts) == 5
    assert len(result.new_hits) == 5
    assert seen == [True] * 5  # other writers were never shut out while a text was matched


@pytest.mark.sqlite_only("watches SQLite's write lock from a second connection")
async def test_saving_the_same_posts_again_matches_nothing_and_changes_nothing(
    database: Database,
) -> None:
    await ChannelRepo(database).upsert_channel(Channel(telegram_id=9, title="c"), now=NOW)
    posts = PostRepo(database)
    seen: list[bool] = []
    ingest = Ingest(posts, lock_watching_matcher(database, seen))
    batch = [Post(channel_telegram_id=9, message_id=1, date=NOW, text="вручают повестки")]
    await ingest.save(9, batch, now=NOW)
    again = await ingest.save(9, batch, now=NOW)
    edited = await ingest.save(
        9, [Post(channel_telegram_id=9, message_id=1, date=NOW, text="повестки, правка")], now=NOW
    )
    assert (again.new_posts, again.edited_posts, again.new_hits) == ((), (), ())
    assert len(seen) == 2  # the unchanged text was not matched again; the edit was
    assert edited.edited_posts == result_ids(await posts.find_post(9, 1))


def result_ids(post: Post | None) -> tuple[int, ...]:
    assert post is not None
    assert post.id is not None
    return (post.id,)


async def test_the_log_names_the_channel_by_its_username(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    await ChannelRepo(database).upsert_channel(
        Channel(telegram_id=9, title="c", username="dvizh_mel"), now=NOW
    )
    ingest = Ingest(PostRepo(database), fragile_matcher)
    post = Post(channel_telegram_id=9, message_id=1, date=NOW, text="вручают повестки")
    with caplog.at_level(logging.INFO, logger="monitor.reader.ingest"):
        await ingest.save(9, [post], now=NOW, read_through=1, label="@dvizh_mel")
        await ingest.delete(9, [1], now=NOW, label="@dvizh_mel")
    assert "ingested channel=@dvizh_mel new=1 edited=0 hits=1" in caplog.text
    assert "deleted channel=@dvizh_mel posts=1" in caplog.text
    assert "channel=9" not in caplog.text
