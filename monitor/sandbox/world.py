"""The sandbox's world: accounts, channels, posts, private chats, membership and pts (no I/O).

Messages are stored as Telethon `types.Message` objects, exactly as clients receive them. Every
change appends its update to the owner's log (a channel or an account's mailbox) under the next
pts, and hands it to `push` for delivery to connected clients.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from telethon.tl import types

from monitor.sandbox.file_refs import FileReferences
from monitor.sandbox.pressure import Pressure
from monitor.sandbox.rpc.call import RpcError

# (account id, update or list of updates delivered in one batch, auth key id to skip)
Push = Callable[[int, Any, int | None], None]


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One pts step of a channel or a mailbox: what getDifference replays."""

    pts: int
    pts_count: int
    update: Any
    date: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass
class Timeline:
    """Messages under one pts sequence: a channel, or one account's private chats."""

    messages: dict[int, Any] = field(default_factory=dict)
    next_id: int = 1
    pts: int = 1
    log: list[LogEntry] = field(default_factory=list)

    def take_id(self, wanted: int | None = None) -> int:
        msg_id = max(self.next_id, wanted or 0)
        self.next_id = msg_id + 1
        return msg_id

    def record(self, pts_count: int, make_update: Callable[[int, int], Any]) -> Any:
        self.pts += pts_count
        update = make_update(self.pts, pts_count)
        self.log.append(LogEntry(self.pts, pts_count, update))
        return update

    def since(self, pts: int) -> list[LogEntry]:
        return [e for e in self.log if e.pts > pts]


@dataclass
class Account:
    """A user or a bot, with its private chats."""

    id: int
    access_hash: int
    first_name: str
    username: str | None = None
    phone: str | None = None
    login_code: str = "12345"
    password: str | None = None
    bot_token: str | None = None
    mailbox: Timeline = field(default_factory=Timeline)
    bot_commands: list[Any] = field(default_factory=list)
    # bots.setBotCommands beyond the default scope: "users" (all private chats) or a user id
    scoped_commands: dict[str | int, list[Any]] = field(default_factory=dict)
    random_ids: set[int] = field(default_factory=set)  # of messages sent: a repeat is refused
    blocked: set[int] = field(default_factory=set)
    started_by: set[int] = field(default_factory=set)  # a bot's users who wrote to it first
    banned: bool = False  # every call answers 401 USER_DEACTIVATED_BAN, as Telegram does

    @property
    def is_bot(self) -> bool:
        return self.bot_token is not None


@dataclass
class Channel:
    """A public broadcast channel with its posts and members."""

    id: int
    access_hash: int
    title: str
    username: str | None
    created: datetime
    about: str = ""
    timeline: Timeline = field(default_factory=Timeline)
    members: set[int] = field(default_factory=set)

    def hash_for(self, viewer_id: int | None) -> int:
        """The access hash `viewer_id` sees: Telegram gives each account its own (None: the
        channel's own, for callers that are not an account)."""
        if viewer_id is None:
            return self.access_hash
        digest = hashlib.sha256(f"sandbox:channel:{self.id}:viewer:{viewer_id}".encode()).digest()
        return int.from_bytes(digest[:8], "big") >> 1


class World:
    """Everything the sandbox knows; handlers and the test API both change it through here."""

    def __init__(self, push: Push | None = None) -> None:
        self.accounts: dict[int, Account] = {}
        self.channels: dict[int, Channel] = {}
        self.authorizations: dict[int, int] = {}  # auth key id -> account id
        self.pending_2fa: dict[int, int] = {}  # auth key id -> account that passed the code step
        self.srp_challenges: dict[int, Any] = {}  # auth key id -> srp.SrpChallenge
        self.copies: dict[
            tuple[int, int], tuple[int, int]
        ] = {}  # (owner, msg id) -> the other side
        self.push: Push = push or (lambda account_id, update, skip_key: None)
        self.uploads: dict[tuple[int, int], dict[int, bytes]] = {}  # (account, file id) -> parts
        self.files: dict[int, bytes] = {}  # photo or document id -> content
        self.media: dict[int, Any] = {}  # photo or document id -> types.Photo / types.Document
        self.photo_files: dict[tuple[int, str], bytes] = {}  # (photo id, size type) -> JPEG
        self.file_refs = FileReferences()
        self.sent: list[
            tuple[int, Any]
        ] = []  # (sender account, its copy as sent), every private send
        self.callbacks: dict[int, Any] = {}  # query id -> future of the bot's answer
        self.pressure = Pressure()
        self._next_user_id = 100_000_001
        self._next_channel_id = 1_000_000_001

    # --- creation and lookup -------------------------------------------------------------

    def add_account(self, first_name: str, **fields: Any) -> Account:
        account_id = fields.pop("account_id", None) or self._next_user_id
        self._next_user_id = max(self._next_user_id, account_id) + 1
        account = Account(account_id, access_hash_for("user", account_id), first_name, **fields)
        self.accounts[account.id] = account
        return account

    def add_channel(
        self, title: str, username: str | None, *, channel_id: int | None = None, about: str = ""
    ) -> Channel:
        channel_id = channel_id or self._next_channel_id
        self._next_channel_id = max(self._next_channel_id, channel_id) + 1
        channel = Channel(
            channel_id,
            access_hash_for("channel", channel_id),
            title,
            username,
            datetime.now(UTC),
            about,
        )
        self.channels[channel.id] = channel
        return channel

    def account(self, account_id: int) -> Account:
        if account_id not in self.accounts:
            raise RpcError(400, "USER_ID_INVALID")
        return self.accounts[account_id]

    def channel(
        self, channel_id: int, access_hash: int | None = None, viewer_id: int | None = None
    ) -> Channel:
        """The channel, or CHANNEL_INVALID when it is unknown or `access_hash` is not the one
        `viewer_id` was given (another account's hash is refused, as on Telegram)."""
        channel = self.channels.get(channel_id)
        if channel is None or (
            access_hash is not None and access_hash != channel.hash_for(viewer_id)
        ):
            raise RpcError(400, "CHANNEL_INVALID")
        return channel

    def find_username(self, username: str) -> Account | Channel | None:
        wanted = username.lower().lstrip("@")
        things: list[Account | Channel] = [*self.accounts.values(), *self.channels.values()]
        for thing in things:
            if thing.username and thing.username.lower() == wanted:
                return thing
        return None

    def find_phone(self, phone: str) -> Account | None:
        digits = phone.lstrip("+")
        return next(
            (a for a in self.accounts.values() if a.phone and a.phone.lstrip("+") == digits), None
        )

    def find_bot_token(self, token: str) -> Account | None:
        return next((a for a in self.accounts.values() if a.bot_token == token), None)

    # --- channels -----------------------------------------------------------------------

    def join(self, channel: Channel, account_id: int) -> None:
        channel.members.add(account_id)

    def leave(self, channel: Channel, account_id: int) -> None:
        channel.members.discard(account_id)

    def post(self, channel: Channel, message: Any) -> Any:
        """Store `message` (its id and peer are set here) and push updateNewChannelMessage."""
        return self.post_many(channel, [message])[0]

    def post_many(self, channel: Channel, messages: list[Any]) -> list[Any]:
        """Store `messages` under consecutive ids and push them in one batch, as Telegram delivers
        an album (several posts sharing a grouped_id)."""
        updates = []
        for message in messages:
            message.id = channel.timeline.take_id(message.id or None)
            message.peer_id = types.PeerChannel(channel.id)
            channel.timeline.messages[message.id] = message
            updates.append(channel.timeline.record(1, _new_channel_message(message)))
        self._push_channel(channel, updates[0] if len(updates) == 1 else updates)
        return messages

    def edit_post(self, channel: Channel, message: Any) -> Any:
        channel.timeline.messages[message.id] = message
        update = channel.timeline.record(
            1, lambda pts, n: types.UpdateEditChannelMessage(message, pts, n)
        )
        self._push_channel(channel, update)
        return update

    def delete_posts(self, channel: Channel, ids: Iterable[int]) -> Any:
        gone = [i for i in ids if channel.timeline.messages.pop(i, None) is not None]
        if not gone:
            return None
        update = channel.timeline.record(
            len(gone), lambda pts, n: types.UpdateDeleteChannelMessages(channel.id, gone, pts, n)
        )
        self._push_channel(channel, update)
        return update

    def _push_channel(self, channel: Channel, update: Any) -> None:
        for member in sorted(channel.members):
            self.push(member, update, None)

    # --- private chats -------------------------------------------------------------------

    def send_private(
        self,
        sender: Account,
        recipient: Account,
        message: Any,
        origin_key: int | None = None,
        reply_to: int | None = None,
    ) -> Any:
        """Store the sender's copy (returned) and the recipient's copy, each in its own mailbox.

        The sender's connection that sent it (`origin_key`) gets the update in its RPC result
        instead of a push, as Telegram does. `reply_to` is the sender's id of the replied message.
        """
        if recipient.is_bot and not sender.is_bot:
            recipient.started_by.add(sender.id)
        mine = self._deliver(
            sender, message, peer=recipient.id, out=True, origin_key=origin_key, reply_to=reply_to
        )
        self.sent.append((sender.id, mine))
        if recipient.id != sender.id:
            link = self.copies.get((sender.id, reply_to)) if reply_to else None
            their_reply = link[1] if link and link[0] == recipient.id else None
            theirs = self._deliver(
                recipient, message, peer=sender.id, out=False, reply_to=their_reply
            )
            self.copies[(sender.id, mine.id)] = (recipient.id, theirs.id)
            self.copies[(recipient.id, theirs.id)] = (sender.id, mine.id)
        return mine

    def _deliver(
        self,
        owner: Account,
        template: Any,
        *,
        peer: int,
        out: bool,
        origin_key: int | None = None,
        reply_to: int | None = None,
    ) -> Any:
        message = copy_message(template)
        message.id = owner.mailbox.take_id()
        message.peer_id = types.PeerUser(peer)
        message.out = out
        if reply_to is not None:
            message.reply_to = types.MessageReplyHeader(reply_to_msg_id=reply_to)
        owner.mailbox.messages[message.id] = message
        update = owner.mailbox.record(1, lambda pts, n: types.UpdateNewMessage(message, pts, n))
        self.push(owner.id, update, origin_key)
        return message

    def edit_private(self, owner: Account, message: Any, origin_key: int | None = None) -> Any:
        """Replace `owner`'s copy of a private message and push updateEditMessage to `owner`."""
        owner.mailbox.messages[message.id] = message
        update = owner.mailbox.record(1, lambda pts, n: types.UpdateEditMessage(message, pts, n))
        self.push(owner.id, update, origin_key)
        return update

    def delete_private(
        self, owner: Account, ids: Iterable[int], origin_key: int | None = None
    ) -> Any:
        gone = [i for i in ids if owner.mailbox.messages.pop(i, None) is not None]
        if not gone:
            return None
        update = owner.mailbox.record(
            len(gone), lambda pts, n: types.UpdateDeleteMessages(gone, pts, n)
        )
        self.push(owner.id, update, origin_key)
        return update


def _new_channel_message(message: Any) -> Callable[[int, int], Any]:
    return lambda pts, count: types.UpdateNewChannelMessage(message, pts, count)


def access_hash_for(kind: str, entity_id: int) -> int:
    """Stable across restarts, so that a client's stored (id, access_hash) keeps working."""
    digest = hashlib.sha256(f"sandbox:{kind}:{entity_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def copy_message(message: Any) -> Any:
    """A shallow copy of a TL message (each mailbox owns its copy)."""
    copy = object.__new__(type(message))
    copy.__dict__.update(message.__dict__)
    return copy
