"""Import a Telegram Desktop channel export (result.json): parse it (pure), stream and store it (reads files).

Telegram Desktop's "Export chat history" writes `result.json`: the channel's `name`, `type` and
bare `id`, and `messages`, each with `id`, `type` ("message" or "service"), `date` (local time
of the exporting machine, no zone) and `date_unixtime` (UTC seconds), `edited_unixtime`,
`text` (a string, or a list of strings and entity parts {type, text, ...}), `photo` / `file` /
`media_type` and `forwarded_from`. Service messages are skipped; every other message is a post.

A channel's export can run to hundreds of megabytes, so it is never held whole: one streamed
pass checks every message before anything is stored, a second streams the posts into the store.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any, cast

from monitor.domain import CaptureSource, Channel, MediaItem, Post, RawMessage
from monitor.errors import ImportFileError
from monitor.imports.json_stream import check_nesting, read_top_level, stream_items
from monitor.reader.channel_ref import MAX_ID
from monitor.reader.ingest import Ingest
from monitor.store.channels import ChannelRepo
from monitor.store.posts import HitFinder, PostRepo, SaveHook

CHANNEL_TYPES = ("public_channel", "private_channel")
HEADER = ("name", "type", "id")
IMPORT_BATCH = 200
# SQLite's write lock is not a queue: a waiting writer's busy handler looks again every 100 ms
# at most, so an import that commits and begins again at once can keep the running service
# from writing past its busy timeout. After this long of back-to-back batches the import lets
# go of the lock for longer than one such look (about 7 % of an import's time at most).
IMPORT_HOLD_S = 2.0
IMPORT_PAUSE_S = 0.15


@dataclass(frozen=True, slots=True)
class ChannelExport:
    """A checked export: the channel's bare id and title, how many posts and skipped messages,
    and its messages, read again (streamed from the file) each time `posts` is iterated."""

    source: str
    telegram_id: int
    title: str
    post_count: int
    skipped: int
    messages: Callable[[], Iterable[object]] = field(repr=False, compare=False)

    @property
    def posts(self) -> Iterator[Post]:
        """The posts in file order, parsed one at a time as they are read."""
        for index, message in enumerate(self.messages()):
            post = parse_message(
                message, index=index, channel_id=self.telegram_id, source=self.source
            )
            if post is not None:
                yield post


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import changed: re-importing the same file gives new == edited == hits == 0."""

    channel: Channel
    total: int
    new: int
    edited: int
    hits: int

    @property
    def unchanged(self) -> int:
        return self.total - self.new - self.edited


def load_export(path: Path) -> ChannelExport:
    """Check result.json in streamed passes; ImportFileError names what broke, down to the message.

    As when the file was decoded whole, a JSON error anywhere is reported first, then a problem
    of the top level, then the first malformed message. The header may follow `messages`.
    """
    source = str(path)
    check_nesting(path)
    top = read_top_level(path, full=HEADER, stop_at="messages")
    post_count, skipped, malformed = _check_messages(stream_items(path, "messages.item"), source)
    telegram_id, title = _check_top_level(top, source)
    if malformed is not None:
        raise malformed
    messages = partial(stream_items, path, "messages.item")
    return ChannelExport(source, telegram_id, title, post_count, skipped, messages)


def parse_export(data: object, *, source: str) -> ChannelExport:
    """The channel and posts of an export already decoded (pure)."""
    telegram_id, title = _check_top_level(data if isinstance(data, dict) else None, source)
    messages: list[object] = cast(dict[str, Any], data)["messages"]  # a list: checked above
    post_count, skipped, malformed = _check_messages(messages, source)
    if malformed is not None:
        raise malformed
    return ChannelExport(source, telegram_id, title, post_count, skipped, lambda: messages)


def _check_top_level(top: Mapping[str, Any] | None, source: str) -> tuple[int, str]:
    """The channel's bare id and title from the top-level object (None: the file holds none).

    Of `top`, only name, type and id need be whole; the other members may be placeholders.
    """
    if top is None:
        raise ImportFileError(source, "top level", "is not a JSON object: not a result.json")
    if "chats" in top and "messages" not in top:
        raise ImportFileError(
            source, "top level", "is a whole-account export; export one channel's history"
        )
    kind = top.get("type")
    if kind not in CHANNEL_TYPES:
        raise ImportFileError(
            source, "top level", f"type is {kind!r:.60}, not a channel ({', '.join(CHANNEL_TYPES)})"
        )
    if not isinstance(top.get("messages"), list):
        raise ImportFileError(source, "top level", "has no `messages` list")
    telegram_id = _channel_id(source, top.get("id"))
    name = top.get("name")
    return telegram_id, name if isinstance(name, str) else str(telegram_id)


def _check_messages(
    messages: Iterable[object], source: str
) -> tuple[int, int, ImportFileError | None]:
    """Posts, skipped service messages and the first malformed message's error, if any.

    After a malformed message the rest are read, not parsed: a JSON error further on comes first.
    The channel's id plays no part in checking a message, so 0 stands for it.
    """
    posts = skipped = 0
    unread = iter(messages)
    for index, message in enumerate(unread):
        try:
            post = parse_message(message, index=index, channel_id=0, source=source)
        except ImportFileError as e:
            deque(unread, maxlen=0)
            return posts, skipped, e
        if post is None:
            skipped += 1
        else:
            posts += 1
    return posts, skipped, None


def _channel_id(source: str, raw: object) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not 0 < abs(raw) < 10**25:
        raise ImportFileError(source, "top level", f"`id` is not a channel id: {raw!r:.40}")
    bare = str(abs(raw))
    if raw < 0 and bare.startswith("100") and len(bare) > 10:
        bare = bare[3:]  # a marked id (-100...) as Telethon prints it
    if not 0 < int(bare) <= MAX_ID:
        raise ImportFileError(source, "top level", f"`id` is not a channel id: {raw!r}")
    return int(bare)


def parse_message(message: object, *, index: int, channel_id: int, source: str) -> Post | None:
    """One message as a Post; None for service messages. `index` is its place in the file."""
    if not isinstance(message, dict):
        raise ImportFileError(source, f"message #{index}", "is not a JSON object")
    raw_id = message.get("id")
    where = f"message #{index} (id {raw_id!r:.40})"
    if isinstance(raw_id, bool) or not isinstance(raw_id, int) or not 0 < raw_id <= MAX_ID:
        raise ImportFileError(source, where, "has no positive integer `id` (below 2**63)")
    if message.get("type", "message") != "message":
        return None

    def fail(problem: str) -> ImportFileError:
        return ImportFileError(source, where, problem)

    date = _when(message, "date", fail)
    if date is None:
        raise fail("has no `date_unixtime` or `date`")
    forwarded = message.get("forwarded_from")
    return Post(
        channel_telegram_id=channel_id,
        message_id=raw_id,
        date=date,
        text=message_text(message.get("text", ""), fail),
        forwarded_from=str(forwarded) if forwarded is not None else None,
        media_kind=media_kind(message),
        edit_date=_when(message, "edited", fail),
        media=export_media(message, raw_id, Path(source).parent),
        # The export's own record of the message is the capture (who exported it is unknown).
        raw=RawMessage(message, CaptureSource.IMPORT, f"Telegram Desktop export {source}"),
    )


def _when(
    message: Mapping[str, Any], key: str, fail: Callable[[str], ImportFileError]
) -> datetime | None:
    """`<key>_unixtime` (UTC seconds, a string in exports) or else `<key>` read as UTC."""
    unix = message.get(f"{key}_unixtime")
    if unix is not None:
        try:
            return datetime.fromtimestamp(int(unix), UTC)
        except (TypeError, ValueError, OverflowError, OSError):
            raise fail(f"`{key}_unixtime` is not a number of seconds: {unix!r:.40}") from None
    local = message.get(key)
    if local is None:
        return None
    try:
        parsed = datetime.fromisoformat(str(local))
    except ValueError:
        raise fail(f"`{key}` is not a date and time: {local!r:.40}") from None
    # Local time of the exporting machine, zone unknown: UTC is the best guess left.
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def message_text(text: object, fail: Callable[[str], ImportFileError]) -> str:
    """The plain text: a string as is, or the parts of a list joined (entities give their text)."""
    if isinstance(text, str):
        return text
    if not isinstance(text, list):
        raise fail("`text` is neither a string nor a list of parts")
    parts = []
    for part in text:
        if isinstance(part, str):
            parts.append(part)
        elif isinstance(part, dict) and isinstance(part.get("text"), str):
            parts.append(part["text"])
        else:
            raise fail(f"a part of `text` is neither a string nor an entity: {part!r:.60}")
    return "".join(parts)


# Telegram Desktop's media_type -> our kind (photos have their own `photo` key).
_EXPORT_KINDS = {"video_file": "video", "voice_message": "voice", "audio_file": "audio"}


def export_media(
    message: Mapping[str, Any], message_id: int, folder: Path
) -> tuple[MediaItem, ...]:
    """The photo or file a message names beside result.json, queued for copying into the media
    archive; a file the export left out ("File not included") or one naming a path outside the
    export's folder is described, but has nothing to copy (its row fails with that reason)."""
    key = "photo" if isinstance(message.get("photo"), str) else "file"
    relative = message.get(key)
    if not isinstance(relative, str):
        return ()
    kind = (
        "photo" if key == "photo" else _EXPORT_KINDS.get(str(message.get("media_type")), "document")
    )
    local = _inside(folder, relative)

    def number(name: str) -> int | None:
        value = message.get(name)
        return (
            value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None
        )

    mime = message.get("mime_type")
    name = message.get("file_name")
    return (
        MediaItem(
            message_id,
            kind,
            str(mime) if isinstance(mime, str) else ("image/jpeg" if kind == "photo" else None),
            number("photo_file_size") or number("file_size"),
            number("width"),
            number("height"),
            float(d) if (d := number("duration_seconds")) is not None else None,
            str(name)[:255] if isinstance(name, str) else Path(relative).name[:255] or None,
            str(local) if local is not None else "",
        ),
    )


def _inside(folder: Path, relative: str) -> Path | None:
    """The absolute path of `relative` if it stays inside `folder` (no ../ escape), else None."""
    if relative.startswith("(") or "\x00" in relative:  # "(File not included. ...)"
        return None
    try:
        base = folder.resolve()
        path = (base / relative).resolve()
    except (OSError, ValueError):
        return None
    return path if path.is_relative_to(base) else None


def media_kind(message: Mapping[str, Any]) -> str | None:
    if "photo" in message:
        return "photo"
    if isinstance(message.get("media_type"), str):
        return str(message["media_type"])
    if "file" in message:
        return "document"
    if "poll" in message:
        return "poll"
    if "location_information" in message:
        return "location"
    return None


async def import_export(
    export: ChannelExport,
    *,
    channels: ChannelRepo,
    posts: PostRepo,
    now: datetime,
    find_hits: HitFinder,
    hooks: Sequence[SaveHook] = (),
    username: str | None = None,
    progress: Callable[[int], None] = lambda _n: None,
) -> ImportResult:
    """Store an export's posts and their hits in batches; importing it again changes nothing.

    Posts go in through the reader's Ingest, as polled ones do: each batch is matched and
    indexed first, then saved in one short transaction; every IMPORT_HOLD_S the import pauses
    so that a running service (another process on the same archive) gets the write lock.

    `hooks` run inside each saving transaction (the search index; the alert outbox only when
    the caller asked for alerts). `progress` is told how many posts each batch stored.
    """
    channel = await _channel(export, channels, username, now)
    # An export is a read of the channel's history: polling a channel never polled yet may start
    # after it. A channel already polled keeps its own cursor (an export may have gaps).
    moves_cursor = channel.last_seen_id == 0
    ingest = Ingest(posts, find_hits, hooks, log_level=logging.DEBUG)  # the progress bar tells
    total = new = edited = hits = 0
    held_since = time.monotonic()
    for batch in _batches(export.posts, IMPORT_BATCH):
        result = await ingest.save(
            channel.telegram_id,
            batch,
            now=now,
            read_through=max(p.message_id for p in batch) if moves_cursor else None,
        )
        if time.monotonic() - held_since >= IMPORT_HOLD_S:
            await asyncio.sleep(IMPORT_PAUSE_S)  # the service's writers take their turn
            held_since = time.monotonic()
        total += len(batch)
        new += len(result.new_posts)
        edited += len(result.edited_posts)
        hits += len(result.new_hits)
        progress(len(batch))
    return ImportResult(channel, total, new, edited, hits)


def _batches(posts: Iterable[Post], size: int) -> Iterator[tuple[Post, ...]]:
    remaining = iter(posts)
    while batch := tuple(islice(remaining, size)):
        yield batch


async def _channel(
    export: ChannelExport, channels: ChannelRepo, username: str | None, now: datetime
) -> Channel:
    """The export's channel; a new one is created disabled (importing is not watching)."""
    if username:
        named = await channels.find_channel(username)
        if named is not None and named.telegram_id != export.telegram_id:
            raise ImportFileError(
                export.source,
                "top level",
                f"the export is channel {export.telegram_id}, "
                f"but @{named.username} is channel {named.telegram_id} in the archive",
            )
    existing = await channels.find_channel(export.telegram_id)
    if existing is not None:
        return existing
    channel = Channel(export.telegram_id, export.title, username=username, enabled=False)
    return await channels.upsert_channel(channel, now=now)
