"""Channel repository: the watched channels and their polling state (domain in, domain out; does I/O)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update

from monitor.domain import Channel
from monitor.errors import NotFoundError
from monitor.store.engine import Database
from monitor.store.rows import channel_from_row
from monitor.store.schema import ChannelRow, HitRow, PostRow


class ChannelRepo:
    """Channels by archive id, Telegram id or username."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def upsert_channel(self, channel: Channel, *, now: datetime) -> Channel:
        """Store a resolved channel; an existing one keeps its polling state, title and hash refresh."""
        async with self._db.write.begin() as session:
            row = await session.scalar(
                select(ChannelRow).where(ChannelRow.telegram_id == channel.telegram_id)
            )
            if row is None:
                row = ChannelRow(
                    telegram_id=channel.telegram_id,
                    access_hash=channel.access_hash,
                    username=channel.username,
                    title=channel.title,
                    last_seen_id=channel.last_seen_id,
                    poll_interval_s=channel.poll_interval_s,
                    enabled=channel.enabled,
                    joined=channel.joined,
                    added_at=channel.added_at or now,
                )
                session.add(row)
            else:
                row.access_hash = channel.access_hash or row.access_hash
                row.username = channel.username
                row.title = channel.title
                row.enabled = True
            await session.flush()
            return channel_from_row(row)

    async def find_channel(self, key: int | str) -> Channel | None:
        """By Telegram id, archive id (as `#12`), or username (with or without @)."""
        async with self._db.read() as session:
            stmt = select(ChannelRow)
            if isinstance(key, int):
                stmt = stmt.where(ChannelRow.telegram_id == key)
            elif key.startswith("#") and key[1:].isdigit():
                stmt = stmt.where(ChannelRow.id == int(key[1:]))
            else:
                stmt = stmt.where(ChannelRow.username.ilike(key.removeprefix("@")))
            row = await session.scalar(stmt)
            return channel_from_row(row) if row else None

    async def get_channel(self, key: int | str) -> Channel:
        channel = await self.find_channel(key)
        if channel is None:
            raise NotFoundError("channel", key)
        return channel

    async def list_channels(self, *, enabled_only: bool = False) -> list[Channel]:
        async with self._db.read() as session:
            stmt = select(ChannelRow).order_by(ChannelRow.id)
            if enabled_only:
                stmt = stmt.where(ChannelRow.enabled.is_(True))
            return [channel_from_row(r) for r in await session.scalars(stmt)]

    async def count_posts_and_hits(self) -> dict[int, tuple[int, int]]:
        """Channel Telegram id -> (posts stored, posts with a hit), for `channels list`."""
        async with self._db.read() as session:
            posts = await session.execute(
                select(ChannelRow.telegram_id, func.count(PostRow.id))
                .join(PostRow, PostRow.channel_id == ChannelRow.id)
                .group_by(ChannelRow.telegram_id)
            )
            hit = await session.execute(
                select(ChannelRow.telegram_id, func.count(func.distinct(HitRow.post_id)))
                .join(PostRow, PostRow.channel_id == ChannelRow.id)
                .join(HitRow, HitRow.post_id == PostRow.id)
                .group_by(ChannelRow.telegram_id)
            )
            with_hits = {int(t): int(n) for t, n in hit.all()}
            return {int(t): (int(n), with_hits.get(int(t), 0)) for t, n in posts.all()}

    async def disable_channel(self, telegram_id: int) -> None:
        """Stop watching a channel; its posts stay in the archive."""
        await self._set(telegram_id, enabled=False)

    async def record_poll(
        self,
        telegram_id: int,
        *,
        now: datetime,
        error: str | None = None,
        poll_interval_s: int | None = None,
        next_poll_at: datetime | None = None,
        flood_wait_until: datetime | None = None,
        failed_polls: int | None = None,
    ) -> None:
        """Remember how a poll went: its time, its error (or none), the next interval, a flood wait,
        the failures in a row (0 after a success)."""
        values: dict[str, object] = {"last_polled_at": now, "last_error": error}
        if failed_polls is not None:
            values["failed_polls"] = failed_polls
        if next_poll_at is not None:
            values["next_poll_at"] = next_poll_at
        if poll_interval_s is not None:
            values["poll_interval_s"] = poll_interval_s
        if flood_wait_until is not None:
            values["flood_wait_until"] = flood_wait_until
        await self._set(telegram_id, **values)

    async def advance_last_seen(self, telegram_id: int, message_id: int) -> None:
        """Move the last-seen id forward (never back): polling starts after it."""
        async with self._db.write.begin() as session:
            await session.execute(
                update(ChannelRow)
                .where(ChannelRow.telegram_id == telegram_id, ChannelRow.last_seen_id < message_id)
                .values(last_seen_id=message_id)
            )

    async def record_recheck(self, telegram_id: int, *, now: datetime) -> None:
        """The channel's edits and deletions were re-read at `now`: the next re-check counts from it."""
        await self._set(telegram_id, rechecked_at=now)

    async def set_joined(self, telegram_id: int, joined: bool) -> None:
        await self._set(telegram_id, joined=joined)

    async def _set(self, telegram_id: int, **values: object) -> None:
        async with self._db.write.begin() as session:
            result = await session.execute(
                update(ChannelRow).where(ChannelRow.telegram_id == telegram_id).values(**values)
            )
            if result.rowcount == 0:  # type: ignore[attr-defined]
                raise NotFoundError("channel", telegram_id)
