"""Sending a weekly digest as the bot: its text messages, then the chart as a photo (does I/O)."""

from __future__ import annotations

from collections.abc import Sequence

from monitor.digest.build import IsoWeek
from monitor.digest.render import chart_caption
from monitor.digest.weekly import DigestSender
from monitor.ratelimit import SendLimiter
from monitor.telegram.sender import TelethonSender


def digest_sender(sender: TelethonSender, limiter: SendLimiter, chat_id: int) -> DigestSender:
    """A DigestSender for one subscriber's chat, through the bot's one send gate.

    Errors arrive translated by the sender (RateLimitedError, DeliveryFailedError ...); the
    weekly job then releases the week and tries again on its next run.
    """

    async def send(week: IsoWeek, messages: Sequence[str], chart: bytes | None) -> list[int]:
        ids: list[int] = []
        for html in messages:
            await limiter.acquire(chat_id)
            ids.append(await sender.send_with_buttons(chat_id, html))
        if chart is not None:
            await limiter.acquire(chat_id)
            ids.append(await sender.send_photo(chat_id, chart, chart_caption(week)))
        return ids

    return send
