"""Weekly digest orchestration: which weeks are due, gather, build, claim, send, record (does I/O via the store).

The scheduler calls `send_due_digests` for each subscriber (Monday 09:00 local time by
default, and at start-up so a week missed while down goes out); the bot's /digest calls
`digest_for_week`. Sending itself is the caller's: a `DigestSender` gets the rendered
messages and the chart PNG and returns the ids of the messages it sent.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from monitor.chart import render_chart
from monitor.digest import Digest, IsoWeek, build_digest, due_weeks
from monitor.render.digest import digest_messages
from monitor.store.digests import DigestRepo

logger = logging.getLogger(__name__)

# (digest, its Telegram HTML messages, the chart PNG) -> ids of the messages sent. Raise only
# when nothing reached the subscriber: the week is then released and tried again next time.
DigestSender = Callable[[Digest, Sequence[str], bytes], Awaitable[Sequence[int]]]


async def digest_for_week(repo: DigestRepo, week: IsoWeek, timezone: str) -> Digest:
    """The digest of one week in one timezone (for /digest and previews; records nothing)."""
    start, end = week.bounds(timezone)
    data = await repo.gather(start=start, end=end)
    return build_digest(data, start=start, end=end, timezone=timezone)


async def send_due_digests(
    repo: DigestRepo,
    *,
    subscriber_id: int,
    timezone: str,
    joined: datetime,
    now: datetime,
    send: DigestSender,
    lookback: int = 4,
) -> list[IsoWeek]:
    """Send every due week not yet recorded for the subscriber, oldest first; return them.

    Each week is claimed before it is built and sent, and marked sent after: run twice, or
    after a restart, a week already claimed is skipped, so it never goes out twice.
    """
    weeks = due_weeks(now, timezone, since=joined, lookback=lookback)
    todo = await repo.list_unrecorded(subscriber_id, [str(w) for w in weeks])
    sent: list[IsoWeek] = []
    for label in todo:
        if not await repo.claim(subscriber_id, label):
            continue
        week = IsoWeek.parse(label)
        try:
            digest = await digest_for_week(repo, week, timezone)
            chart = await asyncio.to_thread(render_chart, digest)
            message_ids = await send(digest, digest_messages(digest), chart)
        except BaseException:
            logger.warning("digest not sent subscriber=%d week=%s: released", subscriber_id, label)
            await repo.release(subscriber_id, label)
            raise
        await repo.mark_sent(subscriber_id, label, list(message_ids), now=now)
        logger.info(
            "digest sent subscriber=%d week=%s messages=%d", subscriber_id, label, len(message_ids)
        )
        sent.append(week)
    return sent
