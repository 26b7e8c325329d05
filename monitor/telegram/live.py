"""Live updates for joined channels: new, edited and deleted posts, handed on as domain values (does I/O)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from telethon import TelegramClient, events, types

from monitor.domain import CaptureSource, Post, RawMessage
from monitor.telegram.convert import is_post, json_ready, post_from_message

logger = logging.getLogger(__name__)

OnPost = Callable[[Post], Awaitable[None]]
OnDeletion = Callable[[int, Sequence[int], RawMessage | None], Awaitable[None]]


class LiveFeed:
    """Telethon event handlers that turn channel updates into calls of `on_post` / `on_deletion`.

    Polling stays the source of truth: an update missed here is read by the next poll, and one
    seen twice is harmless because the archive is keyed by (channel, message id).
    """

    def __init__(
        self,
        client: TelegramClient,
        on_post: OnPost,
        on_deletion: OnDeletion,
        *,
        account: str = "",
    ) -> None:
        self._client = client
        self._account = account  # the reader account, named in every capture
        self._on_post = on_post
        self._on_deletion = on_deletion
        self._handlers: list[tuple[Callable[[Any], Awaitable[None]], Any]] = [
            (self._message, events.NewMessage(incoming=True)),
            (self._message, events.MessageEdited(incoming=True)),
            (self._deleted, events.MessageDeleted()),
        ]
        self.received = 0

    def attach(self) -> None:
        for handler, event in self._handlers:
            self._client.add_event_handler(handler, event)

    def detach(self) -> None:
        for handler, event in self._handlers:
            self._client.remove_event_handler(handler, event)

    async def _message(self, event: Any) -> None:
        message = event.message
        if not isinstance(message.peer_id, types.PeerChannel) or not is_post(message):
            return
        self.received += 1
        try:
            await self._on_post(
                post_from_message(
                    message.peer_id.channel_id, message, CaptureSource.LIVE, self._account
                )
            )
        except Exception:  # one bad update must not stop the others (the poll will retry it)
            logger.exception(
                "live post failed channel=%d id=%d", message.peer_id.channel_id, message.id
            )

    async def _deleted(self, event: Any) -> None:
        channel_id = getattr(event.original_update, "channel_id", None)
        if channel_id is None:
            return  # deletions outside channels carry no chat: nothing of ours
        self.received += 1
        try:
            raw = RawMessage(
                json_ready(event.original_update.to_dict()), CaptureSource.LIVE, self._account
            )
            await self._on_deletion(int(channel_id), list(event.deleted_ids), raw)
        except Exception:
            logger.exception("live deletion failed channel=%d", channel_id)
