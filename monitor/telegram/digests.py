"""Sending a weekly digest as the bot: its text messages, then the chart as a photo (does I/O)."""

from __future__ import annotations

import io
from collections.abc import Sequence

from telethon import TelegramClient, errors

from monitor.digest import Digest
from monitor.errors import RateLimitedError, TelegramError
from monitor.ratelimit import SendLimiter
from monitor.weekly import DigestSender


def digest_sender(client: TelegramClient, limiter: SendLimiter, chat_id: int) -> DigestSender:
    """A DigestSender for one subscriber's chat, through the bot's one send gate."""

    async def send(digest: Digest, messages: Sequence[str], chart: bytes) -> list[int]:
        ids: list[int] = []
        try:
            for html in messages:
                await limiter.acquire(chat_id)
                sent = await client.send_message(
                    chat_id, html, parse_mode="html", link_preview=False
                )
                ids.append(int(sent.id))
            photo = io.BytesIO(chart)
            photo.name = f"draftwatch-{digest.week}.png"
            await limiter.acquire(chat_id)
            sent = await client.send_file(
                chat_id, photo, caption=f"Hits per day by category, {digest.week}"
            )
            ids.append(int(sent.id))
        except errors.FloodWaitError as e:
            limiter.pause(e.seconds)
            raise RateLimitedError(int(e.seconds), "digest") from e
        except errors.RPCError as e:
            raise TelegramError("digest", f"{e.code} {e.message}") from e
        return ids

    return send
