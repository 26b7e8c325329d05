"""Alert delivery values: who gets a post and why, near-duplicate stories, messages to send (pure, no I/O)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from monitor.domain import Channel, Hit, Post, Subscriber, Subscription, SubscriptionKind
from monitor.errors import PatternError
from monitor.matching import Matcher, compile_expression

# (expression, text) -> the hits of that keyword expression in the text; empty when it does not
# match. The app builds it from the matching package (compile_expression), caching compiled ones.
ExpressionHits = Callable[[str, str], Sequence[Hit]]

EXPRESSION_RULE_PREFIX = "expr:"
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_NOISE = re.compile(r"https?://\S+|t\.me/\S+|@\w+|#\w+", re.UNICODE)
STORY_MIN_WORDS = 6  # shorter texts are too generic to call two posts one story
STORY_OVERLAP = 0.7  # share of the shorter text's word pairs found in the other


def expression_rule_id(expression: str) -> str:
    """The rule id an alert records for a keyword-expression subscription."""
    return EXPRESSION_RULE_PREFIX + expression


def make_expression_hits(cache_size: int = 1024) -> ExpressionHits:
    """ExpressionHits over the pattern language, each expression compiled once (LRU cache).

    An expression that no longer compiles (the language changed since it was saved) matches
    nothing rather than breaking every save.
    """

    @lru_cache(maxsize=cache_size)
    def compiled(expression: str) -> Matcher | None:
        try:
            return compile_expression(expression, expression_rule_id(expression), "keywords")
        except PatternError:
            return None

    def hits(expression: str, text: str) -> Sequence[Hit]:
        matcher = compiled(expression)
        return matcher.find_hits(text) if matcher is not None else []

    return hits


def channel_keys(channel: Channel) -> frozenset[str]:
    """How a subscription's `in @chan` list may name a channel: username or bare id."""
    keys = {str(channel.telegram_id)}
    if channel.username:
        keys.add(channel.username.lower())
    return frozenset(keys)


def normalize_channel_ref(ref: str) -> str:
    """`@Name`, `t.me/Name` and `name` are one channel: lowercase, without @ or the link part."""
    ref = ref.strip()
    for prefix in ("https://", "http://", "t.me/", "@"):
        ref = ref.removeprefix(prefix)
    return ref.strip("/").lower()


def select_recipients(
    subscriptions: Iterable[Subscription],
    hits: Sequence[Hit],
    channel: Channel,
    expression_matches: Callable[[str], bool],
) -> dict[int, list[str]]:
    """Subscriber id -> the rule ids (in order, unique) for which they want this post.

    `hits` are the post's new hits; `expression_matches(expr)` says whether a keyword
    expression newly matches the post.
    """
    keys = channel_keys(channel)
    wanted: dict[int, list[str]] = {}
    for sub in subscriptions:
        if sub.channels and not keys & {normalize_channel_ref(c) for c in sub.channels}:
            continue
        if sub.kind is SubscriptionKind.EXPRESSION:
            rules = [expression_rule_id(sub.value)] if expression_matches(sub.value) else []
        elif sub.kind is SubscriptionKind.CATEGORY:
            rules = [h.rule_id for h in hits if h.category == sub.value]
        else:
            rules = [h.rule_id for h in hits if h.rule_id == sub.value]
        if rules:
            known = wanted.setdefault(sub.subscriber_id, [])
            known.extend(r for r in rules if r not in known)
    return wanted


@dataclass(frozen=True, slots=True)
class SavedFacts:
    """What the saving transaction knows of one saved post, for deciding its alerts.

    `previous_text`: the text before this edit (None for a new post); `history`: dated before
    its channel was added (a backfill); `told`: subscribers already alerted about this post, or
    whose alert for another copy lists it as a sighting.
    """

    text: str
    new_hits: Sequence[Hit]
    channel: Channel
    previous_text: str | None
    history: bool
    told: frozenset[int]


def may_alert(
    subscriptions: Sequence[Subscription], new_hits: Sequence[Hit], *, expressions: bool
) -> bool:
    """Whether a saved post can alert anyone at all (cheap: decides if facts are loaded)."""
    readable = expressions and any(s.kind is SubscriptionKind.EXPRESSION for s in subscriptions)
    return bool(subscriptions) and bool(new_hits or readable)


def plan_recipients(
    subscriptions: Sequence[Subscription],
    facts: SavedFacts,
    expression_hits: ExpressionHits | None,
    *,
    alert_history: bool = False,
) -> dict[int, list[str]]:
    """Subscriber id -> rule ids, for subscribers the post newly matches and not yet told.

    History (posts read back when their channel was added) alerts nobody unless
    `alert_history` (an import the operator asked alerts for). An edit alerts only for hits or
    keyword expressions the previous text did not have.
    """
    if facts.history and not alert_history:
        return {}

    def newly_matches(expression: str) -> bool:
        if expression_hits is None or not expression_hits(expression, facts.text):
            return False
        previous = facts.previous_text
        return previous is None or not expression_hits(expression, previous)

    wanted = select_recipients(subscriptions, facts.new_hits, facts.channel, newly_matches)
    return {s: rules for s, rules in wanted.items() if s not in facts.told}


@dataclass(frozen=True, slots=True)
class StoryAlert:
    """A live (pending or sent) alert on a recent post: one a new copy of its story folds into."""

    alert_id: int
    subscriber_id: int
    post_id: int
    text: str
    sent: bool


@dataclass(frozen=True, slots=True)
class AlertPlan:
    """The rows one saved post gets: new pending alerts (subscriber -> rule ids), sightings
    of alerts already made for the same story, and the sent ones among them to edit."""

    alerts: dict[int, list[str]]
    sightings: tuple[int, ...] = ()
    stale: tuple[int, ...] = ()


def fold_stories(
    wanted: dict[int, list[str]], text: str, recent: Sequence[StoryAlert]
) -> AlertPlan:
    """A subscriber alerted about the same story recently gets a sighting, not a second alert.

    `recent`: live alerts of `wanted` subscribers on recent posts, oldest alert first; each
    subscriber's first alert on a post telling the same story takes the sighting.
    """
    same: dict[int, bool] = {}
    story: dict[int, StoryAlert] = {}
    for alert in recent:
        if alert.subscriber_id not in wanted or alert.subscriber_id in story:
            continue
        if alert.post_id not in same:
            same[alert.post_id] = same_story(alert.text, text)
        if same[alert.post_id]:
            story[alert.subscriber_id] = alert
    alerts = {s: rules for s, rules in wanted.items() if s not in story}
    sightings = tuple(a.alert_id for a in story.values())
    stale = tuple(a.alert_id for a in story.values() if a.sent)
    return AlertPlan(alerts, sightings, stale)


@dataclass(frozen=True, slots=True)
class Prefilter:
    """What a store may select before `select_recipients` decides: never less than it keeps.

    A post is a candidate when one of its hits has a category in `categories` or a rule in
    `rule_ids`, or, when `any_text` (a keyword expression reads the text), any post at all;
    and, when `channels` is set, only in those channels (refs as `normalize_channel_ref` gives).
    """

    categories: frozenset[str]
    rule_ids: frozenset[str]
    any_text: bool
    channels: frozenset[str] | None

    def wants_channel(self, channel: Channel) -> bool:
        return self.channels is None or bool(channel_keys(channel) & self.channels)


def prefilter(subscriptions: Iterable[Subscription]) -> Prefilter:
    """The union of the subscriptions' conditions: a cheap superset for a query."""
    subs = list(subscriptions)

    def values(kind: SubscriptionKind) -> frozenset[str]:
        return frozenset(s.value for s in subs if s.kind is kind)

    limited = all(s.channels for s in subs)
    return Prefilter(
        categories=values(SubscriptionKind.CATEGORY),
        rule_ids=values(SubscriptionKind.RULE),
        any_text=any(s.kind is SubscriptionKind.EXPRESSION for s in subs),
        channels=(
            frozenset(normalize_channel_ref(c) for s in subs for c in s.channels)
            if limited
            else None
        ),
    )


def story_words(text: str) -> list[str]:
    """The words that tell a story: lowercase, ё as е, without links, mentions and hashtags."""
    return _WORD.findall(_NOISE.sub(" ", text.lower().replace("ё", "е")))


def same_story(first: str, second: str) -> bool:
    """Whether two posts tell the same story: a repost, a forward, a copy with another footer.

    Word pairs are compared, so order matters but emoji, punctuation, links and a channel's
    signature do not; the shorter text must be at least half the longer one and share
    `STORY_OVERLAP` of its word pairs with it. Texts under `STORY_MIN_WORDS` words never match.
    """
    a, b = _pairs(story_words(first)), _pairs(story_words(second))
    if min(len(a), len(b)) < STORY_MIN_WORDS - 1:
        return False
    small, large = sorted((a, b), key=len)
    if len(small) < len(large) / 2:
        return False
    return len(small & large) >= STORY_OVERLAP * len(small)


def _pairs(words: Sequence[str]) -> set[tuple[str, str]]:
    return set(itertools.pairwise(words))


@dataclass(frozen=True, slots=True)
class Sighting:
    """The same story in another channel: where to read it."""

    channel: Channel
    message_id: int

    @property
    def link(self) -> str:
        return self.channel.post_link(self.message_id)


@dataclass(frozen=True, slots=True)
class AlertItem:
    """One alert with all it shows: the post, its channel, the subscriber's matching hits."""

    alert_id: int
    post: Post
    channel: Channel
    hits: tuple[Hit, ...]
    edited: bool = False
    also_in: tuple[Sighting, ...] = ()
    photo: str | None = None  # SHA-256 of the archived photo a hit was read in: sent along


@dataclass(frozen=True, slots=True)
class Delivery:
    """One Telegram message to one subscriber: a single alert or a batch.

    `random_id` was fixed in the outbox before the first attempt; `message_id` is set when the
    message was already sent and only needs editing (a late "also in" sighting).
    """

    random_id: int
    subscriber: Subscriber
    items: tuple[AlertItem, ...]
    message_id: int | None = None
    attempts: int = 0

    @property
    def chat_id(self) -> int:
        return self.subscriber.telegram_user_id

    @property
    def is_batch(self) -> bool:
        return len(self.items) > 1

    @property
    def alert_ids(self) -> tuple[int, ...]:
        return tuple(i.alert_id for i in self.items)


@dataclass(frozen=True, slots=True)
class BurstPolicy:
    """When a subscriber's alerts become one batched message instead of one message each.

    More than `limit` messages within `window` is a burst: what is pending then goes out in
    batches of at most `batch_max` alerts. A lone alert over the limit waits up to `hold` for
    company before it goes out alone.
    """

    limit: int = 5
    window_s: float = 60.0
    batch_max: int = 30
    hold_s: float = 15.0

    def __post_init__(self) -> None:
        if self.limit < 1 or self.batch_max < 2 or self.window_s <= 0 or self.hold_s < 0:
            raise ValueError(f"bad burst policy {self!r}")


def plan_groups(
    unplanned: Sequence[tuple[int, float]], *, recent_messages: int, policy: BurstPolicy
) -> list[list[int]]:
    """Group one subscriber's unplanned alerts (id, age in seconds; oldest first) into messages.

    Under the burst limit every alert is a message of its own; over it, batches. An empty
    result means: wait (a lone alert over the limit is held for `hold_s`).
    """
    if not unplanned:
        return []
    ids = [alert_id for alert_id, _ in unplanned]
    if recent_messages + len(ids) <= policy.limit:
        return [[alert_id] for alert_id in ids]
    if len(ids) == 1 and max(age for _, age in unplanned) < policy.hold_s:
        return []
    return [ids[i : i + policy.batch_max] for i in range(0, len(ids), policy.batch_max)]


def interleave(per_chat: Iterable[Sequence[Delivery]]) -> list[Delivery]:
    """Round-robin over chats, so one subscriber's backlog never starves the others."""
    queues = [list(q) for q in per_chat if q]
    out: list[Delivery] = []
    depth = 0
    while queues:
        out.extend(q[depth] for q in queues)
        depth += 1
        queues = [q for q in queues if len(q) > depth]
    return out
