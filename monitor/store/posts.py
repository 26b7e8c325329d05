"""Post repository: posts, their versions, deletions and hits, saved in one transaction (does I/O).

What is worked out from a post's text (its hits, its search terms, any later step's output) is
worked out before the transaction opens (`prepare_posts`, called by reader.ingest); the
transaction only writes rows, so SQLite's write lock is held for SQL, not for matching.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from monitor.domain import Hit, Post, PostVersion, RawMessage, SaveResult
from monitor.errors import NotFoundError
from monitor.store.engine import Database
from monitor.store.media_items import queue_media
from monitor.store.rows import (
    hit_from_row,
    insert_ignoring_duplicates,
    post_from_row,
    spans_to_json,
    version_from_row,
)
from monitor.store.schema import ChannelRow, HitRow, PostRow, PostVersionRow

HitFinder = Callable[[str], Sequence[Hit]]


@dataclass(frozen=True, slots=True)
class PreparedPost:
    """A post and what was worked out from its text before saving (outside any transaction):
    its hits, and each save step's output by step name (the search index's terms, ...)."""

    post: Post
    hits: tuple[Hit, ...] | None = ()  # None: not worked out (the text was stored already)
    derived: Mapping[str, object] = field(default_factory=dict)


class UnpreparedPostError(Exception):
    """A post prepared as unchanged (hits not worked out) changed before the save: the save
    rolled back; prepare it in full and save again. Never reaches a user (ingest retries)."""

    def __init__(self, message_id: int) -> None:
        self.message_id = message_id
        super().__init__(f"post {message_id} changed since it was prepared: prepare it again")


@dataclass(frozen=True, slots=True)
class SavedPost:
    """A post stored or changed by this save, handed to the save hooks inside the transaction."""

    post_id: int
    channel_id: int
    post: Post
    version: int
    is_new: bool
    new_hits: tuple[Hit, ...]
    derived: Mapping[str, object] = field(default_factory=dict)
    raw: RawMessage | None = None  # the message as Telegram sent it (the evidence capture)
    seen_at: datetime | None = None  # when this save saw it (the capture time)


@dataclass(frozen=True, slots=True)
class DeletedPost:
    """A post newly seen gone, handed to the save steps' `deleted` inside the transaction."""

    post_id: int
    channel_telegram_id: int
    message_id: int
    raw: RawMessage | None  # what Telegram answered (the update, or the re-check's reply)
    seen_at: datetime


# Store-internal: runs inside the saving transaction (the outbox and the search index use it), so
# what it writes commits or rolls back with the post. Built by store modules, composed by ingest.
# It must only write rows: anything slow belongs in a SaveStep's `derive`, run before the save.
SaveHook = Callable[[AsyncSession, SavedPost], Awaitable[None]]
DeletionHook = Callable[[AsyncSession, DeletedPost], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class SaveStep:
    """A processing step of the save: `derive` (text -> value; pure, may be slow) runs before
    the transaction, `write` inside it, finding the value in `saved.derived[name]`."""

    name: str
    write: SaveHook
    derive: Callable[[str], object] | None = None
    deleted: DeletionHook | None = None  # runs in the transaction that flags a post deleted
    # runs once after the save's hooks, in its transaction: a step that gathers rows in
    # `write` inserts them here in one statement (the evidence captures do)
    finish: Callable[[AsyncSession], Awaitable[None]] | None = None

    async def __call__(self, session: AsyncSession, saved: SavedPost) -> None:
        await self.write(session, saved)


def prepare_posts(
    posts: Sequence[Post],
    find_hits: HitFinder,
    hooks: Sequence[SaveHook] = (),
    stored: Mapping[int, str] | None = None,
) -> list[PreparedPost]:
    """Match each post and run each step's `derive` on its text (pure; no transaction open).

    `stored`: message id -> text already in the archive; a post whose text is unchanged is
    not worked out again (a re-poll or a re-import costs no matching).
    """
    steps = [h for h in hooks if isinstance(h, SaveStep) and h.derive is not None]
    known = stored or {}
    return [
        PreparedPost(post, None)
        if known.get(post.message_id) == post.text
        else PreparedPost(
            post,
            tuple(find_hits(post.text)),
            {s.name: s.derive(post.text) for s in steps if s.derive is not None},
        )
        for post in posts
    ]


def _no_hits(_text: str) -> Sequence[Hit]:
    return ()


@dataclass(slots=True)
class _Batch:
    """What one save changed, gathered while the transaction runs."""

    channel_telegram_id: int
    now: datetime
    new_posts: list[int] = field(default_factory=list)
    edited_posts: list[int] = field(default_factory=list)
    new_hits: list[Hit] = field(default_factory=list)
    saved: list[SavedPost] = field(default_factory=list)

    def record(
        self,
        row: PostRow,
        version: int,
        *,
        is_new: bool,
        hits: Sequence[Hit],
        derived: Mapping[str, object],
        raw: RawMessage | None = None,
    ) -> None:
        (self.new_posts if is_new else self.edited_posts).append(row.id)
        self.new_hits.extend(hits)
        post = post_from_row(row, self.channel_telegram_id)
        saved = SavedPost(
            row.id, row.channel_id, post, version, is_new, tuple(hits), derived, raw, self.now
        )
        self.saved.append(saved)


class PostRepo:
    """Posts keyed by (channel, message id); edits become versions, deletions a flag."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def save_posts(
        self,
        channel_telegram_id: int,
        posts: Sequence[Post],
        *,
        now: datetime,
        find_hits: HitFinder = _no_hits,
        hooks: Sequence[SaveHook] = (),
        read_through: int | None = None,
    ) -> SaveResult:
        """Match posts (before the transaction), then `save_prepared` them (reader.ingest does
        this, with a matcher that never fails; tools and tests may call this directly)."""
        prepared = prepare_posts(posts, find_hits, hooks)
        return await self.save_prepared(
            channel_telegram_id, prepared, now=now, hooks=hooks, read_through=read_through
        )

    async def save_prepared(
        self,
        channel_telegram_id: int,
        prepared: Sequence[PreparedPost],
        *,
        now: datetime,
        hooks: Sequence[SaveHook] = (),
        read_through: int | None = None,
    ) -> SaveResult:
        """Store posts, new versions of edited ones, their new hits and the channel's poll cursor.

        `read_through`: the highest id a history read covered (poll, backfill, import); the
        cursor moves up to it, never back. Live updates and re-checks pass None: they read single
        posts, not the gap before them, so they must not carry the poll past an unread post.
        One transaction, hooks included; saving the same posts again changes nothing.
        """
        posts = [p.post for p in prepared]
        async with self._db.write.begin() as session:
            channel = await _channel_row(session, channel_telegram_id)
            existing = await _existing_posts(session, channel.id, posts)
            batch = _Batch(channel_telegram_id, now)
            for item in prepared:
                post = item.post
                row = existing.get(post.message_id) or await _album_row(session, channel.id, post)
                if row is None:
                    row = await _insert_post(session, channel.id, item, now, batch)
                else:
                    await _update_post(session, row, item, now, batch)
                # Every item queued for download in this transaction (an album part too).
                await queue_media(session, row.id, post.media, now=now)
            for saved in batch.saved:
                for hook in hooks:
                    await hook(session, saved)
            await _finish(session, hooks)
            if read_through is not None and read_through > channel.last_seen_id:
                channel.last_seen_id = read_through
            dates = [p.date for p in posts]
            if dates and (channel.last_post_at is None or max(dates) > channel.last_post_at):
                channel.last_post_at = max(dates)
            return SaveResult(
                new_posts=tuple(batch.new_posts),
                edited_posts=tuple(batch.edited_posts),
                new_hits=tuple(batch.new_hits),
                last_seen_id=channel.last_seen_id,
            )

    async def stored_texts(
        self, channel_telegram_id: int, message_ids: Sequence[int]
    ) -> dict[int, str]:
        """Message id -> current text of those already stored (a read: no write lock)."""
        if not message_ids:
            return {}
        async with self._db.read() as session:
            rows = await session.execute(
                select(PostRow.message_id, PostRow.text)
                .join(ChannelRow, ChannelRow.id == PostRow.channel_id)
                .where(
                    ChannelRow.telegram_id == channel_telegram_id,
                    PostRow.message_id.in_(message_ids),
                )
            )
            return {message_id: text for message_id, text in rows.all()}

    async def mark_deleted(
        self,
        channel_telegram_id: int,
        message_ids: Sequence[int],
        *,
        now: datetime,
        hooks: Sequence[SaveHook] = (),
        raw: RawMessage | None = None,
    ) -> list[int]:
        """Flag posts as deleted (never erased); returns the archive ids newly flagged. The
        save steps with a `deleted` hook (the evidence capture) run in the same transaction."""
        async with self._db.write.begin() as session:
            channel = await _channel_row(session, channel_telegram_id)
            found = (
                await session.execute(
                    select(PostRow.id, PostRow.message_id)
                    .where(
                        PostRow.channel_id == channel.id,
                        PostRow.message_id.in_(message_ids),
                        PostRow.deleted_at.is_(None),
                    )
                    .order_by(PostRow.id)
                )
            ).all()
            ids = [post_id for post_id, _ in found]
            if ids:
                await session.execute(
                    update(PostRow).where(PostRow.id.in_(ids)).values(deleted_at=now)
                )
            steps = [h.deleted for h in hooks if isinstance(h, SaveStep) and h.deleted]
            for post_id, message_id in found:
                gone = DeletedPost(post_id, channel_telegram_id, message_id, raw, now)
                for step in steps:
                    await step(session, gone)
            await _finish(session, hooks)
            return ids

    async def find_post(self, channel_telegram_id: int, message_id: int) -> Post | None:
        async with self._db.read() as session:
            row = await session.scalar(
                select(PostRow)
                .join(ChannelRow, ChannelRow.id == PostRow.channel_id)
                .where(
                    ChannelRow.telegram_id == channel_telegram_id, PostRow.message_id == message_id
                )
            )
            return post_from_row(row, channel_telegram_id) if row else None

    async def get_post(self, post_id: int) -> Post:
        async with self._db.read() as session:
            found = (
                await session.execute(
                    select(PostRow, ChannelRow.telegram_id)
                    .join(ChannelRow, ChannelRow.id == PostRow.channel_id)
                    .where(PostRow.id == post_id)
                )
            ).first()
            if found is None:
                raise NotFoundError("post", post_id)
            return post_from_row(found[0], found[1])

    async def list_versions(self, post_id: int) -> list[PostVersion]:
        async with self._db.read() as session:
            rows = await session.scalars(
                select(PostVersionRow)
                .where(PostVersionRow.post_id == post_id)
                .order_by(PostVersionRow.version)
            )
            return [version_from_row(r) for r in rows]

    async def list_hits(self, post_id: int) -> list[Hit]:
        async with self._db.read() as session:
            rows = await session.scalars(
                select(HitRow).where(HitRow.post_id == post_id).order_by(HitRow.id)
            )
            return [hit_from_row(r) for r in rows]

    async def list_recent_message_ids(
        self, channel_telegram_id: int, *, since: datetime
    ) -> list[int]:
        """Message ids of undeleted posts dated since `since`: the window re-checked for edits."""
        async with self._db.read() as session:
            rows = await session.scalars(
                select(PostRow.message_id)
                .join(ChannelRow, ChannelRow.id == PostRow.channel_id)
                .where(
                    ChannelRow.telegram_id == channel_telegram_id,
                    PostRow.date >= since,
                    PostRow.deleted_at.is_(None),
                )
                .order_by(PostRow.message_id)
            )
            return list(rows)

    async def count_posts(self, channel_telegram_id: int | None = None) -> int:
        async with self._db.read() as session:
            stmt = select(func.count(PostRow.id))
            if channel_telegram_id is not None:
                stmt = stmt.join(ChannelRow, ChannelRow.id == PostRow.channel_id).where(
                    ChannelRow.telegram_id == channel_telegram_id
                )
            return int(await session.scalar(stmt) or 0)


async def _finish(session: AsyncSession, hooks: Sequence[SaveHook]) -> None:
    for hook in hooks:
        if isinstance(hook, SaveStep) and hook.finish is not None:
            await hook.finish(session)


async def _channel_row(session: AsyncSession, telegram_id: int) -> ChannelRow:
    row = await session.scalar(select(ChannelRow).where(ChannelRow.telegram_id == telegram_id))
    if row is None:
        raise NotFoundError("channel", telegram_id)
    return row


async def _existing_posts(
    session: AsyncSession, channel_id: int, posts: Sequence[Post]
) -> dict[int, PostRow]:
    ids = [p.message_id for p in posts]
    rows = await session.scalars(
        select(PostRow).where(PostRow.channel_id == channel_id, PostRow.message_id.in_(ids))
    )
    return {r.message_id: r for r in rows}


async def _album_row(session: AsyncSession, channel_id: int, post: Post) -> PostRow | None:
    """Another part of an album already stored: an album is one post."""
    if post.grouped_id is None:
        return None
    return await session.scalar(
        select(PostRow)
        .where(PostRow.channel_id == channel_id, PostRow.grouped_id == post.grouped_id)
        .order_by(PostRow.message_id)
        .limit(1)
    )


async def _insert_post(
    session: AsyncSession, channel_id: int, item: PreparedPost, now: datetime, batch: _Batch
) -> PostRow:
    post = item.post
    row = PostRow(
        channel_id=channel_id,
        message_id=post.message_id,
        date=post.date,
        text=post.text,
        views=post.views,
        forwards=post.forwards,
        forwarded_from=post.forwarded_from,
        media_kind=post.media_kind,
        grouped_id=post.grouped_id,
        edit_date=post.edit_date,
        deleted_at=post.deleted_at,
        first_seen_at=now,
    )
    session.add(row)
    await session.flush()
    session.add(
        PostVersionRow(
            post_id=row.id, version=1, text=post.text, edit_date=post.edit_date, seen_at=now
        )
    )
    hits = await save_hits(session, row.id, _hits_of(item), version=1, now=now)
    batch.record(row, 1, is_new=True, hits=hits, derived=item.derived, raw=post.raw)
    return row


def _hits_of(item: PreparedPost) -> tuple[Hit, ...]:
    if item.hits is None:  # prepared as unchanged, but another writer changed it since
        raise UnpreparedPostError(item.post.message_id)
    return item.hits


async def _update_post(
    session: AsyncSession, row: PostRow, item: PreparedPost, now: datetime, batch: _Batch
) -> None:
    post = item.post
    row.views = post.views if post.views is not None else row.views
    row.forwards = post.forwards if post.forwards is not None else row.forwards
    if post.message_id != row.message_id:  # another part of a stored album
        if post.text and not row.text:
            row.text = post.text
            await session.execute(
                update(PostVersionRow)
                .where(PostVersionRow.post_id == row.id, PostVersionRow.version == 1)
                .values(text=post.text)
            )
            hits = await save_hits(session, row.id, _hits_of(item), version=1, now=now)
            batch.record(row, 1, is_new=True, hits=hits, derived=item.derived, raw=post.raw)
        return
    if post.text == row.text:
        return
    version = (
        int(
            await session.scalar(
                select(func.max(PostVersionRow.version)).where(PostVersionRow.post_id == row.id)
            )
            or 0
        )
        + 1
    )
    session.add(
        PostVersionRow(
            post_id=row.id, version=version, text=post.text, edit_date=post.edit_date, seen_at=now
        )
    )
    row.text = post.text
    row.edit_date = post.edit_date or now
    hits = await save_hits(session, row.id, _hits_of(item), version=version, now=now)
    batch.record(row, version, is_new=False, hits=hits, derived=item.derived, raw=post.raw)


async def save_hits(
    session: AsyncSession, post_id: int, hits: Sequence[Hit], *, version: int, now: datetime
) -> list[Hit]:
    """Insert hits for rules not yet hit on this post (a rule keeps its first spans); return them."""
    if not hits:
        return []
    known = set(await session.scalars(select(HitRow.rule_id).where(HitRow.post_id == post_id)))
    fresh = [h for h in hits if h.rule_id not in known]
    if not fresh:
        return []
    await session.execute(
        insert_ignoring_duplicates(session, HitRow.__table__),  # type: ignore[arg-type]
        [
            {
                "post_id": post_id,
                "rule_id": h.rule_id,
                "category": h.category,
                "spans": spans_to_json(h.spans),
                "tags": list(h.tags),
                "version": version,
                "created_at": now,
                "source": h.source,
                "media_id": h.media_id,
            }
            for h in fresh
        ],
    )
    return [
        Hit(
            h.rule_id,
            h.category,
            h.spans,
            tags=h.tags,
            post_id=post_id,
            created_at=now,
            source=h.source,
            media_id=h.media_id,
        )
        for h in fresh
    ]
