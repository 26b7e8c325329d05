"""Parse what people type to name a channel: @name, t.me links, numeric ids (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from monitor.errors import CommandError

MAX_ID = 2**63 - 1  # SQLite's INTEGER and Telegram's int64; real channel ids are below 2**40
_DIGITS = re.compile(r"[0-9]+")
_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$")
_LINK = re.compile(
    r"^(?:https?://)?(?:www\.)?(?:t\.me|telegram\.me|telegram\.dog)/(?P<rest>.+)$", re.I
)


@dataclass(frozen=True, slots=True)
class ChannelRef:
    """A channel named by username or by bare numeric id (exactly one is set)."""

    username: str | None = None
    channel_id: int | None = None

    @property
    def key(self) -> int | str:
        """What the channel repository looks it up by: the username, else the id."""
        return self.username or self.channel_id or 0

    def __str__(self) -> str:
        return f"@{self.username}" if self.username else str(self.channel_id)


def parse_channel_ref(text: str) -> ChannelRef:
    """`@name`, `name`, `https://t.me/name[/123]`, `t.me/s/name`, `-1001234567890` or `1234567890`."""
    raw = text.strip()
    if not raw:
        raise CommandError("name a channel: @username, a t.me link or a numeric id")
    if re.fullmatch(r"-?[0-9]+", raw):
        return ChannelRef(channel_id=_bare_id(raw))
    link = _LINK.match(raw)
    if link:
        parts = [p for p in link["rest"].split("?")[0].split("/") if p]
        if parts and (parts[0].startswith("+") or parts[0] == "joinchat"):
            raise CommandError(
                f"{raw:.60} is a private invite link: draftwatch reads public channels only"
            )
        if parts and parts[0] == "c" and len(parts) > 1 and _DIGITS.fullmatch(parts[1]):
            return ChannelRef(channel_id=channel_id(parts[1]))
        if parts and parts[0] == "s":
            parts = parts[1:]
        raw = parts[0] if parts else ""
    name = raw.removeprefix("@")
    if not _USERNAME.match(name):
        raise CommandError(
            f"{text.strip()!r:.60} is not a channel username: use 5-32 letters, digits or _, "
            "for example @melitopol_news or https://t.me/melitopol_news"
        )
    return ChannelRef(username=name)


def channel_id(digits: str) -> int:
    """A bare channel id written in ASCII digits; CommandError when it is 0 or beyond int64."""
    significant = digits.lstrip("0")
    # More than 19 digits is out of range whatever they are (and int() of thousands is slow).
    value = int(significant) if 0 < len(significant) <= 19 else 0
    if value > MAX_ID or value == 0:
        raise CommandError(
            f"{digits[:24]}{'…' if len(digits) > 24 else ''} is not a channel id: "
            "channel ids are positive numbers like 1234567890 (or -1001234567890)"
        )
    return value


def _bare_id(text: str) -> int:
    """Telegram's marked channel ids (-100...) to the bare id."""
    if text.startswith("-100") and len(text) > 4:
        return channel_id(text[4:])
    if text.startswith("-") or not text.lstrip("0"):
        raise CommandError(f"{text[:24]} is not a channel id: channel ids look like -1001234567890")
    return channel_id(text)
