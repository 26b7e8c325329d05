"""Downloading a post's photo or document with the reader account: the message is read again for
a fresh file reference, FILE_REFERENCE_EXPIRED re-reads it once more, Telethon's errors become
draftwatch's (Telethon only; its types stop here; does I/O)."""

from __future__ import annotations

import logging
from typing import Any, BinaryIO

from telethon import TelegramClient, errors, types

from monitor.domain import Channel
from monitor.errors import DcRateLimitedError, MediaUnavailableError, RateLimitedError
from monitor.media.files import FileTooLargeError
from monitor.telegram.reader import input_peer, translated_errors

logger = logging.getLogger(__name__)

REFERENCE_RETRIES = 2  # re-reads of the message after FILE_REFERENCE_EXPIRED
_EXPIRED = (errors.FileReferenceExpiredError, errors.FilerefUpgradeNeededError)


class CappedWriter:
    """A file object for Telethon to write into that refuses more than `limit` bytes."""

    def __init__(self, target: BinaryIO, limit: int | None) -> None:
        self._target = target
        self._limit = limit
        self.written = 0

    def write(self, data: bytes) -> int:
        self.written += len(data)
        if self._limit is not None and self.written > self._limit:
            raise FileTooLargeError(self._limit)
        return self._target.write(data)

    def flush(self) -> None:
        self._target.flush()

    def tell(self) -> int:
        return self.written


class TelethonMedia:
    """Implements monitor.media.worker.MediaSource over the reader's client."""

    def __init__(self, client: TelegramClient, *, session_name: str = "reader") -> None:
        self._client = client
        self._session = session_name

    async def download(
        self, channel: Channel, message_id: int, into: BinaryIO, *, max_bytes: int | None
    ) -> None:
        """Write the message's photo (largest size) or document into `into`.

        MediaUnavailableError (permanent when the post or its media is gone), RateLimitedError,
        SessionDeadError, TelegramError for anything else (tried again later).
        """
        peer = input_peer(channel)
        for attempt in range(REFERENCE_RETRIES + 1):
            with translated_errors(channel.label, self._session, self._client):
                message = await self._client.get_messages(peer, ids=message_id)
            dc_id = _check_downloadable(message)
            into.seek(0)
            into.truncate()
            writer = CappedWriter(into, max_bytes)
            try:
                with translated_errors(f"{channel.label}/{message_id} file", self._session):
                    await self._client.download_media(message, file=writer)
            except (MediaUnavailableError, FileTooLargeError):
                raise
            except RateLimitedError as e:  # upload.getFile on the file's DC: that DC waits
                raise DcRateLimitedError(e.retry_after, dc_id) from e
            except Exception as e:
                if not isinstance(e.__cause__, _EXPIRED) or attempt == REFERENCE_RETRIES:
                    if isinstance(e.__cause__, _EXPIRED):
                        raise MediaUnavailableError(
                            "the file reference kept expiring: tried again later"
                        ) from e
                    raise
                logger.info(
                    "file reference expired channel=%s message=%d: reading the message again",
                    channel.label,
                    message_id,
                )
                continue
            if writer.written == 0:
                raise MediaUnavailableError("Telegram sent an empty file: tried again later")
            return


def _check_downloadable(message: Any) -> int:
    """The DC of a message's photo or document, or a permanent MediaUnavailableError."""
    if message is None or not isinstance(message, types.Message):
        raise MediaUnavailableError(
            "the post was deleted before its media was fetched", permanent=True
        )
    media = message.media
    if isinstance(media, types.MessageMediaPhoto) and isinstance(media.photo, types.Photo):
        return int(media.photo.dc_id)
    if isinstance(media, types.MessageMediaDocument) and isinstance(media.document, types.Document):
        return int(media.document.dc_id)
    raise MediaUnavailableError("the post no longer carries this media", permanent=True)
