"""How analysts write subscriptions, read into targets and channels: `X in @a @b`, the comma
lists of keyword_alert_bot (`повестки,облава melitopol_vestnik,crimea_alarm`), and a corrected
command to suggest when a line cannot be read (pure)."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass

from monitor.bot import arguments as arg
from monitor.domain import SubscriptionKind
from monitor.errors import CommandError, PatternError

MAX_TARGETS = 20  # one command adds at most this many subscriptions
_OPERATORS = {"and", "or", "not", "near", "in"}
_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*\*?", re.UNICODE)
_CHANNELISH = re.compile(r"^(@|https?://|t\.me/)|^[A-Za-z][A-Za-z0-9_]{4,31}$", re.ASCII)


@dataclass(frozen=True, slots=True)
class Target:
    """One thing to subscribe to: a category, a rule id or a keyword expression."""

    kind: SubscriptionKind
    value: str


def read_subscription(
    rest: str,
    *,
    categories: Collection[str],
    rule_ids: Collection[str],
    check_expression: Callable[[str], object],
    example: str,
    suggest: bool = True,
) -> tuple[tuple[Target, ...], tuple[str, ...]]:
    """`/subscribe`'s argument -> (targets, channels); CommandError naming the problem, with a
    corrected command when one can be guessed (and `suggest`)."""

    def suggestion() -> str:
        return _suggestion(rest, categories, rule_ids, check_expression) if suggest else ""

    if not rest:
        raise CommandError(f"Say what to subscribe to. {example}")
    what, channels = _split(rest, example)
    pieces = [p.strip() for p in what.split(",")]
    if not what or any(not p for p in pieces):
        raise CommandError(
            f"Say what to subscribe to, words separated by commas. {example}" + suggestion()
        )
    if len(pieces) > MAX_TARGETS:
        raise CommandError(f"At most {MAX_TARGETS} words or categories in one command.")
    targets = []
    for piece in dict.fromkeys(pieces):
        if piece in categories:
            targets.append(Target(SubscriptionKind.CATEGORY, piece))
        elif piece in rule_ids:
            targets.append(Target(SubscriptionKind.RULE, piece))
        else:
            try:
                check_expression(piece)
            except PatternError as e:
                raise CommandError(
                    f"“{arg.quote(piece)}” is not a category or rule, and not a valid "
                    f"expression: {arg.quote(e.problem, 200)}. {example}" + suggestion()
                ) from e
            targets.append(Target(SubscriptionKind.EXPRESSION, piece))
    return tuple(targets), channels


def _split(rest: str, example: str) -> tuple[str, tuple[str, ...]]:
    """`X in @a, @b` or keyword_alert_bot's `words channels` -> (X, channels)."""
    what, channels = arg.split_channels(rest, example)
    if channels:
        return what, channels
    head, _, last = rest.rpartition(" ")
    if (
        head
        and not any(w.lower() in _OPERATORS for w in head.split())
        and _names_channels(head, last)
    ):
        refs = [r for r in last.split(",") if r]
        try:
            return head.strip(), tuple(arg.channel_name(r, example) for r in refs)
        except CommandError:
            return rest, ()
    return rest, ()


def _names_channels(head: str, last: str) -> bool:
    """Whether the last word of `head last` is a list of channels, keyword_alert_bot style: it
    has commas or an @ or a link, or it is a Latin name after words (or lists) in Cyrillic."""
    refs = [r for r in last.split(",") if r]
    if not refs or not all(_CHANNELISH.match(r) for r in refs):
        return False
    marked = "," in last or any(r.startswith(("@", "http", "t.me/")) for r in refs)
    return marked or "," in head or not head.isascii()


def _suggestion(
    rest: str,
    categories: Collection[str],
    rule_ids: Collection[str],
    check_expression: Callable[[str], object],
) -> str:
    """`\nDid you mean: /subscribe повестки, облава in @melitopol_vestnik`, or nothing."""
    words, channels = [], []
    for token in re.split(r"[\s,;]+", rest):
        token = token.strip("()[]<>\"'«»“”.")
        if not token or token.lower() in _OPERATORS:
            continue
        if _CHANNELISH.match(token) and (token.startswith("@") or "_" in token or "/" in token):
            try:
                channels.append(arg.channel_name(token, ""))
                continue
            except CommandError:
                pass
        words += [w for w in _WORD.findall(token) if w.lower() not in _OPERATORS]
    words = list(dict.fromkeys(words))[:MAX_TARGETS]
    if not words:
        return ""
    line = ", ".join(words) + (f" in {' '.join(dict.fromkeys(channels))}" if channels else "")
    try:
        read_subscription(
            line,
            categories=categories,
            rule_ids=rule_ids,
            check_expression=check_expression,
            example="",
            suggest=False,
        )
    except CommandError:
        return ""
    return f"\nDid you mean: /subscribe {line}"
