"""Bot commands, each declared once in COMMANDS: its name, example, who may run it, its parser
and its handler; /help, the Telegram command menu and the access check are derived from that
table. Parsing is pure: a message becomes a command value, or a CommandError that says what was
wrong and shows an example."""

from __future__ import annotations

import difflib
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from monitor.bot import arguments as arg
from monitor.bot import handlers as h
from monitor.bot import subscribing as sb
from monitor.bot.command_values import (
    AddChannel,
    Block,
    CheckText,
    Demote,
    EvidenceBundle,
    Export,
    Help,
    Invite,
    ListChannels,
    ListSubscriptions,
    ListUsers,
    Mute,
    Promote,
    Quiet,
    RemoveChannel,
    Rules,
    Search,
    SetTimezone,
    ShowDigest,
    Start,
    Stats,
    Subscribe,
    Unsubscribe,
    UnsubscribeAll,
    Vocabulary,
)
from monitor.bot.wording import read_subscription
from monitor.bot.zones import find_zone
from monitor.errors import CommandError

MAX_TEST_TEXT = 4000


_INVITE = re.compile(r"^[A-Za-z0-9_-]{6,64}$", re.ASCII)  # what /invite makes (token_urlsafe)
MAX_NOTE = 300


def _start(rest: str, _: Vocabulary) -> Start:
    """`/start CODE` redeems an invite; any other text is a note passed to the admins."""
    if not rest:
        return Start()
    if _INVITE.match(rest) and any(ch.isdigit() or ch in "_-" for ch in rest):
        return Start(rest)
    return Start(None, arg.quote(rest, MAX_NOTE))


def _subscribe(rest: str, vocabulary: Vocabulary) -> Subscribe:
    targets, channels = read_subscription(
        rest,
        categories=vocabulary.categories,
        rule_ids=vocabulary.rule_ids,
        check_expression=vocabulary.check_expression,
        example=usage("subscribe"),
    )
    return Subscribe(targets, channels)


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


_QUIET = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)\s*[-–—]\s*([01]?\d|2[0-3])[:.]([0-5]\d)$")


def _quiet(rest: str, _: Vocabulary) -> Quiet:
    if not rest:
        return Quiet(None, show=True)
    if rest.lower() in ("off", "no", "0", "none"):
        return Quiet(None)
    match = _QUIET.match(rest.strip())
    if match is None or match.group(1, 2) == match.group(3, 4):
        raise CommandError(
            f"“{arg.quote(rest)}” is not a window like 23:00-07:00 (or off). {usage('quiet')}"
        )
    h1, m1, h2, m2 = (int(x) for x in match.groups())
    return Quiet((h1 * 60 + m1, h2 * 60 + m2))


def _timezone(rest: str, _: Vocabulary) -> SetTimezone:
    if not rest:
        return SetTimezone(None)
    zone = find_zone(rest)
    if zone is None:
        raise CommandError(
            f"Unknown time zone “{arg.quote(rest)}”: use a city such as Kyiv or Moscow, an IANA "
            f"name such as Europe/Kyiv, or an offset such as +3. {usage('timezone')}"
        )
    return SetTimezone(zone)


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


def _export(rest: str, _: Vocabulary) -> Export:
    first, _sep, query = rest.partition(" ")
    fmt = first.lower() if first.lower() in ("csv", "jsonl") else "csv"
    query = query.strip() if first.lower() in ("csv", "jsonl") else rest
    if not query:
        raise CommandError(f"Say what to export: a search query. {usage('export')}")
    return Export(query, fmt)


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
        "/subscribe облава AND Мелитополь, /subscribe повестки,облава melitopol_vestnik)",
        _subscribe,
        sb.subscribe,
    ),
    Spec(
        "unsubscribe",
        "/unsubscribe 3",
        "stop one subscription (its number or its value)",
        _unsubscribe,
        sb.unsubscribe,
    ),
    Spec(
        "subscriptions",
        "/subscriptions",
        "what you are subscribed to",
        _no_args(ListSubscriptions()),
        sb.subscriptions,
    ),
    Spec(
        "list",
        "/list",
        "the same as /subscriptions",
        _no_args(ListSubscriptions()),
        sb.subscriptions,
    ),
    Spec(
        "unsubscribe_all",
        "/unsubscribe_all",
        "stop every subscription (asks first)",
        _no_args(UnsubscribeAll()),
        sb.unsubscribe_all,
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
        sb.check_text,
    ),
    Spec("mute", "/mute 2h", "hold alerts for a while (30m, 8h, 3d; /mute off)", _mute, h.mute),
    Spec(
        "quiet",
        "/quiet 23:00-07:00",
        "quiet hours: alerts are held and come when they end (/quiet off; alone: shows them)",
        _quiet,
        h.quiet,
    ),
    Spec(
        "timezone",
        "/timezone Kyiv",
        "the time zone dates are shown in (Kyiv, Europe/Moscow, +3; alone: the current one)",
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
        "export",
        "/export повестка since:2024-11-01",
        "the posts a search finds, as a CSV file for Excel (/export jsonl … for JSON lines)",
        _export,
        h.export,
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
        "rules",
        "/rules",
        "per rule and channel: alerts sent, 👍, 👎, precision, the 👎 posts",
        _no_args(Rules()),
        h.rules,
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
        close = difflib.get_close_matches(name, BY_NAME, n=1, cutoff=0.7)
        _, _, rest = text.partition(" ")
        hint = f" Did you mean: {arg.quote(f'/{close[0]} {rest}', 200)}?" if close else ""
        raise CommandError(f"Unknown command /{name[:40]}.{hint} Send /help to see the commands.")
    return spec


def parse_command(text: str, vocabulary: Vocabulary) -> Any:
    """A bot message -> a command value; CommandError with an example when it is malformed."""
    spec = find_command(text)
    _, _, rest = text.strip().partition(" ")
    return spec.parse(rest.strip(), vocabulary)
