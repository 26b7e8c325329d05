"""Channel posts as Telegram builds them: text, entities, a photo or document, albums under one grouped_id (no I/O)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from telethon.tl import types

from monitor.sandbox import media, tl_objects
from monitor.sandbox.world import Channel, World

# An album item: a photo's bytes, or a document as (bytes, mime type, file name).
AlbumItem = bytes | tuple[bytes, str, str]
MAX_ALBUM = 10  # Telegram's limit on the items of one album (MULTI_MEDIA_TOO_LONG beyond)


@dataclass(frozen=True, slots=True)
class PostContent:
    """What one channel post says and carries; `date` is when it is published."""

    date: datetime
    text: str = ""
    entities: list[Any] | None = None
    views: int = 0
    forwards: int = 0
    forwarded_from: Channel | None = None
    forwarded_post_id: int | None = None
    photo: bytes | None = None
    document: tuple[bytes, str, str] | None = None
    grouped_id: int | None = None
    message_id: int = 0


def channel_message(world: World, dc_id: int, content: PostContent) -> types.Message:
    """A new channel message (not yet posted); its photo or document is stored for downloads."""
    return types.Message(
        id=content.message_id,
        peer_id=types.PeerChannel(0),
        date=content.date,
        message=content.text,
        post=True,
        entities=content.entities or None,
        views=content.views,
        forwards=content.forwards,
        grouped_id=content.grouped_id,
        fwd_from=tl_objects.forward_header(
            content.forwarded_from, content.forwarded_post_id, content.date
        ),
        media=media.attach(
            world, content.date, dc_id, photo=content.photo, document=content.document
        ),
    )


def post_album(
    world: World,
    channel: Channel,
    dc_id: int,
    items: Sequence[AlbumItem],
    *,
    date: datetime,
    caption: str = "",
    entities: list[Any] | None = None,
    first_id: int = 0,
) -> list[int]:
    """Publish an album: one post per item under one grouped_id, consecutive ids, the caption on
    the first, delivered to members in one updates batch. Returns the ids."""
    if not 2 <= len(items) <= MAX_ALBUM:
        raise ValueError(f"an album holds 2 to {MAX_ALBUM} photos or documents, not {len(items)}")
    if len({isinstance(item, bytes) for item in items}) > 1:
        raise ValueError(
            "an album holds photos or documents, not both (Telegram groups them apart)"
        )
    group = secrets.randbits(62)
    messages = []
    for index, item in enumerate(items):
        content = PostContent(
            date=date,
            text=caption if index == 0 else "",
            entities=entities if index == 0 else None,
            photo=item if isinstance(item, bytes) else None,
            document=item if isinstance(item, tuple) else None,
            grouped_id=group,
            message_id=first_id + index if first_id else 0,
        )
        messages.append(channel_message(world, dc_id, content))
    return [int(m.id) for m in world.post_many(channel, messages)]
