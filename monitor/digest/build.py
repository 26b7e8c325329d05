"""The weekly digest: ISO weeks in a subscriber's timezone, and the digest built from hit data (pure).

A subscriber's digest counts only what their subscriptions would alert them for, decided by the
alerts' own `select_recipients`: a category or rule subscription counts the post under that
hit's category, a keyword expression under "keywords: <expression>". Counts are of posts, not
rule hits: a post with three summons rules is one summons post. A week is compared with the one
before it. A channel is "new" when it has hits this week and none the week before, "gone quiet"
when it had hits the week before and none this week.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from monitor.alerts.planning import EXPRESSION_RULE_PREFIX, ExpressionHits, select_recipients
from monitor.digest.places import place_breakdown
from monitor.domain import Channel, Hit, Post, Subscription

SEND_WEEKDAY = 0  # Monday
SEND_TIME = time(9, 0)
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


@dataclass(frozen=True, slots=True, order=True)
class IsoWeek:
    """An ISO 8601 week, written 2024-W48."""

    year: int
    week: int

    def __post_init__(self) -> None:
        date.fromisocalendar(self.year, self.week, 1)  # ValueError for a week that does not exist

    @classmethod
    def parse(cls, text: str) -> IsoWeek:
        m = _WEEK.match(text.strip())
        if m is None:
            raise ValueError(f"{text!r} is not an ISO week like 2024-W48")
        return cls(int(m[1]), int(m[2]))

    @classmethod
    def of(cls, day: date) -> IsoWeek:
        year, week, _ = day.isocalendar()
        return cls(year, week)

    def __str__(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    def previous(self) -> IsoWeek:
        return IsoWeek.of(self.monday - timedelta(days=7))

    def next(self) -> IsoWeek:
        return IsoWeek.of(self.monday + timedelta(days=7))

    def bounds(self, timezone: str) -> tuple[datetime, datetime]:
        """[Monday 00:00, next Monday 00:00) local time, as aware datetimes."""
        zone = ZoneInfo(timezone)
        start = datetime.combine(self.monday, time(), zone)
        end = datetime.combine(self.monday + timedelta(days=7), time(), zone)
        return start, end

    def send_time(self, timezone: str) -> datetime:
        """When this week's digest is due: the following Monday 09:00 local time."""
        following = self.monday + timedelta(days=7 + SEND_WEEKDAY)
        return datetime.combine(following, SEND_TIME, ZoneInfo(timezone))


def last_complete_week(now: datetime, timezone: str) -> IsoWeek:
    """The newest week that has ended at `now` in `timezone`."""
    return IsoWeek.of(now.astimezone(ZoneInfo(timezone)).date()).previous()


def due_weeks(now: datetime, timezone: str, *, since: datetime, lookback: int = 4) -> list[IsoWeek]:
    """Weeks whose digest is due at `now` (send time passed), oldest first.

    At most `lookback` weeks back, none that ended before `since` (when the subscriber joined):
    the scheduler sends those not yet recorded, so a week missed while down is sent later.
    """
    weeks: list[IsoWeek] = []
    week = last_complete_week(now, timezone)
    while len(weeks) < lookback:
        if week.send_time(timezone) <= now and week.bounds(timezone)[1] > since:
            weeks.append(week)
        elif week.bounds(timezone)[1] <= since:
            break
        week = week.previous()
    return sorted(weeks)


@dataclass(frozen=True, slots=True)
class HitRecord:
    """One hit of one post, with what the digest shows of the post."""

    post_id: int
    channel: str  # the channel's label, @username or id
    category: str
    date: datetime
    link: str
    text: str
    views: int | None = None
    forwards: int | None = None


_Key = Callable[[HitRecord], str]
KEYWORDS = "keywords"  # the category a keyword-expression subscription counts under


@dataclass(frozen=True, slots=True)
class ArchivedPost:
    """A post of the digest's period as the archive holds it: its channel and its rule hits."""

    post: Post
    channel: Channel
    hits: tuple[Hit, ...]


def subscribed_hits(
    posts: Iterable[ArchivedPost],
    subscriptions: Sequence[Subscription] | None,
    expression_hits: ExpressionHits,
) -> list[HitRecord]:
    """The hit records a digest counts: only those the subscriptions would alert for, decided
    as alerts are (`select_recipients`); every hit when `subscriptions` is None (the archive)."""
    records: list[HitRecord] = []
    for item in posts:
        if subscriptions is None:
            categories = [h.category for h in item.hits]
        else:
            categories = _subscribed_categories(item, subscriptions, expression_hits)
        records += [_record(item, category) for category in dict.fromkeys(categories)]
    return records


def _subscribed_categories(
    item: ArchivedPost, subscriptions: Sequence[Subscription], expression_hits: ExpressionHits
) -> list[str]:
    def matches(expression: str) -> bool:
        return bool(expression_hits(expression, item.post.text))

    wanted = select_recipients(subscriptions, item.hits, item.channel, matches)
    rules = [rule for rules in wanted.values() for rule in rules]
    categories = [h.category for h in item.hits if h.rule_id in rules]
    return categories + [
        f"{KEYWORDS}: {r.removeprefix(EXPRESSION_RULE_PREFIX)}"
        for r in rules
        if r.startswith(EXPRESSION_RULE_PREFIX)
    ]


def _record(item: ArchivedPost, category: str) -> HitRecord:
    post = item.post
    assert post.id is not None  # archived posts have their archive id
    return HitRecord(
        post_id=post.id,
        channel=item.channel.label,
        category=category,
        date=post.date,
        link=item.channel.post_link(post.message_id),
        text=post.text,
        views=post.views,
        forwards=post.forwards,
    )


@dataclass(frozen=True, slots=True)
class DigestData:
    """What the store gathers for a digest: hits of posts dated in the week and the week before."""

    hits: tuple[HitRecord, ...]


@dataclass(frozen=True, slots=True)
class Change:
    """A count this week and the week before."""

    name: str
    count: int
    previous: int

    @property
    def delta(self) -> int:
        return self.count - self.previous


@dataclass(frozen=True, slots=True)
class TopPost:
    channel: str
    link: str
    text: str
    date: datetime
    views: int | None
    forwards: int | None
    categories: tuple[str, ...]


_Metric = Callable[[TopPost], int | None]


@dataclass(frozen=True, slots=True)
class Digest:
    start: datetime
    end: datetime
    timezone: str
    posts: Change  # posts with hits, all categories together
    by_category: tuple[Change, ...]
    by_channel: tuple[Change, ...]
    top_by_views: tuple[TopPost, ...]
    top_by_forwards: tuple[TopPost, ...]
    new_channels: tuple[str, ...]
    quiet_channels: tuple[str, ...]
    days: tuple[date, ...]  # the local days of the week
    daily: tuple[tuple[str, tuple[int, ...]], ...]  # per category: posts per day
    # what it covers: one subscriber's subscriptions, or None for every hit in the archive
    subscriptions: tuple[Subscription, ...] | None = None
    # posts by the regions and settlements they name (monitor/digest/places.py)
    by_region: tuple[Change, ...] = ()
    by_place: tuple[Change, ...] = ()

    @property
    def week(self) -> IsoWeek:
        return IsoWeek.of(self.start.astimezone(ZoneInfo(self.timezone)).date())


def build_digest(
    data: DigestData,
    *,
    start: datetime,
    end: datetime,
    timezone: str = "UTC",
    top: int = 5,
    subscriptions: Sequence[Subscription] | None = None,
) -> Digest:
    """The digest of [start, end) compared with the period of the same length before it.

    `data` is already scoped (`subscribed_hits`); `subscriptions` says what it covers.
    """
    previous_start = start - (end - start)
    this = [h for h in data.hits if start <= h.date < end]
    before = [h for h in data.hits if previous_start <= h.date < start]
    this_channels = {h.channel for h in this}
    before_channels = {h.channel for h in before}
    days = _days(start, end, timezone)
    regions, places = place_breakdown(this, before)
    return Digest(
        start=start,
        end=end,
        timezone=timezone,
        posts=Change("posts", _posts(this), _posts(before)),
        by_category=_changes(this, before, lambda h: h.category),
        by_channel=_changes(this, before, lambda h: h.channel),
        top_by_views=_top(this, top, lambda p: p.views),
        top_by_forwards=_top(this, top, lambda p: p.forwards),
        new_channels=tuple(sorted(this_channels - before_channels)),
        quiet_channels=tuple(sorted(before_channels - this_channels)),
        days=days,
        daily=_daily(this, days, timezone),
        subscriptions=None if subscriptions is None else tuple(subscriptions),
        by_region=tuple(Change(*row) for row in regions),
        by_place=tuple(Change(*row) for row in places),
    )


def _posts(hits: Iterable[HitRecord]) -> int:
    return len({h.post_id for h in hits})


def _changes(
    this: Sequence[HitRecord], before: Sequence[HitRecord], key: _Key
) -> tuple[Change, ...]:
    now = Counter(key(h) for h in {(h.post_id, key(h)): h for h in this}.values())
    then = Counter(key(h) for h in {(h.post_id, key(h)): h for h in before}.values())
    names = sorted(set(now) | set(then), key=lambda n: (-now[n], -then[n], n))
    return tuple(Change(n, now[n], then[n]) for n in names)


def _top(hits: Sequence[HitRecord], top: int, metric: _Metric) -> tuple[TopPost, ...]:
    posts: dict[int, TopPost] = {}
    for h in hits:
        known = posts.get(h.post_id)
        categories = (*known.categories, h.category) if known else (h.category,)
        posts[h.post_id] = TopPost(
            h.channel, h.link, h.text, h.date, h.views, h.forwards, tuple(dict.fromkeys(categories))
        )
    ranked = sorted(
        (p for p in posts.values() if (metric(p) or 0) > 0),
        key=lambda p: (-(metric(p) or 0), p.date, p.link),
    )
    return tuple(ranked[:top])


def _days(start: datetime, end: datetime, timezone: str) -> tuple[date, ...]:
    zone = ZoneInfo(timezone)
    first, last = start.astimezone(zone).date(), (end - timedelta(microseconds=1)).astimezone(zone)
    return tuple(first + timedelta(days=i) for i in range((last.date() - first).days + 1))


def _daily(
    hits: Sequence[HitRecord], days: Sequence[date], timezone: str
) -> tuple[tuple[str, tuple[int, ...]], ...]:
    zone = ZoneInfo(timezone)
    seen = {(h.post_id, h.category): h.date.astimezone(zone).date() for h in hits}
    per_day = Counter((category, day) for (_post, category), day in seen.items())
    categories = sorted({category for _post, category in seen})
    return tuple((c, tuple(per_day[(c, d)] for d in days)) for c in categories)
