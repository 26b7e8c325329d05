"""Alembic on PostgreSQL: an archive with data upgrades in place from 0001 to head, and back down."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from monitor.search.query import Sort, parse_query
from monitor.store import migrate
from monitor.store.channels import ChannelRepo
from monitor.store.engine import Database
from monitor.store.schema import Base, is_migrated_object
from monitor.store.search import SearchRepo
from tests.backends import PostgresServer
from tests.search_archive import LEMMATIZER

OLD_ARCHIVE = [
    """INSERT INTO channels (telegram_id, title, username, last_seen_id, poll_interval_s,
       enabled, joined, added_at) VALUES (1001, 'Движение Мелитополь', 'dvizh_mel', 2, 300,
       true, true, '2024-11-20 09:00:00')""",
    """INSERT INTO posts (channel_id, message_id, date, text, first_seen_at) VALUES
       (1, 1, '2024-11-20 12:00:00', 'В Мелитополе раздают повестки.', '2024-11-20 12:01:00'),
       (1, 2, '2024-11-21 12:00:00', 'Погода: дожди.', '2024-11-21 12:01:00')""",
]


@pytest.fixture
def empty_url(postgres_server: PostgresServer) -> str:
    return postgres_server.create("migrations")


async def _execute(url: str, statements: list[str]) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            for statement in statements:
                await conn.execute(sa.text(statement))
    finally:
        await engine.dispose()


def _diff(conn: sa.Connection) -> list[object]:
    context = MigrationContext.configure(
        conn, opts={"compare_type": True, "include_object": is_migrated_object}
    )
    return list(compare_metadata(context, Base.metadata))


async def _schema_diff(url: str) -> list[object]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(_diff)
    finally:
        await engine.dispose()


async def _after_upgrade(url: str) -> tuple[list[str], list[int], bool]:
    db = Database.open(url)
    try:
        channels = [c.label for c in await ChannelRepo(db).list_channels()]
        search = SearchRepo(db, LEMMATIZER)
        complete = await search.index_looks_complete()
        await search.rebuild_index()
        page = await search.search(parse_query("повестка"), sort=Sort.DATE)
        return channels, [r.post.message_id for r in page.results], complete
    finally:
        await db.close()


def test_an_archive_with_posts_upgrades_in_place_from_0001_to_head(empty_url: str) -> None:
    migrate.upgrade(empty_url, "0001")
    asyncio.run(_execute(empty_url, OLD_ARCHIVE))
    migrate.upgrade(empty_url)
    assert asyncio.run(_schema_diff(empty_url)) == []
    channels, found, complete = asyncio.run(_after_upgrade(empty_url))
    assert channels == ["@dvizh_mel"]
    assert not complete, "posts from before the index need `reindex`"
    assert found == [1]


def test_downgrade_to_base_and_up_again_on_postgresql(empty_url: str) -> None:
    migrate.upgrade(empty_url)
    migrate.downgrade(empty_url, "base")
    migrate.upgrade(empty_url)
    assert asyncio.run(_schema_diff(empty_url)) == []
