"""Feeds: channels from the bundled ru-news-channels files, as history and as a live replay."""

from __future__ import annotations

import asyncio
from typing import Any

from telethon import events
from telethon.tl import functions

from monitor.sandbox import feeds
from monitor.sandbox.api import Sandbox
from tests.sandbox.test_updates import collect


def test_every_bundled_feed_parses_with_a_latin_username() -> None:
    loaded = [feeds.load_feed(p) for p in feeds.bundled_feeds()]
    assert len(loaded) == 12
    ria = next(f for f in loaded if f.channel_id == 1101170442)
    assert (ria.title, ria.username) == ("РИА Новости", "ria_novosti")
    assert all(f.username.isascii() and 5 <= len(f.username) <= 32 for f in loaded)
    assert all(list(f.posts) == sorted(f.posts, key=lambda p: p.message_id) for f in loaded)


async def test_feed_history_is_readable_with_entities(sandbox: Sandbox) -> None:
    feed = feeds.load_feed(feeds.bundled_feeds()[0])
    channel = feeds.create_channel(sandbox.world, feed)
    feeds.load_history(sandbox.world, channel, feed.posts)
    client = await sandbox.login(sandbox.create_user("+79990000001"))
    newest = await client.get_messages(feed.username, limit=1)
    assert newest.total == len(feed.posts)
    assert newest[0].id == feed.posts[-1].message_id
    assert newest[0].date == feed.posts[-1].date
    with_bold = next(p for p in feed.posts if "**" in p.text)
    [message] = await client.get_messages(feed.username, ids=[with_bold.message_id])
    assert "**" not in message.raw_text
    assert message.entities


async def test_replay_pushes_posts_to_members(sandbox: Sandbox) -> None:
    feed = feeds.load_feed(feeds.bundled_feeds()[0])
    channel = feeds.create_channel(sandbox.world, feed)
    feeds.load_history(sandbox.world, channel, feed.posts[:5])
    client = await sandbox.login(sandbox.create_user("+79990000001"))
    await client(functions.channels.JoinChannelRequest(feed.username))
    new = collect(client, events.NewMessage, lambda e: e.message.id)
    await feeds.replay(sandbox.world, channel, feed.posts[5:8], speed=1e9)
    got: list[Any] = [await asyncio.wait_for(new.get(), 5) for _ in range(3)]
    assert got == [p.message_id for p in feed.posts[5:8]]
