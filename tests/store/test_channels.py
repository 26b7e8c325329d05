"""The channel repository on a real migrated SQLite file."""

from __future__ import annotations

from datetime import timedelta

import pytest

from monitor.domain import Channel
from monitor.errors import NotFoundError
from monitor.store.channels import ChannelRepo
from monitor.store.engine import Database
from tests.conftest import NOW


async def test_upsert_keeps_one_row_per_telegram_id_and_keeps_polling_state(
    database: Database,
) -> None:
    repo = ChannelRepo(database)
    first = await repo.upsert_channel(
        Channel(telegram_id=5, title="Old", username="crimea_news"), now=NOW
    )
    await repo.record_poll(
        5, now=NOW, poll_interval_s=120, flood_wait_until=NOW + timedelta(minutes=3)
    )
    again = await repo.upsert_channel(
        Channel(telegram_id=5, title="New", username="crimea_news", access_hash=7), now=NOW
    )
    assert again.id == first.id
    assert (again.title, again.access_hash, again.poll_interval_s) == ("New", 7, 120)
    assert again.flood_wait_until == NOW + timedelta(minutes=3)
    assert [c.telegram_id for c in await repo.list_channels()] == [5]


@pytest.mark.parametrize("key", ["crimea_news", "@Crimea_News", 5])
async def test_find_by_username_or_id(database: Database, key: int | str) -> None:
    repo = ChannelRepo(database)
    await repo.upsert_channel(Channel(telegram_id=5, title="Крым", username="crimea_news"), now=NOW)
    found = await repo.find_channel(key)
    assert found is not None
    assert found.title == "Крым"


async def test_get_missing_channel_raises_and_find_returns_none(database: Database) -> None:
    repo = ChannelRepo(database)
    assert await repo.find_channel("nobody") is None
    with pytest.raises(NotFoundError, match="nobody"):
        await repo.get_channel("nobody")
    with pytest.raises(NotFoundError):
        await repo.record_poll(404, now=NOW)


async def test_disable_keeps_the_channel_listed_but_not_enabled(database: Database) -> None:
    repo = ChannelRepo(database)
    await repo.upsert_channel(Channel(telegram_id=5, title="Крым"), now=NOW)
    await repo.disable_channel(5)
    assert await repo.list_channels(enabled_only=True) == []
    assert [c.enabled for c in await repo.list_channels()] == [False]
