"""The places each post names (post_places) and channels' home regions (does I/O).

Tagging is the places capability's (monitor/places); this repository only stores what it
found: a SaveStep works the rows out before the save and writes them in the saving
transaction, so a post and its places commit together.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from monitor.domain import PostPlace
from monitor.errors import NotFoundError
from monitor.store.engine import Database
from monitor.store.posts import SavedPost, SaveStep
from monitor.store.schema import ChannelRegionRow, ChannelRow, PostPlaceRow, PostRow

logger = logging.getLogger(__name__)

PLACES_STEP = "places"
# text, the channel's home region -> what the post names
Tagger = Callable[[str, str | None], Sequence[PostPlace]]


@dataclass(frozen=True, slots=True)
class _Derived:
    rows: Sequence[PostPlace]

    @property
    def ambiguous(self) -> bool:
        return any(r.ambiguous for r in self.rows)


class PlaceRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    def tag_step(self, tag: Tagger) -> SaveStep:
        """The save step: places worked out before the transaction (without the channel's
        home region), written in it; a post with an ambiguous name is tagged again there
        with its channel's home region, when it has one."""

        def derive(text: str) -> _Derived:
            return _Derived(tag(text, None))

        async def write(session: AsyncSession, saved: SavedPost) -> None:
            derived = saved.derived.get(PLACES_STEP)
            rows = derived.rows if isinstance(derived, _Derived) else tag(saved.post.text, None)
            if any(r.ambiguous for r in rows):
                home = await session.scalar(
                    select(ChannelRegionRow.region).where(
                        ChannelRegionRow.channel_id == saved.channel_id
                    )
                )
                if home is not None:
                    rows = tag(saved.post.text, home)
            await _replace(session, saved.post_id, rows)

        return SaveStep(PLACES_STEP, write, derive)

    async def set_channel_region(self, telegram_id: int, region: str | None) -> None:
        """Give a channel a home region (None takes it away); NotFoundError if not watched."""
        async with self._db.write.begin() as session:
            channel_id = await session.scalar(
                select(ChannelRow.id).where(ChannelRow.telegram_id == telegram_id)
            )
            if channel_id is None:
                raise NotFoundError("channel", telegram_id)
            await session.execute(
                delete(ChannelRegionRow).where(ChannelRegionRow.channel_id == channel_id)
            )
            if region is not None:
                session.add(ChannelRegionRow(channel_id=channel_id, region=region))

    async def channel_regions(self) -> dict[int, str]:
        """Channel telegram id -> home region, for the channels that have one."""
        async with self._db.read() as session:
            rows = await session.execute(
                select(ChannelRow.telegram_id, ChannelRegionRow.region).join(
                    ChannelRegionRow, ChannelRegionRow.channel_id == ChannelRow.id
                )
            )
            return {int(t): str(r) for t, r in rows}

    async def places_of(self, post_ids: Sequence[int]) -> dict[int, list[PostPlace]]:
        """Post id -> its places, resolved ones first."""
        out: dict[int, list[PostPlace]] = {}
        async with self._db.read() as session:
            for start in range(0, len(post_ids), 500):
                rows = await session.scalars(
                    select(PostPlaceRow)
                    .where(PostPlaceRow.post_id.in_(post_ids[start : start + 500]))
                    .order_by(PostPlaceRow.post_id, PostPlaceRow.ambiguous, PostPlaceRow.id)
                )
                for row in rows:
                    out.setdefault(row.post_id, []).append(_from_row(row))
        return out

    async def retag(
        self,
        tag: Tagger,
        *,
        channel_telegram_id: int | None = None,
        batch: int = 500,
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """Tag every archived post (of one channel) again: after an upgrade, a new gazetteer or
        a new home region; returns the number of posts. One short transaction per batch."""
        regions = {cid: region for cid, region in await self._channel_region_ids()}
        after, done = 0, 0
        while True:
            stmt = select(PostRow.id, PostRow.channel_id, PostRow.text)
            if channel_telegram_id is not None:
                stmt = stmt.join(ChannelRow, ChannelRow.id == PostRow.channel_id).where(
                    ChannelRow.telegram_id == channel_telegram_id
                )
            async with self._db.read() as session:
                posts = list(
                    await session.execute(
                        stmt.where(PostRow.id > after).order_by(PostRow.id).limit(batch)
                    )
                )
            if not posts:
                return done
            tagged = [(pid, tag(text or "", regions.get(cid))) for pid, cid, text in posts]
            async with self._db.write.begin() as session:
                for post_id, rows in tagged:
                    await _replace(session, post_id, rows)
            after, done = posts[-1][0], done + len(posts)
            if progress is not None:
                progress(len(posts))

    async def count_posts(self) -> int:
        async with self._db.read() as session:
            return int(await session.scalar(select(func.count(PostRow.id))) or 0)

    async def _channel_region_ids(self) -> list[tuple[int, str]]:
        async with self._db.read() as session:
            rows = await session.execute(
                select(ChannelRegionRow.channel_id, ChannelRegionRow.region)
            )
            return [(int(c), str(r)) for c, r in rows]


async def _replace(session: AsyncSession, post_id: int, rows: Sequence[PostPlace]) -> None:
    await session.execute(delete(PostPlaceRow).where(PostPlaceRow.post_id == post_id))
    seen: set[tuple[int, str]] = set()
    for r in rows:
        if (r.place_id, r.region) in seen:
            continue
        seen.add((r.place_id, r.region))
        session.add(
            PostPlaceRow(
                post_id=post_id,
                place_id=r.place_id,
                region=r.region,
                ambiguous=r.ambiguous,
                how=r.how,
                mention=r.mention[:255],
            )
        )


def _from_row(row: PostPlaceRow) -> PostPlace:
    return PostPlace(row.place_id, row.region, row.ambiguous, row.how, row.mention)
