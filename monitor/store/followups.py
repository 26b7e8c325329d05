"""Follow-ups: analysts told once, as a reply to their alert, that its post was edited or
deleted; queued in the capture's transaction, drained by monitor.evidence.followups (does I/O)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from monitor.domain import AlertStatus, Channel
from monitor.store.engine import Database
from monitor.store.schema import (
    AlertRow,
    AlertSightingRow,
    ChannelRow,
    FollowUpRow,
    PostRow,
    SubscriberRow,
)

MAX_ATTEMPTS = 5


_LIVE = (AlertStatus.PENDING.value, AlertStatus.SENT.value)
NOT_SENT_YET = 0  # reply_to of a follow-up whose alert is still pending: filled when it is sent


async def queue_followups(
    session: AsyncSession,
    capture_id: int,
    post_id: int,
    html: Callable[[bool], str],
    at: datetime,
) -> None:
    """One follow-up per live alert that shows the post, as a reply to it (never twice: the
    unique key (alert, capture) holds across restarts).

    An alert shows the post when it is about it, or when it lists the post as a sighting (the
    same story in another channel, "also in"): that link is in the analyst's alert, so its edit
    or deletion is news too (`html(True)`: the text for a copy, `html(False)` for the alert's
    own post). An alert still pending gets its follow-up after it is sent
    (`list_pending` waits for it); one that is never sent takes its follow-ups with it."""
    about = select(AlertRow.id).where(AlertRow.post_id == post_id)
    sighted = select(AlertSightingRow.alert_id).where(AlertSightingRow.post_id == post_id)
    alerts = (
        await session.execute(
            select(
                AlertRow.id,
                AlertRow.sent_message_id,
                SubscriberRow.telegram_user_id,
                AlertRow.post_id != post_id,
            )
            .join(SubscriberRow, SubscriberRow.id == AlertRow.subscriber_id)
            .where(
                or_(AlertRow.id.in_(about), AlertRow.id.in_(sighted)),
                AlertRow.status.in_(_LIVE),
            )
            .order_by(AlertRow.id)
        )
    ).all()
    texts = {copy: html(copy) for copy in {bool(row[3]) for row in alerts}}
    for alert_id, message_id, chat_id, copy in alerts:
        session.add(
            FollowUpRow(
                alert_id=alert_id,
                capture_id=capture_id,
                chat_id=chat_id,
                reply_to=message_id or NOT_SENT_YET,
                html=texts[bool(copy)],
                status="pending",
                random_id=secrets.randbits(63),
                attempts=0,
                created_at=at,
            )
        )


async def post_link(session: AsyncSession, post_id: int) -> tuple[str, datetime]:
    found = (
        await session.execute(
            select(ChannelRow.telegram_id, ChannelRow.username, ChannelRow.title, PostRow)
            .join(PostRow, PostRow.channel_id == ChannelRow.id)
            .where(PostRow.id == post_id)
        )
    ).one()
    channel = Channel(telegram_id=found[0], username=found[1], title=found[2])
    return channel.post_link(found[3].message_id), found[3].date


@dataclass(frozen=True, slots=True)
class FollowUp:
    """One follow-up to send: a reply to `reply_to` in `chat_id`, with a fixed random_id."""

    id: int
    chat_id: int
    reply_to: int
    html: str
    random_id: int
    attempts: int


class FollowUpRepo:
    """The follow-up outbox: pending -> sent (or failed after MAX_ATTEMPTS)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def list_pending(self, *, limit: int = 50) -> list[FollowUp]:
        """Pending follow-ups whose alert is sent, each a reply to the alert's message."""
        async with self._db.read() as session:
            rows = await session.execute(
                select(FollowUpRow, AlertRow.sent_message_id)
                .join(AlertRow, AlertRow.id == FollowUpRow.alert_id)
                .where(
                    FollowUpRow.status == "pending",
                    AlertRow.status == AlertStatus.SENT.value,
                    AlertRow.sent_message_id.is_not(None),
                )
                .order_by(FollowUpRow.id)
                .limit(limit)
            )
            return [
                FollowUp(r.id, r.chat_id, sent or r.reply_to, r.html, r.random_id, r.attempts)
                for r, sent in rows.all()
            ]

    async def drop_unsendable(self) -> int:
        """Pending follow-ups of alerts that will never be sent (failed, dropped): given up."""
        async with self._db.write.begin() as session:
            dead = select(AlertRow.id).where(AlertRow.status.not_in(_LIVE))
            result = await session.execute(
                update(FollowUpRow)
                .where(FollowUpRow.status == "pending", FollowUpRow.alert_id.in_(dead))
                .values(status="failed", last_error="its alert was never sent")
            )
            return int(result.rowcount)  # type: ignore[attr-defined]

    async def mark_sent(self, followup_id: int, message_id: int | None, *, now: datetime) -> None:
        async with self._db.write.begin() as session:
            await session.execute(
                update(FollowUpRow)
                .where(FollowUpRow.id == followup_id)
                .values(status="sent", sent_message_id=message_id, sent_at=now)
            )

    async def mark_failed_attempt(self, followup_id: int, error: str) -> None:
        """One more failed try; the follow-up is given up after MAX_ATTEMPTS."""
        async with self._db.write.begin() as session:
            row = await session.get(FollowUpRow, followup_id)
            if row is None:
                return
            row.attempts += 1
            row.last_error = error[:500]
            if row.attempts >= MAX_ATTEMPTS:
                row.status = "failed"

    async def count(self, status: str) -> int:
        async with self._db.read() as session:
            rows = await session.scalars(select(FollowUpRow.id).where(FollowUpRow.status == status))
            return len(list(rows))


__all__ = ["FollowUp", "FollowUpRepo", "post_link", "queue_followups"]
