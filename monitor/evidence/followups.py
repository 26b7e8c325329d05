"""Sending the follow-ups: each a reply to the analyst's alert, at most once (its random_id),
through the bot's one send gate; a failure is tried again on the next round (does I/O)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Protocol

from monitor.errors import AlreadyDeliveredError, DeliveryFailedError, RateLimitedError
from monitor.store.followups import FollowUpRepo

logger = logging.getLogger(__name__)


class ReplySender(Protocol):
    async def reply(self, chat_id: int, html: str, *, reply_to: int, random_id: int) -> int: ...


class SendGate(Protocol):
    async def acquire(self, chat_id: int) -> None: ...


async def send_followups(
    repo: FollowUpRepo, sender: ReplySender, gate: SendGate, *, now: datetime
) -> int:
    """Send what is pending; returns how many were sent. A flood wait ends the round."""
    sent = 0
    await repo.drop_unsendable()
    for followup in await repo.list_pending():
        await gate.acquire(followup.chat_id)
        try:
            message_id: int | None = await sender.reply(
                followup.chat_id,
                followup.html,
                reply_to=followup.reply_to,
                random_id=followup.random_id,
            )
        except AlreadyDeliveredError:  # sent before a crash, never marked: not again
            message_id = None
        except RateLimitedError as e:
            logger.warning("follow-ups paused: flood wait %d s", e.retry_after)
            return sent
        except DeliveryFailedError as e:
            logger.warning("follow-up not sent id=%d error=%s", followup.id, e)
            await repo.mark_failed_attempt(followup.id, str(e))
            continue
        await repo.mark_sent(followup.id, message_id, now=now)
        sent += 1
    if sent:
        logger.info("follow-ups sent=%d", sent)
    return sent
