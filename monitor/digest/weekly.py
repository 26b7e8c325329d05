"""Weekly digest orchestration: which weeks are due, gather, build, claim, send, record (does I/O via the store).

The scheduler calls `send_due_digests` for each subscriber (Monday 09:00 local time by
default, and at start-up so a week missed while down goes out); the bot's /digest calls
`digest_for_week`. A subscriber's digest covers only what their subscriptions would alert
them for; one without subscriptions gets a note that says how to subscribe instead. Sending
itself is the caller's: a `DigestSender` gets the week, the rendered messages and the chart
PNG (None for the note) and returns the ids of the messages it sent.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from monitor.alerts.planning import make_expression_hits, prefilter
from monitor.digest.build import (
    Digest,
    DigestData,
    IsoWeek,
    build_digest,
    due_weeks,
    subscribed_hits,
)
from monitor.digest.chart import render_chart
from monitor.digest.render import digest_messages, no_subscriptions_html
from monitor.domain import Subscription
from monitor.store.digests import DigestRepo

logger = logging.getLogger(__name__)

# (week, its Telegram HTML messages, the chart PNG or None) -> ids of the messages sent. Raise
# only when nothing reached the subscriber: the week is then released and tried again next time.
DigestSender = Callable[[IsoWeek, Sequence[str], bytes | None], Awaitable[Sequence[int]]]


async def digest_for_week(
    repo: DigestRepo,
    week: IsoWeek,
    timezone: str,
    subscriptions: Sequence[Subscription] | None,
) -> Digest:
    """The digest of one week in one timezone (for /digest and previews; records nothing).

    It covers the hits `subscriptions` would alert for, or every hit when None (a preview of
    the whole archive). Keyword expressions are matched in a worker thread, a page at a time.
    """
    start, end = week.bounds(timezone)
    wanted = None if subscriptions is None else prefilter(subscriptions)
    expression_hits = make_expression_hits()
    hits = []
    async for page in repo.stream_posts(since=start - (end - start), end=end, wanted=wanted):
        hits += await asyncio.to_thread(subscribed_hits, page, subscriptions, expression_hits)
    return build_digest(
        DigestData(tuple(hits)),
        start=start,
        end=end,
        timezone=timezone,
        subscriptions=subscriptions,
    )


async def send_due_digests(
    repo: DigestRepo,
    *,
    subscriber_id: int,
    subscriptions: Sequence[Subscription],
    timezone: str,
    joined: datetime,
    now: datetime,
    send: DigestSender,
    lookback: int = 4,
) -> list[IsoWeek]:
    """Send every due week not yet recorded for the subscriber, oldest first; return them.

    Each week is claimed before it is built and sent, and marked sent after: run twice, or
    after a restart, a week already claimed is skipped, so it never goes out twice. Without
    subscriptions only the newest due week gets the note (older ones are recorded, unsent).
    """
    weeks = due_weeks(now, timezone, since=joined, lookback=lookback)
    todo = await repo.list_unrecorded(subscriber_id, [str(w) for w in weeks])
    sent: list[IsoWeek] = []
    for label in todo:
        if not await repo.claim(subscriber_id, label):
            continue
        week = IsoWeek.parse(label)
        try:
            if subscriptions:
                message_ids = await _send_digest(repo, week, timezone, subscriptions, send)
            elif label == todo[-1]:
                message_ids = await send(week, [no_subscriptions_html(week)], None)
            else:
                message_ids = []  # an older week with nothing to count: recorded, not sent
        except BaseException:
            logger.warning("digest not sent subscriber=%d week=%s: released", subscriber_id, label)
            await repo.release(subscriber_id, label)
            raise
        await repo.mark_sent(subscriber_id, label, list(message_ids), now=now)
        logger.info(
            "digest sent subscriber=%d week=%s messages=%d", subscriber_id, label, len(message_ids)
        )
        if message_ids:
            sent.append(week)
    return sent


async def _send_digest(
    repo: DigestRepo,
    week: IsoWeek,
    timezone: str,
    subscriptions: Sequence[Subscription],
    send: DigestSender,
) -> Sequence[int]:
    digest = await digest_for_week(repo, week, timezone, subscriptions)
    chart = await asyncio.to_thread(render_chart, digest)
    return await send(week, digest_messages(digest), chart)
