"""What bot commands take as arguments: channels, users, durations, subscription numbers; each
parser gets the command's example to show when the argument is wrong (pure)."""

from __future__ import annotations

import re
from datetime import timedelta

from monitor.errors import CommandError
from monitor.reader.channel_ref import parse_channel_ref

MAX_DURATION = timedelta(days=30)
# Telegram's user and channel ids have at most 52 significant bits (core.telegram.org/api/bots/ids)
MAX_PEER_ID = 2**52 - 1
ID_DIGITS = 16  # more digits than any Telegram id: refused before int() reads them
_DURATION = re.compile(
    r"^([0-9]+)\s*(m|min|mins|minutes?|h|hours?|d|days?)$", re.IGNORECASE | re.ASCII
)
_USER = re.compile(r"^(@[A-Za-z][A-Za-z0-9_]{3,31}|[0-9]{3,})$", re.ASCII)


def quote(text: str, limit: int = 40) -> str:
    """A user's text inside an answer: one line, cut at `limit` characters."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def channel_name(ref: str, example: str) -> str:
    """`@name`, a t.me link or a numeric id (monitor.reader.channel_ref) as `@name` or digits."""
    try:
        parsed = parse_channel_ref(ref)
    except CommandError as e:
        raise CommandError(f"{e.user_message}. {example}") from None
    if parsed.channel_id is not None and parsed.channel_id > MAX_PEER_ID:
        raise CommandError(f"“{quote(ref)}” is not a channel id: too large. {example}")
    return str(parsed)


def one_channel(rest: str, example: str) -> str:
    if not rest or len(rest.split()) > 1:
        raise CommandError(f"Give one public channel: @name or a t.me link. {example}")
    return channel_name(rest, example)


def split_channels(rest: str, example: str) -> tuple[str, tuple[str, ...]]:
    """`X in @a @b` or `X in a,b` -> (X, ("@a", "@b")); only a trailing list of channels counts."""
    words = rest.split()
    for i in range(len(words) - 2, -1, -1):
        if words[i].lower() != "in":
            continue
        names = []
        for ref in (r for w in words[i + 1 :] for r in w.split(",") if r):
            try:
                names.append(channel_name(ref, example))
            except CommandError:
                raise CommandError(f"“{quote(ref)}” is not a channel name. {example}") from None
        return " ".join(words[:i]), tuple(dict.fromkeys(names))
    return rest, ()


def duration(raw: str, example: str) -> timedelta:
    """`30m`, `2h`, `3d`, `90 minutes`, between 1 minute and 30 days; CommandError otherwise."""
    match = _DURATION.match(raw.strip())
    if match is None:
        raise CommandError(f"“{quote(raw)}” is not a duration like 30m, 8h or 3d. {example}")
    digits = match[1].lstrip("0") or "0"
    minutes = {"m": 1, "h": 60}.get(match[2][0].lower(), 24 * 60)
    limit = MAX_DURATION.total_seconds() // 60
    if len(digits) > 9 or not 0 < int(digits) * minutes <= limit:  # 10 digits: too long anyway
        raise CommandError(f"Give between 1 minute and 30 days. {example}")
    return timedelta(minutes=int(digits) * minutes)


def user(rest: str, example: str) -> str:
    """A numeric Telegram id or an @username."""
    if not _USER.match(rest):
        raise CommandError(f"Name a user by @username or numeric id. {example}")
    if rest.isdigit() and not (len(rest) <= ID_DIGITS and 0 < int(rest) <= MAX_PEER_ID):
        raise CommandError(f"“{quote(rest)}” is not a Telegram user id: too large. {example}")
    return rest


def subscription_key(rest: str, example: str) -> str:
    """The number /subscriptions shows (`3` or `#3`), or the subscribed value."""
    if not rest:
        raise CommandError(f"Say which subscription to stop. {example}")
    key = rest.removeprefix("#")
    # ASCII digits only (int("²") fails), and none beyond the database's integer
    if key.isascii() and key.isdigit() and (len(key) > ID_DIGITS or int(key) > MAX_PEER_ID):
        raise CommandError(f"There is no subscription {quote(key)}. {example}")
    return key
