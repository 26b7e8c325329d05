"""Telethon messages to domain posts, albums merged into one post (pure; Telethon types stop here)."""

from __future__ import annotations

import base64
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from telethon.tl import types

from monitor.domain import CaptureSource, MediaItem, Post, RawMessage

_MEDIA_KINDS: tuple[tuple[type[Any], str], ...] = (
    (types.MessageMediaPhoto, "photo"),
    (types.MessageMediaDocument, "document"),
    (types.MessageMediaPoll, "poll"),
    (types.MessageMediaGeo, "geo"),
    (types.MessageMediaGeoLive, "geo"),
    (types.MessageMediaVenue, "venue"),
    (types.MessageMediaContact, "contact"),
)


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def media_kind(message: Any) -> str | None:
    """photo, video, voice, document, poll ... or None (a link preview is not media)."""
    media = getattr(message, "media", None)
    if media is None or isinstance(media, types.MessageMediaWebPage):
        return None
    for cls, kind in _MEDIA_KINDS:
        if isinstance(media, cls):
            if kind == "document":
                return _document_kind(media)
            return kind
    return type(media).__name__.removeprefix("MessageMedia").lower()


def _document_kind(media: Any) -> str:
    mime = getattr(getattr(media, "document", None), "mime_type", "") or ""
    if mime.startswith("video/"):
        return "video"
    if mime.startswith("audio/ogg"):
        return "voice"
    if mime.startswith("audio/"):
        return "audio"
    return "document"


_DOWNLOADABLE = frozenset({"photo", "video", "voice", "audio", "document"})


def media_item(message: Any) -> MediaItem | None:
    """What can be downloaded of a message: its photo (largest size) or document, described."""
    kind = media_kind(message)
    if kind not in _DOWNLOADABLE:
        return None
    media = message.media
    if kind == "photo":
        photo = getattr(media, "photo", None)
        if not isinstance(photo, types.Photo):
            return None  # an expired self-destructing photo: nothing to fetch
        w, h, size = _largest_size(photo.sizes)
        return MediaItem(
            message.id,
            "photo",
            "image/jpeg",
            size or None,
            w or None,
            h or None,
            dc_id=photo.dc_id,
        )
    document = getattr(media, "document", None)
    if not isinstance(document, types.Document):
        return None
    width: int | None = None
    height: int | None = None
    duration: float | None = None
    name: str | None = None
    for attribute in document.attributes or ():
        if isinstance(attribute, types.DocumentAttributeFilename):
            name = attribute.file_name
        elif isinstance(attribute, types.DocumentAttributeVideo | types.DocumentAttributeImageSize):
            width, height = attribute.w, attribute.h
            duration = getattr(attribute, "duration", duration)
        elif isinstance(attribute, types.DocumentAttributeAudio):
            duration = attribute.duration
    return MediaItem(
        message.id,
        kind,
        document.mime_type or None,
        int(document.size) if document.size is not None else None,
        width,
        height,
        float(duration) if duration is not None else None,
        name,
        dc_id=document.dc_id,
    )


def _largest_size(sizes: Any) -> tuple[int, int, int]:
    """(width, height, bytes) of the largest stored size of a photo (what is downloaded)."""
    best = (0, 0, 0)
    for size in sizes or ():
        if isinstance(size, types.PhotoSize):
            candidate = (size.w, size.h, size.size)
        elif isinstance(size, types.PhotoSizeProgressive):
            candidate = (size.w, size.h, max(size.sizes or [0]))
        else:
            continue
        if candidate[0] * candidate[1] >= best[0] * best[1]:
            best = candidate
    return best


def forwarded_from(message: Any) -> str | None:
    """Who a forwarded post came from: a name, or `channel:<id>` / `user:<id>`."""
    header = getattr(message, "fwd_from", None)
    if header is None:
        return None
    if header.from_name:
        return str(header.from_name)
    peer = header.from_id
    if isinstance(peer, types.PeerChannel):
        return f"channel:{peer.channel_id}"
    if isinstance(peer, types.PeerUser):
        return f"user:{peer.user_id}"
    return "hidden"


def is_post(message: Any) -> bool:
    """A real post (not a service message such as 'channel photo changed' or an empty slot)."""
    return isinstance(message, types.Message)


def json_ready(value: Any) -> Any:
    """Telethon's `to_dict()` output as JSON data: bytes as base64, datetimes as ISO 8601 UTC."""
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(v) for v in value]
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, datetime):
        aware = _aware(value)
        assert aware is not None
        return aware.astimezone(UTC).isoformat()
    return value


def raw_message(message: Any, source: CaptureSource, account: str) -> RawMessage:
    """The message as Telegram sent it, for the evidence capture (Telethon's `to_dict()`)."""
    return RawMessage(json_ready(message.to_dict()), source, account)


def post_from_message(
    channel_telegram_id: int,
    message: Any,
    source: CaptureSource = CaptureSource.POLL,
    account: str = "",
) -> Post:
    date = _aware(message.date)
    assert date is not None
    return Post(
        channel_telegram_id=channel_telegram_id,
        message_id=message.id,
        date=date,
        text=message.message or "",
        views=message.views,
        forwards=message.forwards,
        forwarded_from=forwarded_from(message),
        media_kind=media_kind(message),
        grouped_id=message.grouped_id,
        edit_date=_aware(message.edit_date),
        media=tuple(i for i in (media_item(message),) if i is not None),
        raw=raw_message(message, source, account),
    )


def posts_from_messages(
    channel_telegram_id: int,
    messages: Iterable[Any],
    source: CaptureSource = CaptureSource.POLL,
    account: str = "",
) -> list[Post]:
    """Posts in ascending id order; the parts of an album become one post (its first id)."""
    posts = sorted(
        (
            post_from_message(channel_telegram_id, m, source, account)
            for m in messages
            if is_post(m)
        ),
        key=lambda p: p.message_id,
    )
    return merge_albums(posts)


def merge_albums(posts: list[Post]) -> list[Post]:
    merged: list[Post] = []
    albums: dict[int, int] = {}  # grouped_id -> index in merged
    for post in posts:
        if post.grouped_id is None or post.grouped_id not in albums:
            if post.grouped_id is not None:
                albums[post.grouped_id] = len(merged)
            merged.append(post)
            continue
        index = albums[post.grouped_id]
        first = merged[index]
        merged[index] = Post(
            channel_telegram_id=first.channel_telegram_id,
            message_id=first.message_id,
            date=first.date,
            text=first.text or post.text,
            views=max(first.views or 0, post.views or 0) or None,
            forwards=max(first.forwards or 0, post.forwards or 0) or None,
            forwarded_from=first.forwarded_from or post.forwarded_from,
            media_kind="album",
            grouped_id=first.grouped_id,
            edit_date=max((d for d in (first.edit_date, post.edit_date) if d), default=None),
            media=first.media + post.media,
            raw=_album_raw(first.raw, post.raw),
        )
    return merged


def _album_raw(first: RawMessage | None, part: RawMessage | None) -> RawMessage | None:
    """An album's capture holds every part as Telegram sent it, in id order."""
    if first is None or part is None:
        return first or part
    parts = first.data.get("album")
    messages = list(parts) if isinstance(parts, list) else [first.data]
    return RawMessage({"_": "Album", "album": [*messages, part.data]}, first.source, first.account)
