"""The sandbox's TCP server: accepts connections, owns auth keys, delivers pushed updates (socket I/O)."""

from __future__ import annotations

import asyncio
import logging
import os
from datetime import UTC, datetime
from typing import Any

from telethon.crypto import AuthKey
from telethon.tl import types

from monitor.sandbox import shapes, tl_objects
from monitor.sandbox.connection import Connection
from monitor.sandbox.crypto import ServerKey
from monitor.sandbox.dispatcher import Dispatcher
from monitor.sandbox.file_refs import personalized
from monitor.sandbox.rpc.registry import all_handlers
from monitor.sandbox.rules import Rules
from monitor.sandbox.session import Salts, SessionState
from monitor.sandbox.world import World

logger = logging.getLogger(__name__)


class SandboxServer:
    """Listens on host:port and serves MTProto clients against one World."""

    def __init__(
        self,
        world: World,
        rules: Rules,
        server_key: ServerKey,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        dc_id: int = 2,
    ) -> None:
        self.world = world
        self.rules = rules
        self.server_key = server_key
        self.host = host
        self.port = port
        self.dc_id = dc_id
        self.auth_keys: dict[int, AuthKey] = {}
        self.connections: set[Connection] = set()
        self.salts = Salts(os.urandom(32))
        self.sessions: dict[tuple[int, int], SessionState] = {}  # (auth key id, session id)
        self.temp_keys: dict[int, float] = {}  # temporary auth key id -> expires at (unix time)
        self.introduced: set[tuple[int, int]] = set()  # (viewer, user) pushed in full form once
        self.bound: dict[int, int] = {}  # temporary auth key id -> the permanent one it stands for
        self.dispatcher = Dispatcher(world, rules, all_handlers(), (dc_id, host, port))
        self._server: asyncio.Server | None = None
        world.push = self.push

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        self.dispatcher.port = self.port
        logger.info("sandbox listening host=%s port=%d", self.host, self.port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for connection in list(self.connections):
            connection.close()
        if self._server is not None:
            await self._server.wait_closed()

    def drop_connections(self, account_id: int | None = None) -> int:
        """Close every client connection (or those of one account), as a network failure would."""
        dropped = [c for c in self.connections if account_id is None or c.account_id == account_id]
        for connection in dropped:
            connection.close()
        return len(dropped)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connection = Connection(self, reader, writer)
        self.connections.add(connection)
        try:
            await connection.serve()
        finally:
            self.connections.discard(connection)

    def push(self, account_id: int, update: Any, skip_key: int | None = None) -> None:
        """Deliver one update (or a list: one batch) to every live connection of `account_id` (but the one that caused it)."""
        targets = [
            c
            for c in self.connections
            if c.account_id == account_id and (c.auth_key is None or c.auth_key.key_id != skip_key)
        ]
        if not targets:
            return
        if isinstance(update, list):  # one batch: an album's posts arrive in one Updates
            envelope: Any = self.envelope(account_id, update)
        else:
            short = shapes.short_message(update, account_id, self.introduced)
            envelope = short if short is not None else self.envelope(account_id, [update])
        if self.world.media:
            envelope = personalized(envelope, self.world.file_refs, account_id)
        for connection in targets:
            connection.push(envelope)

    def envelope(self, viewer_id: int, updates: list[Any]) -> types.Updates:
        """Wrap updates with the users and chats they mention, as Telegram does."""
        messages = [
            u.message for u in updates if hasattr(u, "message") and not isinstance(u.message, str)
        ]
        users, chats = tl_objects.entities_of(self.world, messages, viewer_id)
        for update in updates:
            user_id = getattr(update, "user_id", None)
            if user_id in self.world.accounts and all(u.id != user_id for u in users):
                users.append(tl_objects.user(self.world.accounts[user_id], viewer_id))
            channel_id = getattr(update, "channel_id", None)
            if channel_id in self.world.channels and all(c.id != channel_id for c in chats):
                chats.append(tl_objects.channel(self.world.channels[channel_id], viewer_id))
        return types.Updates(
            updates=updates, users=users, chats=chats, date=datetime.now(UTC), seq=0
        )
