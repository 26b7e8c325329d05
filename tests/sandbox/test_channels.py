"""Channels through a real TelegramClient: resolve (counted), full info, join, posts by id."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from telethon import errors

from monitor.sandbox.api import Sandbox


async def test_resolve_reads_channel_and_counts_calls(sandbox: Sandbox) -> None:
    news = sandbox.create_channel("news_ru", "Новости")
    alice = sandbox.create_user("+79990000001")
    client = await sandbox.login(alice)
    entity = await client.get_entity("news_ru")
    again = await client.get_entity("@news_ru")
    assert (entity.id, entity.title, entity.username, entity.broadcast) == (
        news.id,
        "Новости",
        "news_ru",
        True,
    )
    assert again.id == news.id
    assert sandbox.calls("contacts.resolveUsername") == 2


async def test_unknown_username_is_an_error(sandbox: Sandbox) -> None:
    client = await sandbox.login(sandbox.create_user("+79990000001"))
    with pytest.raises(ValueError, match="nobody_here") as caught:
        await client.get_entity("nobody_here")
    assert isinstance(caught.value.__cause__, errors.UsernameNotOccupiedError)


async def test_full_channel_join_and_leave(sandbox: Sandbox) -> None:
    news = sandbox.create_channel("news_ru", "Новости", about="Главное за день")
    alice = sandbox.create_user("+79990000001")
    client = await sandbox.login(alice)
    from telethon.tl import functions

    full = await client(functions.channels.GetFullChannelRequest("news_ru"))
    assert full.full_chat.about == "Главное за день"
    await client(functions.channels.JoinChannelRequest("news_ru"))
    assert alice.id in news.members
    await client(functions.channels.LeaveChannelRequest("news_ru"))
    assert alice.id not in news.members


async def test_get_messages_by_id_shows_edits_and_deletions(sandbox: Sandbox) -> None:
    news = sandbox.create_channel("news_ru", "Новости")
    first = sandbox.post(
        news, "Повестки **раздают** у метро", markdown_text=True, views=10, forwards=2
    )
    second = sandbox.post(news, "Второй пост", date=datetime(2024, 5, 1, tzinfo=UTC))
    third = sandbox.post(news, "Третий")
    sandbox.edit_post(news, second, "Второй пост (исправлено)")
    sandbox.delete_posts(news, [third])
    client = await sandbox.login(sandbox.create_user("+79990000001"))
    got = await client.get_messages("news_ru", ids=[first, second, third])
    assert got[0].text == "Повестки **раздают** у метро"
    assert got[0].raw_text == "Повестки раздают у метро"
    assert (got[0].views, got[0].forwards) == (10, 2)
    assert got[1].raw_text == "Второй пост (исправлено)"
    assert got[1].edit_date is not None
    assert got[2] is None
