"""Bot commands: parse a message into a command value, or raise CommandError that says what was
wrong and shows an example (pure, no I/O)."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from monitor.domain import SubscriptionKind
from monitor.errors import CommandError, PatternError

MAX_MUTE = timedelta(days=30)
MAX_TEST_TEXT = 4000
# Telegram's user and channel ids have at most 52 significant bits (core.telegram.org/api/bots/ids)
MAX_PEER_ID = 2**52 - 1
_CHANNEL = re.compile(r"^(?:https?://)?(?:t\.me/|@)?([A-Za-z][A-Za-z0-9_]{3,31}|\d{5,})/?$")
_DURATION = re.compile(r"^(\d+)\s*(m|min|mins|minutes?|h|hours?|d|days?)$", re.IGNORECASE)
_USER = re.compile(r"^(@[A-Za-z][A-Za-z0-9_]{3,31}|\d{3,})$")


@dataclass(frozen=True, slots=True)
class Help:
    """What the commands are; also the answer to an unknown command."""

    command: str = "help"


@dataclass(frozen=True, slots=True)
class Start:
    invite_code: str | None = None


@dataclass(frozen=True, slots=True)
class Subscribe:
    kind: SubscriptionKind
    value: str
    channels: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Unsubscribe:
    key: str  # the number /subscriptions shows, or the subscribed value


@dataclass(frozen=True, slots=True)
class ListSubscriptions:
    pass


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
class SetTimezone:
    zone: str


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
class ShowDigest:
    """This week's digest so far, on demand."""


Command = (
    Help | Start | Subscribe | Unsubscribe | ListSubscriptions | ListChannels | AddChannel
    | RemoveChannel | CheckText | Mute | SetTimezone | Stats | ListUsers | Promote | Demote
    | Block | Invite | Search | ShowDigest
)  # fmt: skip

ADMIN_COMMANDS = (AddChannel, RemoveChannel, ListUsers, Promote, Demote, Block, Invite)

# name -> (usage example, what it does, admins only)
HELP: dict[str, tuple[str, str, bool]] = {
    "subscribe": (
        "/subscribe summons in @melitopol_news",
        "alerts for a category, a rule id, or a keyword expression, optionally only in "
        "some channels (e.g. /subscribe ru.summons.povestka, "
        "/subscribe облава AND Мелитополь)",
        False,
    ),
    "unsubscribe": ("/unsubscribe 3", "stop one subscription (its number or its value)", False),
    "subscriptions": ("/subscriptions", "what you are subscribed to", False),
    "channels": ("/channels", "the channels being watched", False),
    "test": ("/test В Мелитополе раздают повестки", "which rules match a text, and why", False),
    "mute": ("/mute 2h", "hold alerts for a while (30m, 8h, 3d; /mute off)", False),
    "timezone": ("/timezone Europe/Kyiv", "the time zone dates are shown in", False),
    "search": (
        "/search повестка channel:@melitopol_news since:2024-11-01",
        'search the archive in any inflected form (words, "phrases", -minus, OR, '
        "channel:, category:, since:, until:, hit:yes, deleted:yes)",
        False,
    ),
    "digest": ("/digest", "this week's digest so far, with its chart", False),
    "stats": ("/stats", "your alerts, and for admins the whole service", False),
    "help": ("/help", "this list", False),
    "addchannel": ("/addchannel @melitopol_news", "watch a public channel", True),
    "removechannel": ("/removechannel @melitopol_news", "stop watching a channel", True),
    "users": ("/users pending", "list users (all, or pending requests)", True),
    "promote": ("/promote @oksana", "make a user an admin", True),
    "demote": ("/demote @oksana", "take back an admin role given with /promote", True),
    "block": ("/block 123456789", "block a user: no commands, no alerts", True),
    "invite": ("/invite 24h", "a one-time invite code (valid 48 h unless told)", True),
}


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """What /subscribe can name: categories, rule ids, and a checker of keyword expressions."""

    categories: Collection[str]
    rule_ids: Collection[str]
    check_expression: Callable[[str], object]  # raises PatternError on a bad expression


def usage(name: str) -> str:
    example, _, _ = HELP[name]
    return f"Example: {example}"


def parse_command(text: str, vocabulary: Vocabulary) -> Command:
    """A bot message -> a command value; CommandError with an example when it is malformed."""
    text = text.strip()
    if not text.startswith("/"):
        raise CommandError("Commands start with /. Send /help to see them.")
    head, _, rest = text.partition(" ")
    name = head[1:].split("@", 1)[0].lower()  # "/subscribe@draftwatch_bot" in groups
    rest = rest.strip()
    parser = _PARSERS.get(name)
    if parser is None:
        raise CommandError(f"Unknown command /{name}. Send /help to see the commands.")
    return parser(rest, vocabulary)


def _start(rest: str, _: Vocabulary) -> Command:
    return Start(rest.split()[0] if rest else None)


def _subscribe(rest: str, vocabulary: Vocabulary) -> Command:
    if not rest:
        raise CommandError(f"Say what to subscribe to. {usage('subscribe')}")
    target, channels = _split_channels(rest)
    if not target:
        raise CommandError(f"Say what to subscribe to before “in”. {usage('subscribe')}")
    if target in vocabulary.categories:
        return Subscribe(SubscriptionKind.CATEGORY, target, channels)
    if target in vocabulary.rule_ids:
        return Subscribe(SubscriptionKind.RULE, target, channels)
    try:
        vocabulary.check_expression(target)
    except PatternError as e:
        raise CommandError(
            f"“{target}” is not a category or rule, and not a valid expression: {e.problem}. "
            f"{usage('subscribe')}"
        ) from e
    return Subscribe(SubscriptionKind.EXPRESSION, target, channels)


def _split_channels(rest: str) -> tuple[str, tuple[str, ...]]:
    """`X in @a @b` -> (X, ("@a", "@b")); only a trailing list of channel names counts."""
    words = rest.split()
    for i in range(len(words) - 2, -1, -1):
        if words[i].lower() != "in":
            continue
        refs = words[i + 1 :]
        if all(_CHANNEL.match(r.rstrip(",")) for r in refs):
            names = tuple(_channel_name(r.rstrip(",")) for r in refs)
            return " ".join(words[:i]), names
        bad = next(r for r in refs if not _CHANNEL.match(r.rstrip(",")))
        raise CommandError(f"“{bad}” is not a channel name. {usage('subscribe')}")
    return rest, ()


def _channel_name(ref: str) -> str:
    match = _CHANNEL.match(ref)
    assert match is not None
    name = match[1]
    return name if name.isdigit() else "@" + name


def _unsubscribe(rest: str, _: Vocabulary) -> Command:
    if not rest:
        raise CommandError(f"Say which subscription to stop. {usage('unsubscribe')}")
    key = rest.removeprefix("#")
    if key.isdigit() and int(key) > MAX_PEER_ID:  # would overflow the database's integer
        raise CommandError(f"There is no subscription {key[:40]}. {usage('unsubscribe')}")
    return Unsubscribe(key)


def _channel_arg(name: str) -> Callable[[str, Vocabulary], str]:
    def parse(rest: str, _: Vocabulary) -> str:
        if not rest or not _CHANNEL.match(rest):
            raise CommandError(f"Give one public channel: @name or a t.me link. {usage(name)}")
        channel = _channel_name(rest)
        if channel.isdigit() and not 0 < int(channel) <= MAX_PEER_ID:
            raise CommandError(f"“{rest[:40]}” is not a channel id: too large. {usage(name)}")
        return channel

    return parse


def _test(rest: str, _: Vocabulary) -> Command:
    if not rest:
        raise CommandError(f"Give a text to test. {usage('test')}")
    if len(rest) > MAX_TEST_TEXT:
        raise CommandError(f"The text is too long: at most {MAX_TEST_TEXT} characters.")
    return CheckText(rest)


def parse_duration(raw: str, command: str = "mute") -> timedelta:
    """`30m`, `2h`, `3d`, `90 minutes`, between 1 minute and 30 days; CommandError otherwise."""
    match = _DURATION.match(raw.strip())
    if match is None:
        raise CommandError(f"“{raw[:40]}” is not a duration like 30m, 8h or 3d. {usage(command)}")
    amount, unit = int(match[1]), match[2][0].lower()
    minutes = {"m": 1, "h": 60}.get(unit, 24 * 60)
    if not 0 < amount * minutes <= MAX_MUTE.total_seconds() // 60:
        raise CommandError(f"Give between 1 minute and 30 days. {usage(command)}")
    return timedelta(minutes=amount * minutes)


def _mute(rest: str, _: Vocabulary) -> Command:
    if rest.lower() in ("off", "0", "no", "stop"):
        return Mute(timedelta(0))
    if not rest:
        raise CommandError(f"Say for how long. {usage('mute')}")
    return Mute(parse_duration(rest))


def _timezone(rest: str, _: Vocabulary) -> Command:
    if not rest:
        raise CommandError(f"Give an IANA time zone. {usage('timezone')}")
    try:
        ZoneInfo(rest)
    except (ZoneInfoNotFoundError, ValueError):
        raise CommandError(
            f"Unknown time zone “{rest}”: use a name such as Europe/Kyiv or Europe/Moscow. "
            f"{usage('timezone')}"
        ) from None
    return SetTimezone(rest)


def _users(rest: str, _: Vocabulary) -> Command:
    if rest not in ("", "pending"):
        raise CommandError(f"Say “pending” or nothing. {usage('users')}")
    return ListUsers(pending_only=rest == "pending")


def _user_arg(name: str) -> Callable[[str, Vocabulary], str]:
    def parse(rest: str, _: Vocabulary) -> str:
        if not _USER.match(rest):
            raise CommandError(f"Name a user by @username or numeric id. {usage(name)}")
        if rest.isdigit() and not 0 < int(rest) <= MAX_PEER_ID:
            raise CommandError(f"“{rest[:40]}” is not a Telegram user id: too large. {usage(name)}")
        return rest

    return parse


def _invite(rest: str, _: Vocabulary) -> Command:
    return Invite(parse_duration(rest, "invite")) if rest else Invite()


def _search(rest: str, _: Vocabulary) -> Command:
    if not rest:
        raise CommandError(f"Say what to search for. {usage('search')}")
    return Search(rest)


def _no_args(command: Command) -> Callable[[str, Vocabulary], Command]:
    return lambda _rest, _vocabulary: command


_PARSERS: dict[str, Callable[[str, Vocabulary], Command]] = {
    "start": _start,
    "help": _no_args(Help()),
    "subscribe": _subscribe,
    "unsubscribe": _unsubscribe,
    "subscriptions": _no_args(ListSubscriptions()),
    "channels": _no_args(ListChannels()),
    "addchannel": lambda r, v: AddChannel(_channel_arg("addchannel")(r, v)),
    "removechannel": lambda r, v: RemoveChannel(_channel_arg("removechannel")(r, v)),
    "test": _test,
    "mute": _mute,
    "timezone": _timezone,
    "stats": _no_args(Stats()),
    "users": _users,
    "promote": lambda r, v: Promote(_user_arg("promote")(r, v)),
    "demote": lambda r, v: Demote(_user_arg("demote")(r, v)),
    "block": lambda r, v: Block(_user_arg("block")(r, v)),
    "invite": _invite,
    "search": _search,
    "digest": _no_args(ShowDigest()),
}
