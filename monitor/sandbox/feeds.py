"""Feeds: channels built from ru-news-channels JSON files (posts, photos, albums), loaded as history or replayed live (reads files)."""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from telethon.extensions import markdown

from monitor.sandbox import posts
from monitor.sandbox.posts import MAX_ALBUM
from monitor.sandbox.world import Channel, World

logger = logging.getLogger(__name__)

BUNDLED_FEEDS = Path(__file__).parent / "feeds" / "ru-news-channels"
DEFAULT_DC = 2
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
    photos: tuple[Path, ...] = ()  # one: a photo post; several: an album taking consecutive ids


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
    """Parse a feed file: a JSON list of {message_id, sender_id, text, date, channel, category},
    each optionally with "photo": "image.jpg" or "album": ["a.jpg", "b.jpg"] (paths relative to
    the feed file)."""
    rows = json.loads(path.read_text(encoding="utf-8"))
    if not rows:
        raise ValueError(f"{path}: the feed has no posts")
    marked = int(rows[0]["sender_id"])
    channel_id = (
        int(str(abs(marked)).removeprefix("100"))
        if str(abs(marked)).startswith("100")
        else abs(marked)
    )
    ordered = sorted((_feed_post(path, r) for r in rows), key=lambda p: p.message_id)
    for before, after in itertools.pairwise(ordered):
        if before.message_id + max(0, len(before.photos) - 1) >= after.message_id:
            raise ValueError(
                f"{path}: post {before.message_id} is an album of {len(before.photos)} posts "
                f"(ids {before.message_id}..{before.message_id + len(before.photos) - 1}): "
                f"post {after.message_id} needs a higher id"
            )
    title = rows[0].get("channel") or f"Channel {channel_id}"
    return Feed(channel_id, title, username_for(title, channel_id), tuple(ordered))


def _feed_post(path: Path, row: dict[str, Any]) -> FeedPost:
    message_id = int(row["message_id"])
    names = [row["photo"]] if row.get("photo") else list(row.get("album") or [])
    if "album" in row and not 2 <= len(names) <= MAX_ALBUM:
        raise ValueError(
            f"{path}: post {message_id}: an album names 2 to {MAX_ALBUM} images, not {len(names)}"
        )
    photos = tuple(path.parent / str(name) for name in names)
    for photo in photos:
        if not photo.is_file():
            raise ValueError(
                f"{path}: post {message_id}: no image file {photo} "
                "(photo and album paths are relative to the feed file)"
            )
    text = row.get("text") or ""
    return FeedPost(message_id, text, datetime.fromisoformat(row["date"]), photos)


def bundled_feeds() -> list[Path]:
    return sorted(BUNDLED_FEEDS.glob("*.json"))


def create_channel(world: World, feed: Feed) -> Channel:
    """The feed's channel, empty, under the feed's own channel id."""
    username = feed.username
    while world.find_username(username) is not None:
        username = f"{username[:28]}_{len(world.channels)}"
    return world.add_channel(feed.title, username, channel_id=feed.channel_id)


def publish(
    world: World,
    channel: Channel,
    post: FeedPost,
    *,
    date: datetime | None = None,
    dc_id: int = DEFAULT_DC,
) -> int:
    """One feed post as a channel post (or album), its markdown turned into entities; its id."""
    text, entities = markdown.parse(post.text)
    when = date or post.date
    images = [photo.read_bytes() for photo in post.photos]
    if len(images) > 1:
        album = posts.post_album(
            world,
            channel,
            dc_id,
            images,
            date=when,
            caption=text,
            entities=entities,
            first_id=post.message_id,
        )
        return album[0]
    content = posts.PostContent(
        when, text, entities, message_id=post.message_id, photo=images[0] if images else None
    )
    return int(world.post(channel, posts.channel_message(world, dc_id, content)).id)


def load_history(
    world: World, channel: Channel, feed_posts: Sequence[FeedPost], *, dc_id: int = DEFAULT_DC
) -> None:
    """Publish `feed_posts` at once, with their original ids and dates."""
    for post in feed_posts:
        publish(world, channel, post, dc_id=dc_id)


async def replay(
    world: World,
    channel: Channel,
    feed_posts: Sequence[FeedPost],
    *,
    speed: float,
    dc_id: int = DEFAULT_DC,
) -> None:
    """Publish `feed_posts` live, spaced as originally but `speed` times faster, each dated now."""
    previous: datetime | None = None
    for post in feed_posts:
        if previous is not None and speed > 0:
            await asyncio.sleep(max(0.0, (post.date - previous).total_seconds()) / speed)
        previous = post.date
        message_id = publish(world, channel, post, date=datetime.now(UTC), dc_id=dc_id)
        logger.debug("feed post channel=%s id=%d", channel.username, message_id)


def redate(feed: Feed, now: datetime) -> Feed:
    """The same feed shifted in time so that its last post is dated `now` (spacing kept)."""
    shift = now - feed.posts[-1].date
    shifted = tuple(replace(p, date=p.date + shift) for p in feed.posts)
    return Feed(feed.channel_id, feed.title, feed.username, shifted)
