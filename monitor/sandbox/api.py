"""The in-process test API: `async with Sandbox(key) as tg:` builds a world and serves it on a local port (socket I/O)."""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from telethon import TelegramClient
from telethon.extensions import markdown
from telethon.sessions import StringSession
from telethon.tl import types

from monitor.sandbox import posts
from monitor.sandbox.api_faults import FaultControls
from monitor.sandbox.crypto import ServerKey, generate_server_key
from monitor.sandbox.posts import AlbumItem, PostContent
from monitor.sandbox.rpc.sending import press_button
from monitor.sandbox.rules import Rules
from monitor.sandbox.server import SandboxServer
from monitor.sandbox.tsa import TsaKeys, TsaServer, start_tsa
from monitor.sandbox.views import SentMessage, sent_message
from monitor.sandbox.world import Account, Channel, World, copy_message
from monitor.telegram.connect import make_client

API_ID = 1
API_HASH = "0123456789abcdef0123456789abcdef"


class Sandbox(FaultControls):
    """A running local Telegram with a world that tests shape and inspect."""

    def __init__(
        self,
        server_key: ServerKey | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        dc_id: int = 2,
        key_dir: Path | None = None,
    ) -> None:
        self.server_key = server_key or generate_server_key()
        self.world = World()
        self.rules = Rules()
        self.server = SandboxServer(
            self.world, self.rules, self.server_key, host=host, port=port, dc_id=dc_id
        )
        self._key_dir = key_dir
        self._key_path: Path | None = None
        self._temp_dir: tempfile.TemporaryDirectory[str] | None = None
        self._clients: list[TelegramClient] = []
        self.tsa: TsaServer | None = None  # the RFC 3161 TSA, once start_tsa() has run

    async def __aenter__(self) -> Sandbox:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def start(self) -> None:
        await self.server.start()

    async def start_tsa(self, keys: TsaKeys | None = None, *, port: int = 0) -> TsaServer:
        """The sandbox's RFC 3161 time-stamping authority on loopback (started on first call:
        its keys cost a moment, and most tests never stamp)."""
        if self.tsa is None:
            self.tsa = await start_tsa(now=datetime.now(UTC), keys=keys, port=port)
        return self.tsa

    @property
    def tsa_ca_path(self) -> Path:
        """The TSA's root certificate (PEM), beside the server key: EVIDENCE_TSA_CA."""
        if self.tsa is None:
            raise RuntimeError("start_tsa() first")
        path = self.public_key_path.parent / "tsa-ca.pem"
        path.write_bytes(self.tsa.stamper.keys.ca_pem)
        return path

    async def stop(self) -> None:
        if self.tsa is not None:
            await self.tsa.close()
        for client in self._clients:
            if client.is_connected():
                await client.disconnect()
        await self.server.stop()
        if self._temp_dir is not None:
            self._temp_dir.cleanup()

    @property
    def address(self) -> tuple[str, int]:
        return self.server.host, self.server.port

    @property
    def dc_id(self) -> int:
        return self.server.dc_id

    @property
    def public_key_path(self) -> Path:
        """A PEM file of the server's public key (written on first use, in key_dir or a temp dir)."""
        if self._key_path is None:
            directory = self._key_dir
            if directory is None:
                self._temp_dir = tempfile.TemporaryDirectory(prefix="sandbox-key-")
                directory = Path(self._temp_dir.name)
            self._key_path = directory / "server_key.pub.pem"
            self._key_path.write_bytes(self.server_key.public_pem)
        return self._key_path

    # --- accounts ----------------------------------------------------------------------------

    def create_user(
        self,
        phone: str,
        *,
        first_name: str = "Test",
        username: str | None = None,
        code: str = "12345",
        password: str | None = None,
    ) -> Account:
        return self.world.add_account(
            first_name, phone=phone, username=username, login_code=code, password=password
        )

    def create_bot(
        self, username: str, *, token: str | None = None, first_name: str | None = None
    ) -> Account:
        account = self.world.add_account(
            first_name or username, username=username, bot_token="pending"
        )
        account.bot_token = token or f"{account.id}:{secrets.token_urlsafe(27)}"
        if token is not None:
            prefix = token.split(":", 1)[0]
            if prefix.isdigit() and int(prefix) not in self.world.accounts:
                self.world.accounts.pop(account.id)
                account.id = int(prefix)
                self.world.accounts[account.id] = account
        return account

    # --- channels --------------------------------------------------------------------------

    def create_channel(
        self, username: str | None, title: str, *, about: str = "", channel_id: int | None = None
    ) -> Channel:
        return self.world.add_channel(title, username, channel_id=channel_id, about=about)

    def join(self, account: Account, channel: Channel) -> None:
        self.world.join(channel, account.id)

    def post(
        self,
        channel: Channel,
        text: str = "",
        *,
        markdown_text: bool = False,
        entities: list[Any] | None = None,
        date: datetime | None = None,
        views: int | None = None,
        forwards: int = 0,
        forwarded_from: Channel | None = None,
        forwarded_post_id: int | None = None,
        photo: bytes | None = None,
        document: tuple[bytes, str, str] | None = None,
        grouped_id: int | None = None,
        message_id: int | None = None,
    ) -> int:
        """Publish a post (pushed to members); returns its id. `document` is (bytes, mime type, file name)."""
        if markdown_text:
            text, entities = markdown.parse(text)
        content = PostContent(
            date or datetime.now(UTC),
            text,
            entities,
            views or 0,
            forwards,
            forwarded_from,
            forwarded_post_id,
            photo,
            document,
            grouped_id,
            message_id or 0,
        )
        message = posts.channel_message(self.world, self.dc_id, content)
        return int(self.world.post(channel, message).id)

    def post_album(
        self,
        channel: Channel,
        items: Sequence[AlbumItem],
        caption: str = "",
        *,
        markdown_text: bool = False,
        date: datetime | None = None,
    ) -> list[int]:
        """An album: one post per photo (bytes) or document ((bytes, mime, name)) under one
        grouped_id, consecutive ids, the caption on the first, pushed to members in one batch."""
        entities = None
        if markdown_text:
            caption, entities = markdown.parse(caption)
        when = date or datetime.now(UTC)
        return posts.post_album(
            self.world, channel, self.dc_id, items, date=when, caption=caption, entities=entities
        )

    # --- file references --------------------------------------------------------------------

    def expire_file_references(self) -> None:
        """Every file reference handed out so far expires now (FILE_REFERENCE_EXPIRED)."""
        self.world.file_refs.expire_all()

    def set_file_reference_ttl(self, seconds: float | None) -> None:
        """File references expire `seconds` after their photo or document was stored, and every
        `seconds` after that (None: only by `expire_file_references`)."""
        self.world.file_refs.ttl_s = seconds

    def edit_post(
        self, channel: Channel, message_id: int, text: str, *, markdown_text: bool = False
    ) -> None:
        old = channel.timeline.messages[message_id]
        entities = None
        if markdown_text:
            text, entities = markdown.parse(text)
        edited = copy_message(old)
        edited.message, edited.entities, edited.edit_date = (
            text,
            entities or None,
            datetime.now(UTC),
        )
        self.world.edit_post(channel, edited)

    def delete_posts(self, channel: Channel, message_ids: list[int]) -> None:
        self.world.delete_posts(channel, message_ids)

    # --- private chats and bots ------------------------------------------------------------

    def send_private(self, sender: Account, recipient: Account, text: str) -> int:
        """`sender` writes to `recipient` (a user to a bot: "/start"); returns the sender's message id."""
        message = types.Message(
            id=0, peer_id=types.PeerUser(recipient.id), date=datetime.now(UTC), message=text
        )
        return int(self.world.send_private(sender, recipient, message).id)

    def sent_by(self, sender: Account, chat: Account | None = None) -> list[SentMessage]:
        """Every private message `sender` sent (to `chat` only if given), in order, current versions."""
        out = []
        for sender_id, original in self.world.sent:
            if sender_id != sender.id or (chat is not None and original.peer_id.user_id != chat.id):
                continue
            current = sender.mailbox.messages.get(original.id)
            out.append(
                sent_message(
                    sender_id, current or original, self.world.files, deleted=current is None
                )
            )
        return out

    def received_by(self, account: Account, sender: Account) -> list[SentMessage]:
        """`account`'s copies of what `sender` sent it, in order (ids as `account` sees them)."""
        messages = sorted(
            (
                m
                for m in account.mailbox.messages.values()
                if not m.out and m.peer_id.user_id == sender.id
            ),
            key=lambda m: m.id,
        )
        return [sent_message(sender.id, m, self.world.files, deleted=False) for m in messages]

    async def press_button(self, user: Account, message: SentMessage, text: str) -> Any:
        """`user` presses the inline button labelled `text` under `message` (from `received_by`)."""
        button = next(b for row in message.buttons for b in row if b.text == text)
        bot = self.world.accounts[message.sender_id]
        return await press_button(self.world, user, bot, message.id, button.data)

    def ban(self, account: Account) -> None:
        """Telegram bans the account: each of its calls answers 401 USER_DEACTIVATED_BAN."""
        account.banned = True

    def unban(self, account: Account) -> None:
        """The ban is lifted (an appeal won): the same session works again."""
        account.banned = False

    def revoke_sessions(self, account: Account) -> int:
        """Every session of the account is terminated (Settings > Devices, or Telegram itself):
        its auth keys answer 401 AUTH_KEY_UNREGISTERED until it logs in again. Returns how many."""
        keys = [k for k, owner in self.world.authorizations.items() if owner == account.id]
        for key in keys:
            del self.world.authorizations[key]
        return len(keys)

    def access_hash(self, channel: Channel, account: Account) -> int:
        """The access hash `account` is given for `channel` (each account sees its own)."""
        return channel.hash_for(account.id)

    # --- clients --------------------------------------------------------------------------------

    def client(self, session: str | Path | Any | None = None, **kwargs: Any) -> TelegramClient:
        """A real TelegramClient pointed at this sandbox (not connected); closed by `stop`."""
        kwargs.setdefault("flood_sleep_threshold", 0)
        kwargs.setdefault("receive_updates", True)
        chosen = StringSession() if session is None else session
        client = make_client(
            chosen,
            API_ID,
            API_HASH,
            server=self.address,
            server_key=self.public_key_path,
            dc_id=self.dc_id,
            **kwargs,
        )
        self._clients.append(client)
        return client

    async def login(
        self, account: Account, session: str | Path | Any | None = None, **kwargs: Any
    ) -> TelegramClient:
        """A connected, logged-in TelegramClient for a sandbox user or bot."""
        client = self.client(session, **kwargs)
        if account.bot_token is not None:
            await client.start(bot_token=account.bot_token)
        else:
            assert account.phone is not None
            await client.start(
                phone=account.phone,
                code_callback=lambda: account.login_code,
                password=account.password,
            )
        return client
