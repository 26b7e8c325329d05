"""Digest repository: the hit data a digest is built from, and the record of digests sent (does I/O).

A digest is recorded per subscriber and ISO week (unique), claimed before sending and marked
sent after: a week is never sent twice, and a week with no record is one still to send.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, delete, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from monitor.alerts.planning import Prefilter
from monitor.digest.build import ArchivedPost
from monitor.domain import Channel, Hit, Post
from monitor.errors import NotFoundError
from monitor.store.engine import Database
from monitor.store.rows import channel_from_row, insert_ignoring_duplicates
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

    async def stream_posts(
        self, *, since: datetime, end: datetime, wanted: Prefilter | None, batch: int = 2000
    ) -> AsyncIterator[list[ArchivedPost]]:
        """Posts dated in [since, end) that may count, oldest first, `batch` at a time.

        `wanted` narrows them to the subscriptions' candidates (None: every post with a hit);
        the caller decides exactly. Each page is its own short read on the date index.
        """
        channels = await self._channels(wanted)
        if not channels:
            return
        after: tuple[datetime, int] | None = None
        while True:
            async with self._db.read() as session:
                rows = (
                    await session.execute(
                        candidate_page(since, end, wanted, channels, after, batch)
                    )
                ).all()
                hits = await _hits(session, [r.id for r in rows])
            if not rows:
                return
            yield [
                ArchivedPost(
                    Post(
                        channels[r.channel_id].telegram_id,
                        r.message_id,
                        r.date,
                        r.text,
                        views=r.views,
                        forwards=r.forwards,
                        id=r.id,
                    ),
                    channels[r.channel_id],
                    hits.get(r.id, ()),
                )
                for r in rows
            ]
            if len(rows) < batch:
                return
            after = (rows[-1].date, rows[-1].id)

    async def _channels(self, wanted: Prefilter | None) -> dict[int, Channel]:
        """Archive id -> channel, of the channels `wanted` names (every channel for None)."""
        async with self._db.read() as session:
            rows = await session.scalars(select(ChannelRow))
            found = {row.id: channel_from_row(row) for row in rows}
        return {k: c for k, c in found.items() if wanted is None or wanted.wants_channel(c)}

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


def candidate_page(
    since: datetime,
    end: datetime,
    wanted: Prefilter | None,
    channels: Collection[int],
    after: tuple[datetime, int] | None,
    batch: int,
) -> Select[*tuple[Any, ...]]:
    """One page of candidate posts on a date index, from the keyset `after` (date, id) on."""
    stmt = select(
        PostRow.id,
        PostRow.channel_id,
        PostRow.message_id,
        PostRow.date,
        PostRow.text,
        PostRow.views,
        PostRow.forwards,
    ).where(PostRow.date >= (since if after is None else after[0]), PostRow.date < end)
    if wanted is None or not wanted.any_text:
        stmt = stmt.where(select(HitRow.id).where(*_hit_conditions(wanted)).exists())
    if wanted is not None and wanted.channels is not None:
        stmt = stmt.where(PostRow.channel_id.in_(channels))
    if after is not None:
        stmt = stmt.where(
            or_(PostRow.date > after[0], and_(PostRow.date == after[0], PostRow.id > after[1]))
        )
    return stmt.order_by(PostRow.date, PostRow.id).limit(batch)


def _hit_conditions(wanted: Prefilter | None) -> list[ColumnElement[bool]]:
    """A hit of the post that may count: any (None), or one of the wanted categories or rules."""
    conditions = [HitRow.post_id == PostRow.id]
    if wanted is not None:
        conditions.append(
            or_(HitRow.category.in_(wanted.categories), HitRow.rule_id.in_(wanted.rule_ids))
        )
    return conditions


async def _hits(session: AsyncSession, post_ids: Sequence[int]) -> dict[int, tuple[Hit, ...]]:
    """Every hit of the posts, rule and category only (what the scope decides on)."""
    if not post_ids:
        return {}
    rows = await session.execute(
        select(HitRow.post_id, HitRow.rule_id, HitRow.category)
        .where(HitRow.post_id.in_(post_ids))
        .order_by(HitRow.post_id, HitRow.id)
    )
    found: dict[int, list[Hit]] = {}
    for post_id, rule_id, category in rows.all():
        found.setdefault(post_id, []).append(Hit(rule_id, category, (), post_id=post_id))
    return {post_id: tuple(hits) for post_id, hits in found.items()}


def _rowcount(result: object) -> int:
    assert isinstance(result, CursorResult)
    return int(result.rowcount)
