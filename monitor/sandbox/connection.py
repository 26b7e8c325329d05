"""One client TCP connection: transport framing, handshake, decryption, service messages, RPC tasks (socket I/O)."""

from __future__ import annotations

import asyncio
import logging
import os
import struct
from typing import TYPE_CHECKING, Any

from telethon.crypto import AuthKey
from telethon.extensions import BinaryReader

from monitor.sandbox import mtproto
from monitor.sandbox.crypto import CryptoError
from monitor.sandbox.dispatcher import DropConnectionError
from monitor.sandbox.handshake import Handshake
from monitor.sandbox.transport import Transport, TransportError, detect_transport, error_packet

if TYPE_CHECKING:
    from monitor.sandbox.server import SandboxServer

logger = logging.getLogger(__name__)

_PING = 0x7ABE77EC
_PING_DELAY_DISCONNECT = 0xF3427B8C
_MSGS_ACK = 0x62D6B459
_MSGS_STATE_REQ = 0xDA69FB52
_DESTROY_SESSION = 0xE7512126
# Service messages that need no answer here: the sandbox never resends, so acks change nothing.
_SERVICE_IGNORED = frozenset({_MSGS_ACK, _MSGS_STATE_REQ, _DESTROY_SESSION})


class Connection:
    """Serves one TCP client until it disconnects or a fault drops it."""

    def __init__(
        self, server: SandboxServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.server = server
        self.reader = reader
        self.writer = writer
        self.transport: Transport | None = None
        self.auth_key: AuthKey | None = None
        self.session_id: int | None = None
        self.salt = struct.unpack("<q", os.urandom(8))[0]
        self.clock = mtproto.MessageClock()
        self._seq = 0
        self._handshake: Handshake | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def account_id(self) -> int | None:
        if self.auth_key is None:
            return None
        return self.server.world.authorizations.get(self.auth_key.key_id)

    async def serve(self) -> None:
        try:
            self.transport = await detect_transport(self.reader)
            while True:
                packet = await self.transport.read_packet(self.reader)
                await self._on_packet(packet)
        except (
            asyncio.IncompleteReadError,
            ConnectionError,
            TransportError,
            CryptoError,
            DropConnectionError,
        ) as e:
            logger.debug("sandbox connection closed reason=%r", e)
        except Exception:
            logger.exception("sandbox connection failed; closing it")
        finally:
            self.close()

    def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        self.writer.close()

    async def _on_packet(self, packet: bytes) -> None:
        (key_id,) = struct.unpack_from("<q", packet)
        if key_id == 0:
            self._on_plain(packet)
            return
        auth_key = self.server.auth_keys.get(struct.unpack_from("<Q", packet)[0])
        if auth_key is None:
            self._write(error_packet(-404))
            raise DropConnectionError("unknown auth key")
        self.auth_key = auth_key
        _salt, session_id, message = mtproto.read_encrypted(auth_key, packet)
        if session_id != self.session_id:
            self.session_id = session_id
            self._send(
                mtproto.new_session_created(message.msg_id, session_id, self.salt),
                content_related=False,
            )
        for item in mtproto.unpack(message):
            self._on_message(item)

    def _on_plain(self, packet: bytes) -> None:
        if self._handshake is None:
            self._handshake = Handshake(self.server.server_key)
        _, body = mtproto.read_plain(packet)
        answer = self._handshake.answer(BinaryReader(body).tgread_object())
        self._write(mtproto.write_plain(self.clock, bytes(answer)))
        if self._handshake.auth_key is not None:
            self.server.auth_keys[self._handshake.auth_key.key_id] = self._handshake.auth_key
            self._handshake = None

    def _on_message(self, message: mtproto.Incoming) -> None:
        constructor = message.constructor
        if constructor in (_PING, _PING_DELAY_DISCONNECT):
            ping_id = struct.unpack_from("<q", message.body, 4)[0]
            self._send(mtproto.pong(message.msg_id, ping_id), content_related=False)
        elif constructor not in _SERVICE_IGNORED:
            task = asyncio.create_task(self._answer(message))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _answer(self, message: mtproto.Incoming) -> None:
        assert self.auth_key is not None
        try:
            result = await self.server.dispatcher.invoke(self.auth_key.key_id, message.body)
        except DropConnectionError:
            self.writer.close()
            return
        if isinstance(result, tuple):
            body = mtproto.rpc_error(message.msg_id, *result)
        else:
            body = mtproto.rpc_result(message.msg_id, result)
        self._send(body, content_related=True)

    def push(self, updates: Any) -> None:
        """Send an Updates object the client did not ask for."""
        if (
            self.auth_key is not None
            and self.session_id is not None
            and not self.writer.is_closing()
        ):
            self._send(bytes(updates), content_related=True)

    def _send(self, body: bytes, *, content_related: bool) -> None:
        assert self.auth_key is not None
        assert self.session_id is not None
        seq_no = self._seq * 2 + 1 if content_related else self._seq * 2
        self._seq += content_related
        msg_id = self.clock.next_id(response=True)
        packet = mtproto.write_encrypted(
            self.auth_key, self.salt, self.session_id, msg_id, seq_no, body
        )
        self._write(packet)

    def _write(self, packet: bytes) -> None:
        assert self.transport is not None
        if not self.writer.is_closing():
            self.writer.write(self.transport.frame(packet))
