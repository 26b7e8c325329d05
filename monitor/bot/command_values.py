"""What each bot command asks for, as a value its parser makes and its handler runs (pure)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import timedelta

from monitor.bot.wording import Target


@dataclass(frozen=True, slots=True)
class Help:
    """What the commands are; also the answer to an unknown command."""

    command: str = "help"


@dataclass(frozen=True, slots=True)
class Start:
    invite_code: str | None = None
    note: str = ""  # anything else: a note for the admins ("Taras, researcher at ZMINA")


@dataclass(frozen=True, slots=True)
class Subscribe:
    """One or more things to subscribe to (a comma list), optionally only in some channels."""

    targets: tuple[Target, ...]
    channels: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class UnsubscribeAll:
    """Asks first: the answer has the buttons that confirm or cancel."""


@dataclass(frozen=True, slots=True)
class Unsubscribe:
    key: str  # the number /subscriptions shows, or the subscribed value


@dataclass(frozen=True, slots=True)
class ListSubscriptions:
    pass


@dataclass(frozen=True, slots=True)
class Rules:
    """Admins: the feedback on alerts, per rule and channel."""


@dataclass(frozen=True, slots=True)
class ListChannels:
    pass


@dataclass(frozen=True, slots=True)
class AddChannel:
    ref: str


@dataclass(frozen=True, slots=True)
class RemoveChannel:
    ref: str


@dataclass(frozen=True, slots=True)
class CheckText:
    text: str


@dataclass(frozen=True, slots=True)
class Mute:
    duration: timedelta  # zero: unmute


@dataclass(frozen=True, slots=True)
class Quiet:
    """Quiet hours (from, until) in minutes after local midnight; None: off; show: just show."""

    hours: tuple[int, int] | None
    show: bool = False


@dataclass(frozen=True, slots=True)
class SetTimezone:
    zone: str | None  # None: show the current one


@dataclass(frozen=True, slots=True)
class Stats:
    pass


@dataclass(frozen=True, slots=True)
class ListUsers:
    pending_only: bool = False


@dataclass(frozen=True, slots=True)
class Promote:
    user: str  # a numeric Telegram id or @username


@dataclass(frozen=True, slots=True)
class Demote:
    """Take back an admin role given with /promote (ADMIN_IDS admins are set in the config)."""

    user: str


@dataclass(frozen=True, slots=True)
class Block:
    user: str


@dataclass(frozen=True, slots=True)
class Invite:
    valid_for: timedelta = timedelta(days=2)


@dataclass(frozen=True, slots=True)
class Search:
    """Search the archive (the query syntax of docs/search.md)."""

    query: str


@dataclass(frozen=True, slots=True)
class EvidenceBundle:
    """One post's evidence bag as a zip (monitor.evidence)."""

    ref: str  # a t.me link or #archive id


@dataclass(frozen=True, slots=True)
class Export:
    """The posts a search finds, as a file in the chat."""

    query: str
    fmt: str = "csv"  # or "jsonl"


@dataclass(frozen=True, slots=True)
class ShowDigest:
    """This week's digest so far, on demand."""


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """What /subscribe can name: categories, rule ids, and a checker of keyword expressions."""

    categories: Collection[str]
    rule_ids: Collection[str]
    check_expression: Callable[[str], object]  # raises PatternError on a bad expression
