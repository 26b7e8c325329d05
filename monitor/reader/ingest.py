"""The one way into the archive: fetched, live or imported posts -> prepared -> saved (does I/O).

Two phases per save. First, outside any transaction, each post's text is worked out (pure):
its hits (the matcher) and each save step's `derive` (the search index's lemma terms; a later
OCR or place-tagging step goes there too). Then one short transaction writes the post, its
versions, hits, index entry, alerts and the poll cursor: the write lock is held for SQL only.

Adding a processing step: one new module that builds a `SaveStep(name, write, derive)`
(`derive`: text -> value, pure and slow allowed; `write`: rows from `saved.derived[name]`),
and one entry in the hooks the app hands to `Ingest` (app.save_hooks).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime

from monitor.domain import Hit, Post, RawMessage, SaveResult
from monitor.store.posts import (
    HitFinder,
    PostRepo,
    PreparedPost,
    SaveHook,
    UnpreparedPostError,
    prepare_posts,
)

logger = logging.getLogger(__name__)


def _never_blocking(find_hits: HitFinder) -> HitFinder:
    """A matcher failure on one text stores the post without hits rather than blocking its
    channel: a post that cannot be saved would be fetched and fail again on every poll."""

    def guarded(text: str) -> Sequence[Hit]:
        try:
            return find_hits(text)
        except Exception:  # the post is kept; the log names it for the operator
            logger.exception("matching failed; post stored without hits text=%r", text[:80])
            return ()

    return guarded


class Ingest:
    """Saves what the reader fetched or an import read: post, version, hits, index entry,
    alerts and last-seen id in one transaction per call, worked out before it opens."""

    def __init__(
        self,
        posts: PostRepo,
        find_hits: HitFinder,
        hooks: Sequence[SaveHook] = (),
        *,
        log_level: int = logging.INFO,  # an import, with its progress bar, logs saves at DEBUG
    ) -> None:
        self._posts = posts
        self._log_level = log_level
        self._find_hits = _never_blocking(find_hits)
        self._hooks = tuple(hooks)

    def prepare(
        self, posts: Sequence[Post], stored: Mapping[int, str] | None = None
    ) -> list[PreparedPost]:
        """Hits and each step's derived value for every post whose text is not `stored`
        already (pure; no transaction open)."""
        return prepare_posts(posts, self._find_hits, self._hooks, stored)

    async def save(
        self,
        channel_telegram_id: int,
        posts: Sequence[Post],
        *,
        now: datetime,
        read_through: int | None = None,
        label: str | None = None,
    ) -> SaveResult:
        """Store posts; `read_through` (a history read's highest id) moves the poll cursor.
        `label` (@username) names the channel in the log; without it, its numeric id does."""
        if not posts and read_through is None:
            return SaveResult()
        stored = await self._posts.stored_texts(channel_telegram_id, [p.message_id for p in posts])
        try:
            result = await self._posts.save_prepared(
                channel_telegram_id,
                self.prepare(posts, stored),
                now=now,
                hooks=self._hooks,
                read_through=read_through,
            )
        except UnpreparedPostError:  # another writer edited a post meanwhile: work out all
            result = await self._posts.save_prepared(
                channel_telegram_id,
                self.prepare(posts),
                now=now,
                hooks=self._hooks,
                read_through=read_through,
            )
        if result.new_posts or result.edited_posts:
            logger.log(
                self._log_level,
                "ingested channel=%s new=%d edited=%d hits=%d cursor=%d",
                label or channel_telegram_id,
                len(result.new_posts),
                len(result.edited_posts),
                len(result.new_hits),
                result.last_seen_id,
            )
        return result

    async def delete(
        self,
        channel_telegram_id: int,
        message_ids: Sequence[int],
        *,
        now: datetime,
        label: str | None = None,
        raw: RawMessage | None = None,
    ) -> list[int]:
        """Flag posts gone; `raw` (what Telegram answered) goes into their evidence captures."""
        flagged = await self._posts.mark_deleted(
            channel_telegram_id, message_ids, now=now, hooks=self._hooks, raw=raw
        )
        if flagged:
            logger.info("deleted channel=%s posts=%d", label or channel_telegram_id, len(flagged))
        return flagged
