"""The outbox's write side: a save hook that turns new hits into alert rows in the saving
transaction, folding near-duplicate stories into the alert already made (does I/O)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from monitor.alerts.planning import ExpressionHits, same_story, select_recipients
from monitor.domain import AlertStatus, SubscriberStatus, Subscription, SubscriptionKind
from monitor.store.channels import channel_from_row
from monitor.store.posts import SavedPost, SaveHook
from monitor.store.rows import insert_ignoring_duplicates
from monitor.store.schema import (
    AlertRow,
    AlertSightingRow,
    ChannelRow,
    PostRow,
    PostVersionRow,
    SubscriberRow,
    SubscriptionRow,
)

STORY_WINDOW = timedelta(days=1)  # copies of a story within this window fold into one alert
# Telegram dates posts to the second, by its own clock: a post made as the channel was being
# added is not history.
HISTORY_TOLERANCE = timedelta(seconds=1)
_LIVE = (AlertStatus.PENDING.value, AlertStatus.SENT.value)


def make_outbox_hook(
    expression_hits: ExpressionHits | None = None,
    *,
    story_window: timedelta = STORY_WINDOW,
    alert_history: bool = False,
) -> SaveHook:
    """A SaveHook for PostRepo.save_posts: one pending alert per (subscriber, post) that newly
    matches one of the subscriber's subscriptions, written in the post's own transaction.

    Posts dated before their channel was added (the backfill) are history and alert nobody,
    unless `alert_history` (an import the operator asked alerts for).
    A new post alerts for all its hits; an edit alerts only for hits (or keyword expressions)
    the previous text did not have, and only subscribers not yet alerted about the post — marked
    edited. A post whose story a subscriber was alerted about within `story_window` becomes a
    sighting of that alert ("also in N channels") instead of a second alert.
    """

    async def hook(session: AsyncSession, saved: SavedPost) -> None:
        wanted = await _recipients(session, saved, expression_hits, alert_history)
        if not wanted:
            return
        now = await _seen_at(session, saved)
        folded = await _fold_into_stories(session, wanted, saved, since=now - story_window, now=now)
        for subscriber_id in folded:
            wanted.pop(subscriber_id)
        await _insert_alerts(session, saved, wanted, now)

    return hook


async def _recipients(
    session: AsyncSession,
    saved: SavedPost,
    expression_hits: ExpressionHits | None,
    alert_history: bool,
) -> dict[int, list[str]]:
    """Subscriber id -> rule ids, for subscribers the post newly matches and not yet told."""
    subscriptions = await _active_subscriptions(session)
    has_expressions = expression_hits is not None and any(
        s.kind.value == "expression" for s in subscriptions
    )
    if not subscriptions or not (saved.new_hits or has_expressions):
        return {}
    channel_row = await session.get(ChannelRow, saved.channel_id)
    assert channel_row is not None  # the post was just saved under it
    history = saved.post.date < channel_row.added_at.replace(microsecond=0) - HISTORY_TOLERANCE
    if history and not alert_history:
        return {}  # history read back when the channel was added: archived, never alerted
    previous = None if saved.is_new else await _text_of(session, saved, saved.version - 1)

    def newly_matches(expression: str) -> bool:
        if expression_hits is None or not expression_hits(expression, saved.post.text):
            return False
        return previous is None or not expression_hits(expression, previous)

    wanted = select_recipients(
        subscriptions, saved.new_hits, channel_from_row(channel_row), newly_matches
    )
    for subscriber_id in await _already_told(session, saved.post_id, list(wanted)):
        wanted.pop(subscriber_id, None)
    return wanted


async def _active_subscriptions(session: AsyncSession) -> list[Subscription]:
    """Every approved subscriber's subscriptions (plain columns: this runs for every post)."""
    rows = await session.execute(
        select(
            SubscriptionRow.id,
            SubscriptionRow.subscriber_id,
            SubscriptionRow.kind,
            SubscriptionRow.value,
            SubscriptionRow.channels,
        )
        .join(SubscriberRow, SubscriberRow.id == SubscriptionRow.subscriber_id)
        .where(SubscriberRow.status == SubscriberStatus.APPROVED.value)
        .order_by(SubscriptionRow.id)
    )
    return [
        Subscription(subscriber_id, SubscriptionKind(kind), value, tuple(channels or ()), id=id_)
        for id_, subscriber_id, kind, value, channels in rows.all()
    ]


async def _text_of(session: AsyncSession, saved: SavedPost, version: int) -> str | None:
    return await session.scalar(
        select(PostVersionRow.text).where(
            PostVersionRow.post_id == saved.post_id, PostVersionRow.version == version
        )
    )


async def _seen_at(session: AsyncSession, saved: SavedPost) -> datetime:
    """The save's "now": when this version was seen (the hook is not handed a clock)."""
    seen = await session.scalar(
        select(PostVersionRow.seen_at).where(
            PostVersionRow.post_id == saved.post_id, PostVersionRow.version == saved.version
        )
    )
    return seen or saved.post.date


async def _already_told(
    session: AsyncSession, post_id: int, subscriber_ids: Sequence[int]
) -> set[int]:
    """Subscribers with an alert for this post, or whose alert for another copy lists it."""
    alerted = await session.scalars(
        select(AlertRow.subscriber_id).where(
            AlertRow.post_id == post_id, AlertRow.subscriber_id.in_(subscriber_ids)
        )
    )
    sighted = await session.scalars(
        select(AlertRow.subscriber_id)
        .join(AlertSightingRow, AlertSightingRow.alert_id == AlertRow.id)
        .where(AlertSightingRow.post_id == post_id, AlertRow.subscriber_id.in_(subscriber_ids))
    )
    return set(alerted) | set(sighted)


async def _fold_into_stories(
    session: AsyncSession,
    wanted: dict[int, list[str]],
    saved: SavedPost,
    *,
    since: datetime,
    now: datetime,
) -> set[int]:
    """Record the post as a sighting of each subscriber's recent alert for the same story."""
    similar = await _same_story_posts(session, saved, since)
    if not similar:
        return set()
    rows = await session.execute(
        select(AlertRow.id, AlertRow.subscriber_id, AlertRow.status)
        .where(
            AlertRow.post_id.in_(similar),
            AlertRow.subscriber_id.in_(list(wanted)),
            AlertRow.status.in_(_LIVE),
        )
        .order_by(AlertRow.id)
    )
    story: dict[int, tuple[int, str]] = {}
    for alert_id, subscriber_id, status in rows.all():
        story.setdefault(subscriber_id, (alert_id, status))
    await session.execute(
        insert_ignoring_duplicates(session, AlertSightingRow.__table__),  # type: ignore[arg-type]
        [{"alert_id": a, "post_id": saved.post_id, "created_at": now} for a, _ in story.values()],
    )
    # A pending alert shows its sightings when it is rendered; a sent one needs an edit.
    sent = [a for a, status in story.values() if status == AlertStatus.SENT.value]
    if sent:
        await session.execute(update(AlertRow).where(AlertRow.id.in_(sent)).values(stale=True))
    return set(story)


async def _same_story_posts(session: AsyncSession, saved: SavedPost, since: datetime) -> list[int]:
    """Posts dated since `since` that someone was alerted about and that tell the same story.

    Candidates come from the date index (a day of posts with alerts is small); the caller
    keeps only these subscribers' alerts.
    """
    alerted = (
        select(AlertRow.id)
        .where(AlertRow.post_id == PostRow.id, AlertRow.status.in_(_LIVE))
        .exists()
    )
    recent = await session.execute(
        select(PostRow.id, PostRow.text)
        .where(PostRow.date >= since, PostRow.id != saved.post_id, alerted)
        .order_by(PostRow.id)
    )
    return [post_id for post_id, text in recent.all() if same_story(text, saved.post.text)]


async def _insert_alerts(
    session: AsyncSession,
    saved: SavedPost,
    wanted: dict[int, list[str]],
    now: datetime,
) -> None:
    if not wanted:
        return
    await session.execute(
        insert_ignoring_duplicates(session, AlertRow.__table__),  # type: ignore[arg-type]
        [
            {
                "subscriber_id": subscriber_id,
                "post_id": saved.post_id,
                "status": AlertStatus.PENDING.value,
                "attempts": 0,
                "edited": not saved.is_new,
                "rule_ids": rules,
                "stale": False,
                "created_at": now,
            }
            for subscriber_id, rules in wanted.items()
        ],
    )
