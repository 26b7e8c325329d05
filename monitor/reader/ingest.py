"""Orchestration: fetched posts -> archive -> matcher -> hits -> save hooks (alerts, index); does I/O."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from monitor.domain import Hit, Post, SaveResult
from monitor.store.posts import HitFinder, PostRepo, SaveHook

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
    """Saves what the reader fetched: post, version, hits and last-seen id in one transaction each."""

    def __init__(
        self, posts: PostRepo, find_hits: HitFinder, hooks: Sequence[SaveHook] = ()
    ) -> None:
        self._posts = posts
        self._find_hits = _never_blocking(find_hits)
        self._hooks = tuple(hooks)

    async def save(
        self,
        channel_telegram_id: int,
        posts: Sequence[Post],
        *,
        now: datetime,
        read_through: int | None = None,
    ) -> SaveResult:
        """Store posts; `read_through` (a history read's highest id) moves the poll cursor."""
        if not posts and read_through is None:
            return SaveResult()
        result = await self._posts.save_posts(
            channel_telegram_id,
            posts,
            now=now,
            find_hits=self._find_hits,
            hooks=self._hooks,
            read_through=read_through,
        )
        if result.new_posts or result.edited_posts:
            logger.info(
                "ingested channel=%d new=%d edited=%d hits=%d cursor=%d",
                channel_telegram_id,
                len(result.new_posts),
                len(result.edited_posts),
                len(result.new_hits),
                result.last_seen_id,
            )
        return result

    async def delete(
        self, channel_telegram_id: int, message_ids: Sequence[int], *, now: datetime
    ) -> list[int]:
        flagged = await self._posts.mark_deleted(channel_telegram_id, message_ids, now=now)
        if flagged:
            logger.info("deleted channel=%d posts=%d", channel_telegram_id, len(flagged))
        return flagged
