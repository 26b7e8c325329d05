"""Alembic migrations: head matches the models, and the way down works."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from monitor.domain import Channel
from monitor.errors import SchemaOutdatedError
from monitor.store import migrate
from monitor.store.accounts import AccountRepo
from monitor.store.channels import ChannelRepo
from monitor.store.engine import Database
from monitor.store.schema import Base, is_migrated_object
from tests.conftest import sqlite_url


def _diff(path: Path) -> list[object]:
    engine = sa.create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "include_object": is_migrated_object}
            )
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def _tables(path: Path) -> set[str]:
    engine = sa.create_engine(f"sqlite:///{path}")
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_head_on_empty_database_matches_the_models(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    migrate.upgrade(sqlite_url(path))
    assert _diff(path) == []
    assert {
        "channels",
        "posts",
        "post_versions",
        "hits",
        "subscribers",
        "alerts",
        "digests",
        "posts_fts",
    } <= _tables(path)


def test_downgrade_to_base_and_up_again(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    url = sqlite_url(path)
    migrate.upgrade(url)
    migrate.downgrade(url, "base")
    assert _tables(path) == {"alembic_version"}
    migrate.upgrade(url)
    assert _diff(path) == []


async def test_service_refuses_an_out_of_date_schema(tmp_path: Path) -> None:
    db = Database.open(sqlite_url(tmp_path / "empty.db"))
    try:
        with pytest.raises(SchemaOutdatedError, match=r"run `python bot\.py db upgrade`"):
            await migrate.ensure_current(db.reader)
    finally:
        await db.close()


async def test_current_schema_passes_the_check(database: Database) -> None:
    await migrate.ensure_current(database.reader)
    assert await migrate.current_revision(database.reader) == migrate.head_revision()


async def test_a_single_account_archive_upgrades_in_place_to_the_account_default(
    tmp_path: Path,
) -> None:
    url = sqlite_url(tmp_path / "old.db")
    await asyncio.to_thread(migrate.upgrade, url, "0005_reader_cursor")
    db = Database.open(url)
    try:
        await ChannelRepo(db).upsert_channel(
            Channel(telegram_id=77, access_hash=4242, username="news", title="News"),
            now=datetime.now(UTC),
        )
        await asyncio.to_thread(migrate.upgrade, url)
        assert await AccountRepo(db).list_peers("default") == {77: 4242}
        assert await AccountRepo(db).list_peers("kyiv2") == {}
    finally:
        await db.close()
