"""The in-process test API: `async with Sandbox(key) as tg:` builds a world and serves it on a local port (socket I/O)."""

from __future__ import annotations

import secrets
from pathlib import Path
from types import TracebackType
from typing import Any

from telethon import TelegramClient
from telethon.sessions import StringSession

from monitor.sandbox.crypto import ServerKey, generate_server_key
from monitor.sandbox.rules import Rules
from monitor.sandbox.server import SandboxServer
from monitor.sandbox.world import Account, World
from monitor.telegram.connect import make_client

API_ID = 1
API_HASH = "0123456789abcdef0123456789abcdef"


class Sandbox:
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
        self._clients: list[TelegramClient] = []

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

    async def stop(self) -> None:
        for client in self._clients:
            if client.is_connected():
                await client.disconnect()
        await self.server.stop()

    @property
    def address(self) -> tuple[str, int]:
        return self.server.host, self.server.port

    @property
    def dc_id(self) -> int:
        return self.server.dc_id

    @property
    def public_key_path(self) -> Path:
        """A PEM file of the server's public key (written on first use)."""
        if self._key_path is None:
            import tempfile

            directory = self._key_dir or Path(tempfile.mkdtemp(prefix="sandbox-key-"))
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
