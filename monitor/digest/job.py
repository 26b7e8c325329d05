"""The weekly digest job: every due week of every approved subscriber, sent once (does I/O)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from monitor.digest.weekly import DigestSender, send_due_digests
from monitor.domain import SubscriberStatus
from monitor.errors import DraftwatchError
from monitor.store.digests import DigestRepo
from monitor.store.subscribers import SubscriberRepo

logger = logging.getLogger(__name__)

SenderFor = Callable[[int], DigestSender]  # chat id -> sender


async def send_weekly_digests(
    subscribers: SubscriberRepo, digests: DigestRepo, sender_for: SenderFor, *, now: datetime
) -> int:
    """Send what is due (Monday 09:00 in each subscriber's zone, and weeks missed while down).

    Admins are subscribers like any other here: each digest covers the subscriber's own
    subscriptions, and one without subscriptions gets the note on how to subscribe.

    One subscriber's failure never stops the others; a week that failed is released and
    tried again on the next run. Returns how many digests went out.
    """
    sent = 0
    for subscriber in await subscribers.list_subscribers(status=SubscriberStatus.APPROVED):
        if subscriber.id is None or subscriber.created_at is None:
            continue
        try:
            weeks = await send_due_digests(
                digests,
                subscriber_id=subscriber.id,
                subscriptions=await subscribers.list_subscriptions(subscriber.id),
                timezone=subscriber.timezone,
                joined=subscriber.created_at,
                now=now,
                send=sender_for(subscriber.telegram_user_id),
            )
        except (DraftwatchError, OSError) as e:
            logger.warning("digest failed subscriber=%d error=%s", subscriber.telegram_user_id, e)
            continue
        sent += len(weeks)
    return sent
