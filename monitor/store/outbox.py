"""The outbox's write side: a save hook that writes the alert rows alerts.planning decides, in
the saving transaction (does I/O). The store loads the facts and writes rows; who gets an alert,
and which copies of a story fold into one alert, is pure code in monitor.alerts.planning."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from monitor.alerts.planning import (
    AlertPlan,
    ExpressionHits,
    SavedFacts,
    StoryAlert,
    fold_stories,
    may_alert,
    plan_recipients,
)
from monitor.domain import AlertStatus, SubscriberStatus, Subscription
from monitor.store.posts import SavedPost, SaveHook
from monitor.store.rows import (
    channel_from_row,
    insert_ignoring_duplicates,
    subscription_from_columns,
)
from monitor.store.schema import (
    AlertRow,
    AlertSightingRow,
    ChannelMuteRow,
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
        subscriptions = await _active_subscriptions(session)
        if not may_alert(subscriptions, saved.new_hits, expressions=expression_hits is not None):
            return
        facts = await _facts(session, saved)
        wanted = plan_recipients(subscriptions, facts, expression_hits, alert_history=alert_history)
        if wanted:  # "mute this channel" (0009_analyst): no alerts from it for them
            muted = await session.scalars(
                select(ChannelMuteRow.subscriber_id).where(
                    ChannelMuteRow.channel_id == saved.channel_id
                )
            )
            for subscriber_id in muted:
                wanted.pop(subscriber_id, None)
        if not wanted:
            return
        now = await _seen_at(session, saved)
        recent = await _story_alerts(session, saved, list(wanted), since=now - story_window)
        await _write(session, saved, fold_stories(wanted, saved.post.text, recent), now)

    return hook


async def _facts(session: AsyncSession, saved: SavedPost) -> SavedFacts:
    channel_row = await session.get(ChannelRow, saved.channel_id)
    assert channel_row is not None  # the post was just saved under it
    history = saved.post.date < channel_row.added_at.replace(microsecond=0) - HISTORY_TOLERANCE
    previous = None if saved.is_new else await _text_of(session, saved, saved.version - 1)
    return SavedFacts(
        saved.post.text,
        saved.new_hits,
        channel_from_row(channel_row),
        previous,
        history,
        await _already_told(session, saved.post_id),
    )


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
        subscription_from_columns(id_, subscriber_id, kind, value, channels)
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


async def _already_told(session: AsyncSession, post_id: int) -> frozenset[int]:
    """Subscribers with an alert for this post, or whose alert for another copy lists it."""
    alerted = await session.scalars(
        select(AlertRow.subscriber_id).where(AlertRow.post_id == post_id)
    )
    sighted = await session.scalars(
        select(AlertRow.subscriber_id)
        .join(AlertSightingRow, AlertSightingRow.alert_id == AlertRow.id)
        .where(AlertSightingRow.post_id == post_id)
    )
    return frozenset(alerted) | frozenset(sighted)


async def _story_alerts(
    session: AsyncSession, saved: SavedPost, subscriber_ids: list[int], *, since: datetime
) -> list[StoryAlert]:
    """These subscribers' live alerts on posts dated since `since` (other than this one),
    oldest alert first: the candidates alerts.planning.fold_stories compares stories with.

    Candidates come from the date index (a day of posts with alerts is small).
    """
    rows = await session.execute(
        select(AlertRow.id, AlertRow.subscriber_id, PostRow.id, PostRow.text, AlertRow.status)
        .join(AlertRow, AlertRow.post_id == PostRow.id)
        .where(
            PostRow.date >= since,
            PostRow.id != saved.post_id,
            AlertRow.status.in_(_LIVE),
            AlertRow.subscriber_id.in_(subscriber_ids),
        )
        .order_by(AlertRow.id)
    )
    return [
        StoryAlert(alert_id, subscriber_id, post_id, text, status == AlertStatus.SENT.value)
        for alert_id, subscriber_id, post_id, text, status in rows.all()
    ]


async def _write(session: AsyncSession, saved: SavedPost, plan: AlertPlan, now: datetime) -> None:
    """The rows the plan names: sightings, sent alerts marked for an edit, new pending alerts."""
    if plan.sightings:
        await session.execute(
            insert_ignoring_duplicates(session, AlertSightingRow.__table__),  # type: ignore[arg-type]
            [{"alert_id": a, "post_id": saved.post_id, "created_at": now} for a in plan.sightings],
        )
    # A pending alert shows its sightings when it is rendered; a sent one needs an edit.
    if plan.stale:
        await session.execute(
            update(AlertRow).where(AlertRow.id.in_(plan.stale)).values(stale=True)
        )
    if not plan.alerts:
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
            for subscriber_id, rules in plan.alerts.items()
        ],
    )
