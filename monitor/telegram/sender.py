"""Sending as the bot: messages with a fixed random_id and Telethon's HTML entities, edits, and
Telethon's errors translated for the delivery worker (Telethon only; its types stop here)."""

from __future__ import annotations

import io
import logging
import secrets
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from telethon import Button, TelegramClient, errors
from telethon.extensions import html as telethon_html
from telethon.tl import functions, types

from monitor.errors import (
    AlreadyDeliveredError,
    DeliveryFailedError,
    RateLimitedError,
    RecipientGoneError,
)

logger = logging.getLogger(__name__)

# The user blocked the bot, deleted their account, or was never reachable: stop sending.
_GONE = (
    errors.UserIsBlockedError,
    errors.InputUserDeactivatedError,
    errors.UserDeactivatedError,
    errors.UserDeactivatedBanError,
    errors.PeerIdInvalidError,
    errors.UserIdInvalidError,
)

Buttons = Sequence[Sequence[tuple[str, str]]]  # rows of (label, callback data)


def bot_client_options() -> dict[str, Any]:
    """TelegramClient options for the bot: the delivery worker retries and waits itself.

    Telethon files RANDOM_ID_DUPLICATE under server errors and retries it, then raises a bare
    ValueError (telethon/client/users.py); with no retries and the last error raised, the
    sender sees RandomIdDuplicateError, which here means "delivered before a crash".
    """
    return {"request_retries": 0, "raise_last_call_error": True, "flood_sleep_threshold": 0}


@asynccontextmanager
async def _translated(chat_id: int, what: str) -> AsyncIterator[None]:
    try:
        yield
    except errors.FloodWaitError as e:
        raise RateLimitedError(int(e.seconds), what) from e
    except _GONE as e:
        raise RecipientGoneError(chat_id, type(e).__name__) from e
    except errors.RPCError as e:
        raise DeliveryFailedError(chat_id, f"{type(e).__name__}: {e}") from e
    except (ConnectionError, TimeoutError, OSError) as e:
        raise DeliveryFailedError(chat_id, f"{type(e).__name__}: {e}", offline=True) from e


class TelethonSender:
    """Implements monitor.alerts.worker.Sender over a logged-in bot client."""

    def __init__(self, client: TelegramClient) -> None:
        self._client = client

    def _markup(self, buttons: Buttons) -> Any:
        """Inline callback buttons, built by Telethon for its API layer."""
        if not buttons:
            return None
        rows = [[Button.inline(label, data.encode()) for label, data in row] for row in buttons]
        return self._client.build_reply_markup(rows)

    async def _peer(self, chat_id: int) -> Any:
        try:
            return await self._client.get_input_entity(types.PeerUser(chat_id))
        except ValueError as e:  # not in the session's entity cache: they never wrote to us
            raise DeliveryFailedError(chat_id, "unknown user: no access hash cached") from e

    async def send(self, chat_id: int, html: str, *, random_id: int, buttons: Buttons = ()) -> int:
        return await self._send(chat_id, html, random_id=random_id, buttons=buttons)

    async def send_with_buttons(self, chat_id: int, html: str, buttons: Buttons = ()) -> int:
        """A command's reply (not an alert): a fresh random_id, optional inline buttons."""
        return await self._send(chat_id, html, random_id=secrets.randbits(63), buttons=buttons)

    async def reply(self, chat_id: int, html: str, *, reply_to: int, random_id: int) -> int:
        """A message answering `reply_to` (an alert's follow-up), with a fixed random_id."""
        return await self._send(chat_id, html, random_id=random_id, reply_to=reply_to)

    async def _send(
        self,
        chat_id: int,
        html: str,
        *,
        random_id: int,
        buttons: Buttons = (),
        reply_to: int | None = None,
    ) -> int:
        text, entities = telethon_html.parse(html)
        async with _translated(chat_id, "messages.sendMessage"):
            peer = await self._peer(chat_id)
            try:
                result = await self._client(
                    functions.messages.SendMessageRequest(
                        peer,
                        text,
                        random_id=random_id,
                        entities=entities or None,
                        no_webpage=True,
                        reply_markup=self._markup(buttons),
                        reply_to=types.InputReplyToMessage(reply_to) if reply_to else None,
                    )
                )
            except errors.RandomIdDuplicateError as e:
                raise AlreadyDeliveredError(random_id) from e
        return _sent_id(result, random_id)

    async def send_photo_alert(
        self, chat_id: int, photo: bytes, html: str, *, random_id: int, buttons: Buttons = ()
    ) -> int:
        """An alert that carries the photo its words were read in: the alert is the caption
        (rendered under 1024 characters), sent with the alert's fixed random_id."""
        text, entities = telethon_html.parse(html)
        async with _translated(chat_id, "messages.sendMedia"):
            peer = await self._peer(chat_id)
            upload = io.BytesIO(photo)
            upload.name = "draftwatch-photo.jpg"
            uploaded = await self._client.upload_file(upload)
            try:
                result = await self._client(
                    functions.messages.SendMediaRequest(
                        peer,
                        types.InputMediaUploadedPhoto(uploaded),
                        text,
                        random_id=random_id,
                        reply_markup=self._markup(buttons),
                        entities=entities or None,
                    )
                )
            except errors.RandomIdDuplicateError as e:
                raise AlreadyDeliveredError(random_id) from e
        return _sent_id(result, random_id)

    async def send_photo(self, chat_id: int, photo: bytes, caption_html: str) -> int:
        """A picture (a digest's chart) with an HTML caption; returns the message id."""
        upload = io.BytesIO(photo)
        upload.name = "draftwatch-chart.png"
        async with _translated(chat_id, "messages.sendMedia"):
            peer = await self._peer(chat_id)
            message = await self._client.send_file(
                peer, upload, caption=caption_html, parse_mode="html"
            )
        return int(message.id)

    async def send_document(self, chat_id: int, name: str, data: bytes, caption_html: str) -> int:
        """A file (an /export) with an HTML caption; returns the message id."""
        upload = io.BytesIO(data)
        upload.name = name
        async with _translated(chat_id, "messages.sendMedia"):
            peer = await self._peer(chat_id)
            message = await self._client.send_file(
                peer, upload, caption=caption_html, parse_mode="html", force_document=True
            )
        return int(message.id)

    async def edit(self, chat_id: int, message_id: int, html: str, buttons: Buttons = ()) -> None:
        text, entities = telethon_html.parse(html)
        async with _translated(chat_id, "messages.editMessage"):
            peer = await self._peer(chat_id)
            try:
                await self._client(
                    functions.messages.EditMessageRequest(
                        peer,
                        message_id,
                        message=text,
                        entities=entities or None,
                        no_webpage=True,
                        reply_markup=self._markup(buttons),
                    )
                )
            except (errors.MessageNotModifiedError, errors.MessageIdInvalidError) as e:
                logger.info("edit skipped chat=%d message=%d: %s", chat_id, message_id, e)


def _sent_id(result: Any, random_id: int) -> int:
    """The id of the message just sent, from whichever shape of Updates Telegram answered."""
    if isinstance(result, types.UpdateShortSentMessage):
        return int(result.id)
    updates = getattr(result, "updates", [])
    for update in updates:
        if isinstance(update, types.UpdateMessageID) and update.random_id == random_id:
            return int(update.id)
    for update in updates:
        if isinstance(update, types.UpdateNewMessage):
            return int(update.message.id)
    raise DeliveryFailedError(0, f"no message id in {type(result).__name__}")
