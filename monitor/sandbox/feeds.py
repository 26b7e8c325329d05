"""Feeds: channels built from ru-news-channels JSON files, loaded as history or replayed live (reads files)."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from telethon.extensions import markdown
from telethon.tl import types

from monitor.sandbox.world import Channel, World

logger = logging.getLogger(__name__)

BUNDLED_FEEDS = Path(__file__).parent / "feeds" / "ru-news-channels"
_CYRILLIC = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"
_LATIN_SPELLING = "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch - y - e yu ya"
_LATIN = {
    c: ("" if latin == "-" else latin)
    for c, latin in zip(_CYRILLIC, _LATIN_SPELLING.split(" "), strict=True)
}


@dataclass(frozen=True, slots=True)
class FeedPost:
    message_id: int
    text: str  # Telegram markdown
    date: datetime


@dataclass(frozen=True, slots=True)
class Feed:
    """One channel's posts from a feed file, oldest first."""

    channel_id: int
    title: str
    username: str
    posts: tuple[FeedPost, ...]


def username_for(title: str, channel_id: int) -> str:
    """A readable Latin username from a channel title: "РИА Новости" -> "ria_novosti"."""
    latin = "".join(_LATIN.get(c, c) for c in title.lower())
    slug = re.sub(r"[^a-z0-9]+", "_", latin).strip("_")
    if len(slug) < 5 or not slug[0].isalpha():
        slug = f"channel_{slug}" if slug else f"channel_{channel_id}"
    return slug[:32].rstrip("_")


def load_feed(path: Path) -> Feed:
    """Parse a feed file: a JSON list of {message_id, sender_id, text, date, channel, category}."""
    rows = json.loads(path.read_text(encoding="utf-8"))
    if not rows:
        raise ValueError(f"{path}: the feed has no posts")
    marked = int(rows[0]["sender_id"])
    channel_id = (
        int(str(abs(marked)).removeprefix("100"))
        if str(abs(marked)).startswith("100")
        else abs(marked)
    )
    posts = sorted(
        (
            FeedPost(int(r["message_id"]), r.get("text") or "", datetime.fromisoformat(r["date"]))
            for r in rows
        ),
        key=lambda p: p.message_id,
    )
    title = rows[0].get("channel") or f"Channel {channel_id}"
    return Feed(channel_id, title, username_for(title, channel_id), tuple(posts))


def bundled_feeds() -> list[Path]:
    return sorted(BUNDLED_FEEDS.glob("*.json"))


def create_channel(world: World, feed: Feed) -> Channel:
    """The feed's channel, empty, under the feed's own channel id."""
    username = feed.username
    while world.find_username(username) is not None:
        username = f"{username[:28]}_{len(world.channels)}"
    return world.add_channel(feed.title, username, channel_id=feed.channel_id)


def publish(world: World, channel: Channel, post: FeedPost, *, date: datetime | None = None) -> int:
    """One feed post as a channel post, its markdown turned into entities."""
    text, entities = markdown.parse(post.text)
    message = types.Message(
        id=post.message_id,
        peer_id=types.PeerChannel(channel.id),
        date=date or post.date,
        message=text,
        post=True,
        entities=entities or None,
        views=0,
        forwards=0,
    )
    return int(world.post(channel, message).id)


def load_history(world: World, channel: Channel, posts: Sequence[FeedPost]) -> None:
    """Publish `posts` at once, with their original ids and dates."""
    for post in posts:
        publish(world, channel, post)


async def replay(
    world: World, channel: Channel, posts: Sequence[FeedPost], *, speed: float
) -> None:
    """Publish `posts` live, spaced as originally but `speed` times faster, each dated now."""
    previous: datetime | None = None
    for post in posts:
        if previous is not None and speed > 0:
            await asyncio.sleep(max(0.0, (post.date - previous).total_seconds()) / speed)
        previous = post.date
        message_id = publish(world, channel, post, date=datetime.now(UTC))
        logger.debug("feed post channel=%s id=%d", channel.username, message_id)


def redate(feed: Feed, now: datetime) -> Feed:
    """The same feed shifted in time so that its last post is dated `now` (spacing kept)."""
    shift = now - feed.posts[-1].date
    posts = tuple(FeedPost(p.message_id, p.text, p.date + shift) for p in feed.posts)
    return Feed(feed.channel_id, feed.title, feed.username, posts)
