"""A channel's rhythm: the dates of its latest posts, for judging silence (does I/O)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from monitor.store.engine import Database
from monitor.store.schema import ChannelRow, PostRow


class RhythmRepo:
    """Read-only: when each channel posted lately."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def list_recent_dates(
        self, channel_telegram_id: int, *, limit: int = 50
    ) -> list[datetime]:
        """The dates of the channel's `limit` latest posts, newest first."""
        async with self._db.read() as session:
            rows = await session.scalars(
                select(PostRow.date)
                .join(ChannelRow, ChannelRow.id == PostRow.channel_id)
                .where(ChannelRow.telegram_id == channel_telegram_id)
                .order_by(PostRow.date.desc())
                .limit(limit)
            )
            return list(rows)
