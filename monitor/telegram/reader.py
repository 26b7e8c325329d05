"""Reading public channels with a Telethon user account: resolve, poll, backfill, re-check (does I/O)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from telethon import TelegramClient, errors, functions, types

from monitor.domain import CaptureSource, Channel, Post, RawMessage
from monitor.errors import (
    RateLimitedError,
    SessionDeadError,
    SourceUnavailableError,
    TelegramError,
)
from monitor.reader.channel_ref import ChannelRef
from monitor.telegram.convert import (
    is_post,
    json_ready,
    post_from_message,
    posts_from_messages,
)

logger = logging.getLogger(__name__)

_DEAD_SESSION = (
    errors.AuthKeyUnregisteredError,
    errors.AuthKeyDuplicatedError,
    errors.SessionRevokedError,
    errors.UserDeactivatedBanError,
    errors.UserDeactivatedError,
)
_UNAVAILABLE: tuple[tuple[type[Exception], str], ...] = (
    (errors.ChannelPrivateError, "the channel is private or this account was banned from it"),
    (errors.ChannelInvalidError, "the channel does not exist any more"),
    (errors.UsernameNotOccupiedError, "no channel has this username: check the spelling"),
    (errors.UsernameInvalidError, "this is not a valid username: check the spelling"),
)

Progress = Callable[[int], None]
HISTORY_PAGE = 100  # Telegram's largest messages.getHistory page


@dataclass(frozen=True, slots=True)
class HistoryRead:
    """Posts after the poll cursor, and `read_through`: the highest id the read covered.

    It counts service messages and album parts too, so the cursor passes them; ids missing below
    it (deleted posts) are holes Telegram has no post for, not posts still to read.
    """

    posts: list[Post]
    read_through: int


@contextmanager
def translated_errors(
    what: str, session: str = "reader", client: TelegramClient | None = None
) -> Iterator[None]:
    """Telethon's errors as draftwatch's: flood waits, unavailable sources, dead sessions.

    With `client`, a FloodWait is also dropped from Telethon's memory of waits, which is keyed
    by request type (telethon/client/users.py `_call`, `_flood_waited_requests`): one channel's
    getHistory wait would otherwise block every channel. The caller keeps the wait per channel.
    """
    try:
        yield
    except errors.FloodWaitError as e:
        if client is not None and e.request is not None:
            client._flood_waited_requests.pop(e.request.CONSTRUCTOR_ID, None)
        raise RateLimitedError(int(e.seconds), what) from e
    except _DEAD_SESSION as e:
        raise SessionDeadError(session, type(e).__name__) from e
    except errors.RPCError as e:
        for cls, reason in _UNAVAILABLE:
            if isinstance(e, cls):
                raise SourceUnavailableError(what, reason) from e
        raise TelegramError(what, f"{e.code} {e.message}") from e
    except (ConnectionError, TimeoutError) as e:
        raise TelegramError(what, f"connection: {e}") from e


def input_peer(channel: Channel) -> types.InputPeerChannel:
    """The peer built from the archive: no username look-up, ever, after the first."""
    if channel.access_hash is None:
        raise SourceUnavailableError(channel.label, "no access hash stored: add the channel again")
    return types.InputPeerChannel(channel.telegram_id, channel.access_hash)


class ChannelReader:
    """One user account's view of public channels; every method translates Telethon errors."""

    def __init__(self, client: TelegramClient, *, session_name: str = "reader") -> None:
        self.client = client
        self._session = session_name
        self.account = ""  # "<user id> (<name>)" once check_alive has run: captures name it

    async def resolve(self, ref: ChannelRef) -> Channel:
        """Resolve a username once (the most rate-limited call) into a storable Channel."""
        with translated_errors(str(ref), self._session):
            if ref.username is not None:
                result = await self.client(functions.contacts.ResolveUsernameRequest(ref.username))
                entity = _channel_in(result.chats, result.peer)
                if entity is None:
                    raise SourceUnavailableError(str(ref), "this is a user or a bot, not a channel")
            else:
                entity = await self._entity_by_id(ref)
        if not isinstance(entity, types.Channel) or (entity.megagroup and not entity.username):
            raise SourceUnavailableError(str(ref), "this is a group chat, not a public channel")
        return Channel(
            telegram_id=entity.id,
            access_hash=entity.access_hash,
            username=entity.username,
            title=entity.title,
        )

    async def _entity_by_id(self, ref: ChannelRef) -> Any:
        assert ref.channel_id is not None
        try:
            return await self.client.get_entity(types.PeerChannel(ref.channel_id))
        except ValueError as e:
            raise SourceUnavailableError(
                str(ref),
                "a numeric id works only for channels this account has seen: use @username",
            ) from e

    async def fetch_new(self, channel: Channel, *, limit: int | None = None) -> HistoryRead:
        """Posts after the channel's poll cursor, oldest first (albums merged), and how far the
        read reached: each page is the oldest ids above the last, so the read has no gap.

        One messages.getHistory per 100 posts, stopping at a short page: Telethon's iter_messages
        always asks once more for an empty page, which would double the polling budget. A page
        cut short by Telegram costs nothing: the next poll resumes from where this read ended.
        """
        peer = input_peer(channel)
        messages: list[Any] = []
        min_id = channel.last_seen_id
        with translated_errors(channel.label, self._session, self.client):
            while limit is None or len(messages) < limit:
                chunk = HISTORY_PAGE if limit is None else min(HISTORY_PAGE, limit - len(messages))
                page = await self.client(_window_after(peer, min_id, chunk))
                fresh = [m for m in page.messages if m.id > min_id]
                messages.extend(fresh)
                if len(page.messages) < chunk or not fresh:
                    break
                min_id = max(m.id for m in fresh)
        read_through = max((m.id for m in messages), default=channel.last_seen_id)
        posts = posts_from_messages(channel.telegram_id, messages, CaptureSource.POLL, self.account)
        return HistoryRead(posts, read_through)

    async def fetch_recent(
        self, channel: Channel, *, since: datetime, limit: int, progress: Progress | None = None
    ) -> list[Post]:
        """Backfill: the newest posts back to `since`, at most `limit`, oldest first."""
        peer = input_peer(channel)
        messages: list[Any] = []
        with translated_errors(channel.label, self._session, self.client):
            async for message in self.client.iter_messages(peer, limit=limit):
                if message.date < since:
                    break
                messages.append(message)
                if progress is not None:
                    progress(len(messages))
        return posts_from_messages(channel.telegram_id, messages, CaptureSource.POLL, self.account)

    async def recheck(
        self, channel: Channel, message_ids: Sequence[int]
    ) -> tuple[list[Post], list[int], RawMessage | None]:
        """Re-read known posts: (their current state, the ids that are gone, and what Telegram
        answered for those: the evidence of the deletion)."""
        if not message_ids:
            return [], [], None
        peer = input_peer(channel)
        with translated_errors(channel.label, self._session, self.client):
            found = await self.client.get_messages(peer, ids=list(message_ids))
        posts: list[Post] = []
        gone: list[int] = []
        answers: list[object] = []
        for message_id, message in zip(message_ids, found, strict=True):
            if message is None or not is_post(message):
                gone.append(message_id)
                answers.append(None if message is None else json_ready(message.to_dict()))
            else:
                posts.append(
                    post_from_message(
                        channel.telegram_id, message, CaptureSource.RECHECK, self.account
                    )
                )
        return posts, gone, _gone_raw(channel, gone, answers, self.account)

    async def join(self, channel: Channel) -> None:
        """Join a channel so that its posts arrive live (capped at about 500 per account)."""
        with translated_errors(channel.label, self._session):
            await self.client(functions.channels.JoinChannelRequest(input_peer(channel)))

    async def check_alive(self) -> str:
        """The account's name, or SessionDeadError: the watchdog's cheap probe."""
        with translated_errors("get_me", self._session):
            me = await self.client.get_me()
        if me is None:
            raise SessionDeadError(self._session, "not logged in")
        name = str(me.username or me.first_name or me.id)
        self.account = f"{me.id} ({name})"
        return name


def _window_after(
    peer: types.InputPeerChannel, min_id: int, limit: int
) -> functions.messages.GetHistoryRequest:
    """The `limit` oldest messages newer than `min_id` (as Telethon's reverse iteration asks)."""
    return functions.messages.GetHistoryRequest(
        peer=peer,
        offset_id=min_id + 1,
        offset_date=None,
        add_offset=-limit,
        limit=limit,
        max_id=0,
        min_id=min_id,
        hash=0,
    )


def _channel_in(chats: Sequence[Any], peer: Any) -> Any:
    if not isinstance(peer, types.PeerChannel):
        return None
    return next((c for c in chats if getattr(c, "id", None) == peer.channel_id), None)


def _gone_raw(
    channel: Channel, gone: Sequence[int], answers: Sequence[object], account: str
) -> RawMessage | None:
    """channels.getMessages' answer for posts that are gone (None: no message at all)."""
    if not gone:
        return None
    data = {
        "_": "channels.getMessages",
        "channel_id": channel.telegram_id,
        "ids": list(gone),
        "result": list(answers),
    }
    return RawMessage(data, CaptureSource.RECHECK, account)


LivePost = Callable[[Post], Awaitable[None]]
LiveDeletion = Callable[[int, list[int], RawMessage | None], Awaitable[None]]
