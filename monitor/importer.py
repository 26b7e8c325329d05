"""Import a Telegram Desktop channel export (result.json): parse it (pure), then store it (orchestration).

Telegram Desktop's "Export chat history" writes `result.json`: the channel's `name`, `type` and
bare `id`, and `messages`, each with `id`, `type` ("message" or "service"), `date` (local time
of the exporting machine, no zone) and `date_unixtime` (UTC seconds), `edited_unixtime`,
`text` (a string, or a list of strings and entity parts {type, text, ...}), `photo` / `file` /
`media_type` and `forwarded_from`. Service messages are skipped; every other message is a post.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from monitor.domain import Channel, Post
from monitor.errors import ImportFileError
from monitor.store.channels import ChannelRepo
from monitor.store.posts import HitFinder, PostRepo, SaveHook

CHANNEL_TYPES = ("public_channel", "private_channel")
IMPORT_BATCH = 200


@dataclass(frozen=True, slots=True)
class ChannelExport:
    """A parsed export: the channel's bare id and title, its posts, and how many were skipped."""

    source: str
    telegram_id: int
    title: str
    posts: tuple[Post, ...]
    skipped: int


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
    """Read and parse result.json; ImportFileError names what broke, down to the message."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ImportFileError(str(path), "file", f"cannot be read: {e.strerror}") from e
    except UnicodeDecodeError as e:
        raise ImportFileError(str(path), "file", "is not UTF-8 text") from e
    except json.JSONDecodeError as e:
        where = f"line {e.lineno}, column {e.colno}"
        raise ImportFileError(str(path), where, f"is not valid JSON ({e.msg})") from e
    return parse_export(data, source=str(path))


def parse_export(data: object, *, source: str) -> ChannelExport:
    """The channel and posts of a decoded export (pure)."""
    if not isinstance(data, dict):
        raise ImportFileError(source, "top level", "is not a JSON object: not a result.json")
    if "chats" in data and "messages" not in data:
        raise ImportFileError(
            source, "top level", "is a whole-account export; export one channel's history"
        )
    kind = data.get("type")
    if kind not in CHANNEL_TYPES:
        raise ImportFileError(
            source, "top level", f"type is {kind!r}, not a channel ({', '.join(CHANNEL_TYPES)})"
        )
    messages = data.get("messages")
    if not isinstance(messages, list):
        raise ImportFileError(source, "top level", "has no `messages` list")
    telegram_id = _channel_id(source, data.get("id"))
    title = data.get("name") if isinstance(data.get("name"), str) else str(telegram_id)
    posts = []
    for index, message in enumerate(messages):
        post = parse_message(message, index=index, channel_id=telegram_id, source=source)
        if post is not None:
            posts.append(post)
    return ChannelExport(source, telegram_id, str(title), tuple(posts), len(messages) - len(posts))


def _channel_id(source: str, raw: object) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw == 0:
        raise ImportFileError(source, "top level", f"`id` is not a channel id: {raw!r}")
    bare = str(abs(raw))
    if raw < 0 and bare.startswith("100") and len(bare) > 10:
        bare = bare[3:]  # a marked id (-100...) as Telethon prints it
    return int(bare)


def parse_message(message: object, *, index: int, channel_id: int, source: str) -> Post | None:
    """One message as a Post; None for service messages. `index` is its place in the file."""
    if not isinstance(message, dict):
        raise ImportFileError(source, f"message #{index}", "is not a JSON object")
    raw_id = message.get("id")
    where = f"message #{index} (id {raw_id!r})"
    if isinstance(raw_id, bool) or not isinstance(raw_id, int) or raw_id <= 0:
        raise ImportFileError(source, where, "has no positive integer `id`")
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
            raise fail(f"`{key}_unixtime` is not a number of seconds: {unix!r}") from None
    local = message.get(key)
    if local is None:
        return None
    try:
        parsed = datetime.fromisoformat(str(local))
    except ValueError:
        raise fail(f"`{key}` is not a date and time: {local!r}") from None
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

    `hooks` run inside each saving transaction (the search index; the alert outbox only when
    the caller asked for alerts). `progress` is told how many posts each batch stored.
    """
    channel = await _channel(export, channels, username, now)
    new = edited = hits = 0
    for start in range(0, len(export.posts), IMPORT_BATCH):
        batch = export.posts[start : start + IMPORT_BATCH]
        result = await posts.save_posts(
            channel.telegram_id, batch, now=now, find_hits=find_hits, hooks=hooks
        )
        new += len(result.new_posts)
        edited += len(result.edited_posts)
        hits += len(result.new_hits)
        progress(len(batch))
    return ImportResult(channel, len(export.posts), new, edited, hits)


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
