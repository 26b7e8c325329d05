"""Reader accounts: their names and session files, their health, and which one reads a channel
(rendezvous hashing over the healthy accounts); pure but for listing session files."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from monitor.domain import Channel

DEFAULT_ACCOUNT = "default"
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")

AccountState = Literal["healthy", "dead", "flood"]


def check_account_name(name: str) -> str:
    """The name, lower-cased, or ValueError saying what a name may be."""
    wanted = name.strip().lower()
    if not _NAME.match(wanted):
        raise ValueError(
            f"{name!r} is not an account name: use 1-32 letters, digits, - or _ (e.g. kyiv2)"
        )
    return wanted


def account_session(reader_session: Path, name: str) -> Path:
    """The session of account `name`: READER_SESSION for "default", else beside it as
    <stem>.<name>.session (data/reader.session -> data/reader.kyiv2.session)."""
    if name == DEFAULT_ACCOUNT:
        return reader_session
    base = reader_session.name.removesuffix(".session")
    return reader_session.with_name(f"{base}.{name}.session")


def account_names(reader_session: Path) -> list[str]:
    """ "default" and every account logged in beside it (a <stem>.<name>.session file), sorted."""
    base = reader_session.name.removesuffix(".session")
    found = {DEFAULT_ACCOUNT}
    if reader_session.parent.is_dir():
        for path in reader_session.parent.glob(f"{base}.*.session"):
            name = path.name.removeprefix(f"{base}.").removesuffix(".session")
            if _NAME.match(name):
                found.add(name)
    return sorted(found)


def pin_key(channel: Channel) -> str:
    """What a channel is pinned by: its username (known before the first resolve), else its id."""
    return channel.username.lower() if channel.username else f"id:{channel.telegram_id}"


def ref_pin_key(username: str | None, channel_id: int | None) -> str:
    return username.lower() if username else f"id:{channel_id}"


def _weight(key: str, account: str) -> int:
    digest = hashlib.blake2b(f"{account}\x00{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def owner_of(key: str, accounts: Iterable[str]) -> str:
    """Rendezvous (highest random weight) hashing: the account with the highest weight for `key`.

    Losing an account moves only its own keys; adding one takes ~1/N of the keys. ValueError
    when there is no account to choose.
    """
    best = max(accounts, key=lambda a: (_weight(key, a), a), default=None)
    if best is None:
        raise ValueError("no healthy reader account: log one in with `python bot.py login`")
    return best


def assign(channels: Sequence[Channel], accounts: Iterable[str]) -> dict[int, str]:
    """telegram_id -> the account that reads it."""
    names = list(accounts)
    return {c.telegram_id: owner_of(pin_key(c), names) for c in channels}


@dataclass(frozen=True, slots=True)
class AccountHealth:
    """One reader account as `status` shows it: healthy, dead (session gone or banned) or held
    by a long flood wait until `held_until`."""

    name: str
    state: AccountState = "healthy"
    reason: str | None = None
    held_until: datetime | None = None
    checked_at: datetime | None = None
    user: str | None = None  # the Telegram account's name, when known

    def usable(self, now: datetime) -> bool:
        if self.state == "healthy":
            return True
        return self.state == "flood" and self.held_until is not None and self.held_until <= now
