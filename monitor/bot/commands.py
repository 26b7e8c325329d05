"""Bot commands, each declared once in COMMANDS: its name, example, who may run it, its parser
and its handler; /help, the Telegram command menu and the access check are derived from that
table. Parsing is pure: a message becomes a command value, or a CommandError that says what was
wrong and shows an example."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from monitor.bot import arguments as arg
from monitor.bot import handlers as h
from monitor.domain import SubscriptionKind
from monitor.errors import CommandError, PatternError

MAX_TEST_TEXT = 4000


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
class EvidenceBundle:
    """One post's evidence bag as a zip (monitor.evidence)."""

    ref: str  # a t.me link or #archive id


@dataclass(frozen=True, slots=True)
class ShowDigest:
    """This week's digest so far, on demand."""


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """What /subscribe can name: categories, rule ids, and a checker of keyword expressions."""

    categories: Collection[str]
    rule_ids: Collection[str]
    check_expression: Callable[[str], object]  # raises PatternError on a bad expression


def _start(rest: str, _: Vocabulary) -> Start:
    return Start(rest.split()[0] if rest else None)


def _subscribe(rest: str, vocabulary: Vocabulary) -> Subscribe:
    if not rest:
        raise CommandError(f"Say what to subscribe to. {usage('subscribe')}")
    target, channels = arg.split_channels(rest, usage("subscribe"))
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
            f"“{arg.quote(target)}” is not a category or rule, and not a valid expression: "
            f"{arg.quote(e.problem, 200)}. "
            f"{usage('subscribe')}"
        ) from e
    return Subscribe(SubscriptionKind.EXPRESSION, target, channels)


def _unsubscribe(rest: str, _: Vocabulary) -> Unsubscribe:
    return Unsubscribe(arg.subscription_key(rest, usage("unsubscribe")))


def _test(rest: str, _: Vocabulary) -> CheckText:
    if not rest:
        raise CommandError(f"Give a text to test. {usage('test')}")
    if len(rest) > MAX_TEST_TEXT:
        raise CommandError(f"The text is too long: at most {MAX_TEST_TEXT} characters.")
    return CheckText(rest)


def _mute(rest: str, _: Vocabulary) -> Mute:
    if rest.lower() in ("off", "0", "no", "stop"):
        return Mute(timedelta(0))
    if not rest:
        raise CommandError(f"Say for how long. {usage('mute')}")
    return Mute(arg.duration(rest, usage("mute")))


def _timezone(rest: str, _: Vocabulary) -> SetTimezone:
    if not rest:
        raise CommandError(f"Give an IANA time zone. {usage('timezone')}")
    try:
        ZoneInfo(rest)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a path
        raise CommandError(
            f"Unknown time zone “{arg.quote(rest)}”: use a name such as Europe/Kyiv or Europe/Moscow. "
            f"{usage('timezone')}"
        ) from None
    return SetTimezone(rest)


def _users(rest: str, _: Vocabulary) -> ListUsers:
    if rest not in ("", "pending"):
        raise CommandError(f"Say “pending” or nothing. {usage('users')}")
    return ListUsers(pending_only=rest == "pending")


def _invite(rest: str, _: Vocabulary) -> Invite:
    return Invite(arg.duration(rest, usage("invite"))) if rest else Invite()


def _search(rest: str, _: Vocabulary) -> Search:
    if not rest:
        raise CommandError(f"Say what to search for. {usage('search')}")
    return Search(rest)


def _evidence(rest: str, _: Vocabulary) -> EvidenceBundle:
    if not rest:
        raise CommandError(f"Name the post: its link or #id. {usage('evidence')}")
    return EvidenceBundle(rest)


def _no_args(command: object) -> Callable[[str, Vocabulary], object]:
    return lambda _rest, _vocabulary: command


class Audience(StrEnum):
    """Who may run a command."""

    ANYONE = "anyone"  # even a stranger: /start is how one asks for access
    MEMBERS = "members"  # approved subscribers
    ADMINS = "admins"  # ADMIN_IDS and promoted admins


Parser = Callable[[str, Vocabulary], Any]
Handler = Callable[[h.Context, Any], Awaitable[h.Answer]]


@dataclass(frozen=True, slots=True)
class Spec:
    """One bot command, declared once: /help, the command menu and the access check read it."""

    name: str
    example: str  # starts with /name and parses
    help: str  # what it does; empty: not listed in /help nor in the menu
    parse: Parser
    run: Handler
    who: Audience = Audience.MEMBERS


def _argument(
    value: Callable[[str], object], parse: Callable[[str, str], str], name: str
) -> Parser:
    """A command of one argument: `parse` it with the command's example, wrap it in `value`."""
    return lambda rest, _vocabulary: value(parse(rest, usage(name)))


def _ch(value: Callable[[str], object], name: str) -> Parser:
    return _argument(value, arg.one_channel, name)


def _usr(value: Callable[[str], object], name: str) -> Parser:
    return _argument(value, arg.user, name)


M, A = Audience.MEMBERS, Audience.ADMINS
# The bot's commands in /help order; adding one is adding a row (its handler lives in handlers.py
# or in its capability's folder).
COMMANDS: tuple[Spec, ...] = (
    Spec("start", "/start", "", _start, h.show_help, Audience.ANYONE),
    Spec(
        "subscribe",
        "/subscribe summons in @melitopol_news",
        "alerts for a category, a rule id, or a keyword expression, optionally only in "
        "some channels (e.g. /subscribe ru.summons.povestka, "
        "/subscribe облава AND Мелитополь)",
        _subscribe,
        h.subscribe,
    ),
    Spec(
        "unsubscribe",
        "/unsubscribe 3",
        "stop one subscription (its number or its value)",
        _unsubscribe,
        h.unsubscribe,
    ),
    Spec(
        "subscriptions",
        "/subscriptions",
        "what you are subscribed to",
        _no_args(ListSubscriptions()),
        h.subscriptions,
    ),
    Spec(
        "channels",
        "/channels",
        "the channels being watched",
        _no_args(ListChannels()),
        h.channels,
    ),
    Spec(
        "test",
        "/test В Мелитополе раздают повестки",
        "which rules match a text, and why",
        _test,
        h.check_text,
    ),
    Spec("mute", "/mute 2h", "hold alerts for a while (30m, 8h, 3d; /mute off)", _mute, h.mute),
    Spec(
        "timezone",
        "/timezone Europe/Kyiv",
        "the time zone dates are shown in",
        _timezone,
        h.timezone,
    ),
    Spec(
        "search",
        "/search повестка channel:@melitopol_news since:2024-11-01",
        'search the archive in any inflected form (words, "phrases", -minus, OR, '
        "channel:, category:, since:, until:, hit:yes, deleted:yes)",
        _search,
        h.search,
    ),
    Spec(
        "digest",
        "/digest",
        "this week's digest so far, with its chart",
        _no_args(ShowDigest()),
        h.digest,
    ),
    Spec(
        "evidence",
        "/evidence https://t.me/melitopol_news/123",
        "one post's evidence bundle (link or #id) as a zip: its captures, versions, custody "
        "proofs and timestamps, checkable by anyone",
        _evidence,
        h.evidence,
    ),
    Spec(
        "stats",
        "/stats",
        "your alerts, and for admins the whole service",
        _no_args(Stats()),
        h.stats,
    ),
    Spec("help", "/help", "this list", _no_args(Help()), h.show_help),
    Spec(
        "addchannel",
        "/addchannel @melitopol_news",
        "watch a public channel",
        _ch(AddChannel, "addchannel"),
        h.add_channel,
        A,
    ),
    Spec(
        "removechannel",
        "/removechannel @melitopol_news",
        "stop watching a channel",
        _ch(RemoveChannel, "removechannel"),
        h.remove_channel,
        A,
    ),
    Spec("users", "/users pending", "list users (all, or pending requests)", _users, h.users, A),
    Spec(
        "promote",
        "/promote @oksana",
        "make a user an admin",
        _usr(Promote, "promote"),
        h.promote,
        A,
    ),
    Spec(
        "demote",
        "/demote @oksana",
        "take back an admin role given with /promote",
        _usr(Demote, "demote"),
        h.demote,
        A,
    ),
    Spec(
        "block",
        "/block 123456789",
        "block a user: no commands, no alerts",
        _usr(Block, "block"),
        h.block,
        A,
    ),
    Spec(
        "invite",
        "/invite 24h",
        "a one-time invite code (valid 48 h unless told)",
        _invite,
        h.invite,
        A,
    ),
)
BY_NAME: dict[str, Spec] = {spec.name: spec for spec in COMMANDS}
assert len(BY_NAME) == len(COMMANDS), "a command is declared twice"


def usage(name: str) -> str:
    return f"Example: {BY_NAME[name].example}"


def listed(*, admin: bool) -> list[Spec]:
    """The commands /help and the command menu show to an admin, or to everyone else."""
    return [s for s in COMMANDS if s.help and (admin or s.who is not Audience.ADMINS)]


def command_name(text: str) -> str:
    """`/Subscribe@draftwatch_bot summons` -> `subscribe` (the bot's name is added in groups)."""
    return text.strip().split(" ", 1)[0][1:].split("@", 1)[0].lower()


def find_command(text: str) -> Spec:
    """The declaration of the command a message names; CommandError for anything else."""
    text = text.strip()
    if not text.startswith("/"):
        raise CommandError("Commands start with /. Send /help to see them.")
    name = command_name(text)
    spec = BY_NAME.get(name)
    if spec is None:
        raise CommandError(f"Unknown command /{name[:40]}. Send /help to see the commands.")
    return spec


def parse_command(text: str, vocabulary: Vocabulary) -> Any:
    """A bot message -> a command value; CommandError with an example when it is malformed."""
    spec = find_command(text)
    _, _, rest = text.strip().partition(" ")
    return spec.parse(rest.strip(), vocabulary)
