"""Digest repository: the hit data a digest is built from, and the record of digests sent (does I/O).

A digest is recorded per subscriber and ISO week (unique), claimed before sending and marked
sent after: a week is never sent twice, and a week with no record is one still to send.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.engine import CursorResult

from monitor.digest import DigestData, HitRecord
from monitor.domain import Channel
from monitor.errors import NotFoundError
from monitor.store.engine import Database
from monitor.store.rows import insert_ignoring_duplicates
from monitor.store.schema import ChannelRow, DigestRow, HitRow, PostRow, SubscriberRow

CLAIMED = "claimed"
SENT = "sent"


@dataclass(frozen=True, slots=True)
class DigestRecord:
    """A digest claimed or sent to a subscriber for a week."""

    subscriber_id: int
    week: str
    status: str
    message_ids: tuple[int, ...]
    sent_at: datetime | None


class DigestRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def gather(self, *, start: datetime, end: datetime) -> DigestData:
        """Hits of posts dated in [start, end) and in the period of the same length before it."""
        since = start - (end - start)
        async with self._db.read() as session:
            rows = await session.execute(
                select(HitRow.category, PostRow, ChannelRow)
                .join(PostRow, PostRow.id == HitRow.post_id)
                .join(ChannelRow, ChannelRow.id == PostRow.channel_id)
                .where(PostRow.date >= since, PostRow.date < end)
                .order_by(PostRow.date, PostRow.id, HitRow.id)
            )
            hits = []
            for category, post, channel_row in rows:
                channel = Channel(channel_row.telegram_id, channel_row.title, channel_row.username)
                hits.append(
                    HitRecord(
                        post_id=post.id,
                        channel=channel.label,
                        category=category,
                        date=post.date,
                        link=channel.post_link(post.message_id),
                        text=post.text,
                        views=post.views,
                        forwards=post.forwards,
                    )
                )
        return DigestData(tuple(hits))

    async def get_subscriber_timezone(self, telegram_user_id: int) -> tuple[int, str]:
        """(archive id, timezone) of a subscriber by Telegram user id."""
        async with self._db.read() as session:
            row = (
                await session.execute(
                    select(SubscriberRow.id, SubscriberRow.timezone).where(
                        SubscriberRow.telegram_user_id == telegram_user_id
                    )
                )
            ).first()
        if row is None:
            raise NotFoundError("subscriber", telegram_user_id)
        return row.id, row.timezone

    async def claim(self, subscriber_id: int, week: str) -> bool:
        """Take the right to send this week's digest: True once, False ever after."""
        async with self._db.write.begin() as session:
            result = await session.execute(
                insert_ignoring_duplicates(session, DigestRow.__table__),  # type: ignore[arg-type]
                [
                    {
                        "subscriber_id": subscriber_id,
                        "week": week,
                        "status": CLAIMED,
                        "message_ids": [],
                    }
                ],
            )
            return _rowcount(result) == 1

    async def mark_sent(
        self, subscriber_id: int, week: str, message_ids: Sequence[int], *, now: datetime
    ) -> None:
        """Record a claimed digest as delivered, with the messages that carried it."""
        async with self._db.write.begin() as session:
            result = await session.execute(
                update(DigestRow)
                .where(DigestRow.subscriber_id == subscriber_id, DigestRow.week == week)
                .values(status=SENT, message_ids=list(message_ids), sent_at=now)
            )
            if _rowcount(result) == 0:
                raise NotFoundError("digest claim", (subscriber_id, week))

    async def release(self, subscriber_id: int, week: str) -> None:
        """Give a claim back after a failed send, so the week is tried again (never a sent one)."""
        async with self._db.write.begin() as session:
            await session.execute(
                delete(DigestRow).where(
                    DigestRow.subscriber_id == subscriber_id,
                    DigestRow.week == week,
                    DigestRow.status == CLAIMED,
                )
            )

    async def list_unrecorded(self, subscriber_id: int, weeks: Sequence[str]) -> list[str]:
        """The weeks, of those given, with no digest claimed or sent: the ones still to send."""
        async with self._db.read() as session:
            recorded = set(
                await session.scalars(
                    select(DigestRow.week).where(
                        DigestRow.subscriber_id == subscriber_id, DigestRow.week.in_(weeks)
                    )
                )
            )
        return [w for w in weeks if w not in recorded]

    async def find_record(self, subscriber_id: int, week: str) -> DigestRecord | None:
        async with self._db.read() as session:
            row = await session.scalar(
                select(DigestRow).where(
                    DigestRow.subscriber_id == subscriber_id, DigestRow.week == week
                )
            )
        if row is None:
            return None
        return DigestRecord(
            row.subscriber_id, row.week, row.status, tuple(row.message_ids or ()), row.sent_at
        )


def _rowcount(result: object) -> int:
    assert isinstance(result, CursorResult)
    return int(result.rowcount)
