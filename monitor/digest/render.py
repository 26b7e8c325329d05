"""The weekly digest as Telegram HTML messages under the 4096 limit, and as plain text (pure)."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from monitor.bot.commands import usage
from monitor.bot.render import describe
from monitor.digest.build import Change, Digest, IsoWeek, TopPost
from monitor.markup import escape, split_message, truncate

TOP_TEXT = 120


def digest_html(digest: Digest) -> str:
    """The whole digest as one Telegram HTML text (split it with `digest_messages`)."""
    zone = ZoneInfo(digest.timezone)
    first = digest.start.astimezone(zone).strftime("%d.%m")
    last = digest.days[-1].strftime("%d.%m.%Y") if digest.days else ""
    counted = (
        "Posts with hits" if digest.subscriptions is None else "Posts matching your subscriptions"
    )
    sections = [
        f"<b>Weekly digest {digest.week}</b> ({first}–{last}, {escape(digest.timezone)})\n"
        f"{_scope(digest)}\n"
        f"{counted}: <b>{digest.posts.count}</b> {_delta(digest.posts)}",
        _changes("By category", digest.by_category),
        _changes("By channel", digest.by_channel),
        _changes("By region", digest.by_region) if digest.by_region else "",
        _changes("By settlement", digest.by_place) if digest.by_place else "",
        _top("Top posts by views", digest.top_by_views, "views", zone),
        _top("Top posts by forwards", digest.top_by_forwards, "forwards", zone),
        _names("Channels with hits for the first time this week", digest.new_channels),
        _names("Channels gone quiet (hits last week, none this week)", digest.quiet_channels),
    ]
    return "\n\n".join(s for s in sections if s)


def no_subscriptions_html(week: IsoWeek) -> str:
    """What a subscriber without subscriptions gets instead of a digest: how to subscribe."""
    return (
        f"<b>Weekly digest {week}</b>\n"
        "You have no subscriptions, so there is nothing to count for you: the digest covers only "
        "posts that your subscriptions match, the same posts you get alerts for.\n"
        "Subscribe to a category, a rule or keywords, then send /digest to see this week so far. "
        f"{escape(usage('subscribe'))} (/help lists the categories)."
    )


def chart_caption(week: IsoWeek, *, so_far: bool = False) -> str:
    """The caption under the chart photo, of the weekly digest and of /digest (`so_far`)."""
    return escape(f"Hits per day by category, {week}{' so far' if so_far else ''}")


def digest_messages(digest: Digest) -> list[str]:
    """The digest split into Telegram messages, each under the limit and valid HTML."""
    return split_message(digest_html(digest))


def digest_plain(digest: Digest) -> str:
    """The digest without markup (for digest.txt and logs)."""
    return html.unescape(re.sub(r"<[^<>]+>", "", digest_html(digest)))


def _scope(digest: Digest) -> str:
    """What the digest covers: the subscriber's subscriptions, or the whole archive."""
    subs = digest.subscriptions
    if subs is None:
        return "Covers every hit in the archive (no subscriber's subscriptions applied)."
    noun = "subscription" if len(subs) == 1 else f"{len(subs)} subscriptions"
    return f"Covers only your {noun}:\n" + "\n".join(f"• {describe(s)}" for s in subs)


def _delta(change: Change) -> str:
    if change.previous == 0 and change.count == 0:
        return ""
    sign = "+" if change.delta > 0 else "±" if change.delta == 0 else "−"
    return f"({sign}{abs(change.delta)} from {change.previous} last week)"


def _changes(title: str, changes: Sequence[Change]) -> str:
    if not changes:
        return f"<b>{title}</b>\nno hits this week or last"
    lines = [f"<b>{title}</b>"]
    lines += [f"• {escape(c.name)}: <b>{c.count}</b> {_delta(c)}" for c in changes]
    return "\n".join(lines)


def _top(title: str, posts: Sequence[TopPost], metric: str, zone: ZoneInfo) -> str:
    if not posts:
        return ""
    lines = [f"<b>{title}</b>"]
    for i, post in enumerate(posts, start=1):
        value = post.views if metric == "views" else post.forwards
        when = post.date.astimezone(zone).strftime("%d.%m %H:%M")
        text = escape(truncate(" ".join(post.text.split()), TOP_TEXT)) or "<i>(no text)</i>"
        lines.append(
            f'{i}. <a href="{escape(post.link)}">{escape(post.channel)}</a> · {when} · '
            f"{value:,} {metric} · {escape(', '.join(post.categories))}\n{text}"
        )
    return "\n".join(lines)


def _names(title: str, names: Sequence[str]) -> str:
    if not names:
        return ""
    return f"<b>{title}</b>\n" + ", ".join(escape(n) for n in names)
