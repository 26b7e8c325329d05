"""The outbox's read side: plan due alerts into messages with fixed random_ids, load what they
show, record how sending went (does I/O)."""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from monitor.alerts.planning import (
    AlertItem,
    BurstPolicy,
    Delivery,
    Sighting,
    interleave,
    plan_groups,
)
from monitor.alerts.quiet import in_quiet_hours
from monitor.bot.access import AccessEvent, moves
from monitor.domain import (
    Alert,
    AlertStatus,
    Hit,
    SubscriberStatus,
)
from monitor.store.alert_hits import has_expression, hits_for, photo_texts, photos_of
from monitor.store.engine import Database
from monitor.store.rows import (
    alert_from_row,
    channel_from_row,
    hit_from_row,
    post_from_row,
    subscriber_from_row,
)
from monitor.store.schema import (
    AlertRow,
    AlertSightingRow,
    ChannelRow,
    HitRow,
    PostRow,
    SubscriberRow,
)

_PENDING = AlertStatus.PENDING.value
_SENT = AlertStatus.SENT.value


def new_random_id() -> int:
    """A message's random_id: 63 random bits, stored before the first send and reused after."""
    return secrets.randbits(63) or 1


class DeliveryRepo:
    """Turns pending alerts into Deliveries and records their fate, keyed by random_id."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def plan_deliveries(
        self, *, now: datetime, policy: BurstPolicy, max_messages: int = 60
    ) -> list[Delivery]:
        """Due messages, fairly interleaved across subscribers, at most about `max_messages`.

        Alerts planned before (a crash, a retry) keep their random_id and their grouping, so a
        resend is recognised by Telegram; new ones are grouped by the burst policy, and their
        random_id is committed before this returns, i.e. before anything is sent.
        """
        async with self._db.write.begin() as session:
            due = await _due_alerts(session, now)
            recent = await _recent_messages(
                session, list(due), now - timedelta(seconds=policy.window_s)
            )
            groups: dict[int, list[list[int]]] = {}
            planned_messages = 0
            for subscriber_id, alerts in due.items():
                if planned_messages >= max_messages:
                    break
                groups[subscriber_id] = await _plan_subscriber(
                    session, alerts, recent.get(subscriber_id, 0), policy, now
                )
                planned_messages += len(groups[subscriber_id])
            per_chat = await _load_deliveries(session, groups)
        return interleave(per_chat)

    async def list_stale(self, *, limit: int = 30) -> list[Delivery]:
        """Sent messages to edit because a sighting arrived after they went out."""
        async with self._db.read() as session:
            stale = await session.execute(
                select(AlertRow.subscriber_id, AlertRow.random_id)
                .where(AlertRow.stale.is_(True), AlertRow.status == _SENT)
                .group_by(AlertRow.subscriber_id, AlertRow.random_id)
                .limit(limit)
            )
            groups: dict[int, list[list[int]]] = defaultdict(list)
            for subscriber_id, random_id in stale.all():
                ids = await session.scalars(
                    select(AlertRow.id).where(AlertRow.random_id == random_id).order_by(AlertRow.id)
                )
                groups[subscriber_id].append(list(ids))
            per_chat = await _load_deliveries(session, groups)
        return [d for chat in per_chat for d in chat]

    async def mark_sent(self, random_id: int, message_id: int | None, *, now: datetime) -> int:
        """Telegram confirmed the message: its alerts are sent. Returns how many changed."""
        return await self._update(
            random_id,
            [AlertRow.status == _PENDING],
            status=_SENT,
            sent_message_id=message_id,
            sent_at=now,
            last_error=None,
        )

    async def mark_edited(self, random_id: int) -> None:
        await self._update(random_id, [], stale=False)

    async def record_failure(
        self, delivery: Delivery, error: str, *, retry_at: datetime | None
    ) -> None:
        """One failed attempt: retry at `retry_at`, or give up (FAILED) when it is None."""
        values: dict[str, object] = {
            "attempts": AlertRow.attempts + 1,
            "last_error": error[:500],
            "next_attempt_at": retry_at,
        }
        if retry_at is None:
            values["status"] = AlertStatus.FAILED.value
        await self._update(delivery.random_id, [AlertRow.status == _PENDING], **values)

    async def defer(self, random_id: int, until: datetime, reason: str) -> None:
        """Not an attempt: Telegram asked us to wait (a flood wait)."""
        await self._update(
            random_id, [AlertRow.status == _PENDING], next_attempt_at=until, last_error=reason
        )

    async def deactivate_subscriber(self, subscriber_id: int) -> int:
        """The user blocked the bot: inactive until their next /start (an approved subscriber
        only: one an admin blocked meanwhile stays blocked); pending alerts dropped."""
        async with self._db.write.begin() as session:
            for to, before in moves(AccessEvent.BOT_BLOCKED).items():
                await session.execute(
                    update(SubscriberRow)
                    .where(
                        SubscriberRow.id == subscriber_id,
                        SubscriberRow.status.in_([s.value for s in before]),
                    )
                    .values(status=to.value)
                )
            return await _drop_pending(session, subscriber_id)

    async def drop_pending(self, subscriber_id: int) -> int:
        async with self._db.write.begin() as session:
            return await _drop_pending(session, subscriber_id)

    async def count_alerts(
        self, *, subscriber_id: int | None = None, since: datetime | None = None
    ) -> dict[AlertStatus, int]:
        async with self._db.read() as session:
            stmt = select(AlertRow.status, func.count(AlertRow.id)).group_by(AlertRow.status)
            if subscriber_id is not None:
                stmt = stmt.where(AlertRow.subscriber_id == subscriber_id)
            if since is not None:
                stmt = stmt.where(AlertRow.created_at >= since)
            counts = {AlertStatus(s): int(n) for s, n in (await session.execute(stmt)).all()}
        return {status: counts.get(status, 0) for status in AlertStatus}

    async def list_alerts(self, *, subscriber_id: int | None = None) -> list[Alert]:
        async with self._db.read() as session:
            stmt = select(AlertRow).order_by(AlertRow.id)
            if subscriber_id is not None:
                stmt = stmt.where(AlertRow.subscriber_id == subscriber_id)
            return [alert_from_row(r) for r in await session.scalars(stmt)]

    async def _update(self, random_id: int, where: Sequence[object], **values: object) -> int:
        async with self._db.write.begin() as session:
            result = await session.execute(
                update(AlertRow).where(AlertRow.random_id == random_id, *where).values(**values)  # type: ignore[arg-type]
            )
            return int(result.rowcount)  # type: ignore[attr-defined]


async def _plan_subscriber(
    session: AsyncSession,
    alerts: Sequence[tuple[int, int | None, datetime]],
    recent: int,
    policy: BurstPolicy,
    now: datetime,
) -> list[list[int]]:
    """One subscriber's messages: earlier plans kept, new alerts grouped and given random_ids."""
    planned: dict[int, list[int]] = defaultdict(list)
    unplanned: list[tuple[int, float]] = []
    for alert_id, random_id, created_at in alerts:
        if random_id is not None:
            planned[random_id].append(alert_id)
        else:
            unplanned.append((alert_id, (now - created_at).total_seconds()))
    fresh = plan_groups(unplanned, recent_messages=recent + len(planned), policy=policy)
    for group in fresh:
        random_id = new_random_id()
        await session.execute(
            update(AlertRow).where(AlertRow.id.in_(group)).values(random_id=random_id)
        )
        planned[random_id] = group
    return list(planned.values())


async def _drop_pending(session: AsyncSession, subscriber_id: int) -> int:
    result = await session.execute(
        update(AlertRow)
        .where(AlertRow.subscriber_id == subscriber_id, AlertRow.status == _PENDING)
        .values(status=AlertStatus.DROPPED.value)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def _due_alerts(
    session: AsyncSession, now: datetime
) -> dict[int, list[tuple[int, int | None, datetime]]]:
    """Subscriber id -> (alert id, random_id, created_at) of due alerts, oldest subscriber first."""
    rows = await session.execute(
        select(
            AlertRow.subscriber_id,
            AlertRow.id,
            AlertRow.random_id,
            AlertRow.created_at,
            SubscriberRow.timezone,
            SubscriberRow.quiet_from,
            SubscriberRow.quiet_until,
        )
        .join(SubscriberRow, SubscriberRow.id == AlertRow.subscriber_id)
        .where(
            AlertRow.status == _PENDING,
            or_(AlertRow.next_attempt_at.is_(None), AlertRow.next_attempt_at <= now),
            SubscriberRow.status == SubscriberStatus.APPROVED.value,
            or_(SubscriberRow.muted_until.is_(None), SubscriberRow.muted_until <= now),
        )
        .order_by(AlertRow.id)
    )
    due: dict[int, list[tuple[int, int | None, datetime]]] = {}
    for subscriber_id, alert_id, random_id, created_at, zone, quiet_from, quiet_until in rows:
        if in_quiet_hours(now, zone, quiet_from, quiet_until):  # held until the window ends
            continue
        due.setdefault(subscriber_id, []).append((alert_id, random_id, created_at))
    return due


async def _recent_messages(
    session: AsyncSession, subscriber_ids: Sequence[int], since: datetime
) -> dict[int, int]:
    """Messages (distinct random_ids) each subscriber was sent since `since`."""
    if not subscriber_ids:
        return {}
    rows = await session.execute(
        select(AlertRow.subscriber_id, func.count(func.distinct(AlertRow.random_id)))
        .where(
            AlertRow.subscriber_id.in_(subscriber_ids),
            AlertRow.status == _SENT,
            AlertRow.sent_at >= since,
        )
        .group_by(AlertRow.subscriber_id)
    )
    return {s: int(n) for s, n in rows.all()}


async def _load_deliveries(
    session: AsyncSession, groups: dict[int, list[list[int]]]
) -> list[list[Delivery]]:
    """Everything the messages show, per subscriber, in the order of `groups`."""
    alert_ids = [a for chat in groups.values() for group in chat for a in group]
    if not alert_ids:
        return []
    alerts = {
        r.id: r for r in await session.scalars(select(AlertRow).where(AlertRow.id.in_(alert_ids)))
    }
    items = await _load_items(session, list(alerts.values()))
    subscribers = {
        r.id: subscriber_from_row(r)
        for r in await session.scalars(
            select(SubscriberRow).where(SubscriberRow.id.in_(list(groups)))
        )
    }
    per_chat: list[list[Delivery]] = []
    for subscriber_id, chat in groups.items():
        deliveries = []
        for group in chat:
            rows = [alerts[a] for a in sorted(group)]
            lead = rows[0]
            assert lead.random_id is not None
            deliveries.append(
                Delivery(
                    random_id=lead.random_id,
                    subscriber=subscribers[subscriber_id],
                    items=tuple(items[r.id] for r in rows),
                    message_id=lead.sent_message_id,
                    attempts=max(r.attempts for r in rows),
                )
            )
        per_chat.append(deliveries)
    return per_chat


async def _load_items(session: AsyncSession, alerts: Sequence[AlertRow]) -> dict[int, AlertItem]:
    post_ids = list({a.post_id for a in alerts})
    posts = {
        p.id: (p, c)
        for p, c in (
            await session.execute(
                select(PostRow, ChannelRow)
                .join(ChannelRow, ChannelRow.id == PostRow.channel_id)
                .where(PostRow.id.in_(post_ids))
            )
        ).all()
    }
    hits: dict[int, list[Hit]] = defaultdict(list)
    for row in await session.scalars(select(HitRow).where(HitRow.post_id.in_(post_ids))):
        hits[row.post_id].append(hit_from_row(row))
    sightings = await _load_sightings(session, [a.id for a in alerts])
    read = await photo_texts(session, [a.post_id for a in alerts if has_expression(a)])
    shown_by_alert = {
        a.id: hits_for(
            a.rule_ids, hits[a.post_id], posts[a.post_id][0].text, read.get(a.post_id, ())
        )
        for a in alerts
    }
    photos = await photos_of(session, [h for found in shown_by_alert.values() for h in found])
    items = {}
    for alert in alerts:
        post_row, channel_row = posts[alert.post_id]
        channel = channel_from_row(channel_row)
        shown = shown_by_alert[alert.id]
        items[alert.id] = AlertItem(
            alert_id=alert.id,
            post=post_from_row(post_row, channel.telegram_id),
            channel=channel,
            hits=shown,
            edited=alert.edited,
            also_in=tuple(sightings.get(alert.id, ())),
            photo=next((photos[h.media_id] for h in shown if h.media_id in photos), None),
        )
    return items


async def _load_sightings(
    session: AsyncSession, alert_ids: Sequence[int]
) -> dict[int, list[Sighting]]:
    rows = await session.execute(
        select(AlertSightingRow.alert_id, PostRow.message_id, ChannelRow)
        .join(PostRow, PostRow.id == AlertSightingRow.post_id)
        .join(ChannelRow, ChannelRow.id == PostRow.channel_id)
        .where(AlertSightingRow.alert_id.in_(alert_ids))
        .order_by(AlertSightingRow.id)
    )
    out: dict[int, list[Sighting]] = defaultdict(list)
    for alert_id, message_id, channel_row in rows.all():
        out[alert_id].append(Sighting(channel_from_row(channel_row), message_id))
    return out
