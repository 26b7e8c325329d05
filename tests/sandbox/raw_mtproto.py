"""A hand-driven MTProto session for tests: sends what Telethon never would (old salts, repeated msg_ids)
and shows what the server really sent (containers, acks, gzip_packed) before any client library unwraps it.

The auth key comes from Telethon's own authenticator (or a logged-in client); framing, message ids,
salts and seq_nos are written here, from the MTProto description, not by the sandbox's code.
"""

from __future__ import annotations

import asyncio
import logging
import struct
import time
from collections import defaultdict
from dataclasses import dataclass

from telethon.crypto import AES, AuthKey, rsa
from telethon.extensions import BinaryReader
from telethon.network import ConnectionTcpIntermediate, MTProtoPlainSender, authenticator
from telethon.network.mtprotostate import MTProtoState

from monitor.sandbox.api import Sandbox

_LOGGERS: defaultdict[str, logging.Logger] = defaultdict(lambda: logging.getLogger("raw_mtproto"))
CONTAINER, GZIP, RPC_RESULT = 0x73F1F8DC, 0x3072CFA1, 0xF35C6D01


@dataclass(frozen=True)
class Received:
    """One server message, containers flattened; `body` is as sent (gzip_packed left packed)."""

    msg_id: int
    seq_no: int
    body: bytes

    @property
    def constructor(self) -> int:
        return int(struct.unpack_from("<I", self.body)[0])

    def obj(self) -> object:
        return BinaryReader(self.body).tgread_object()

    @property
    def rpc_inner(self) -> int:
        """For an rpc_result: the constructor of what it carries (gzip_packed stays visible)."""
        return int(struct.unpack_from("<I", self.body, 12)[0])


class RawSession:
    """One TCP connection and one session id over an auth key."""

    def __init__(self, connection: ConnectionTcpIntermediate, auth_key: AuthKey) -> None:
        self.connection = connection
        self.state = MTProtoState(auth_key, _LOGGERS)
        self.salt = 0
        self.seq = 0

    @classmethod
    async def open(cls, sandbox: Sandbox, auth_key: AuthKey | None = None) -> RawSession:
        rsa.add_key(sandbox.public_key_path.read_text(), old=False)
        host, port = sandbox.address
        connection = ConnectionTcpIntermediate(host, port, sandbox.dc_id, loggers=_LOGGERS)
        await connection.connect(timeout=5)
        if auth_key is None:
            auth_key, _ = await authenticator.do_authentication(
                MTProtoPlainSender(connection, loggers=_LOGGERS)
            )
        return cls(connection, auth_key)

    async def close(self) -> None:
        await self.connection.disconnect()

    def new_msg_id(self) -> int:
        return self.state._get_new_msg_id()

    def packet(
        self,
        body: bytes,
        *,
        msg_id: int | None = None,
        seq_no: int | None = None,
        content: bool = True,
    ) -> tuple[int, bytes]:
        msg_id = msg_id or self.new_msg_id()
        if seq_no is None:
            seq_no = self.seq * 2 + 1 if content else self.seq * 2
            self.seq += content
        self.state.salt = self.salt
        data = struct.pack("<qii", msg_id, seq_no, len(body)) + body
        return msg_id, self.state.encrypt_message_data(data)

    async def send(self, body: bytes, **kwargs: object) -> int:
        msg_id, packet = self.packet(body, **kwargs)  # type: ignore[arg-type]
        await self.connection.send(packet)
        return msg_id

    async def receive(self, within: float = 5.0) -> list[Received]:
        packet = await asyncio.wait_for(self.connection.recv(), within)
        msg_key = packet[8:24]
        key, iv = self.state._calc_key(self.state.auth_key.key, msg_key, False)
        plain = AES.decrypt_ige(packet[24:], key, iv)
        _salt, _session, msg_id, seq_no, length = struct.unpack_from("<qqqii", plain)
        return _flatten(Received(msg_id, seq_no, plain[32 : 32 + length]))

    async def until(self, constructor: int, within: float = 5.0) -> tuple[Received, list[Received]]:
        """Read until a message with `constructor` arrives; returns it and everything read."""
        seen: list[Received] = []
        deadline = time.monotonic() + within
        while True:
            batch = await self.receive(max(0.1, deadline - time.monotonic()))
            seen += batch
            found = [m for m in batch if m.constructor == constructor]
            if found:
                return found[0], seen


def _flatten(message: Received) -> list[Received]:
    if message.constructor != CONTAINER:
        return [message]
    reader = BinaryReader(message.body[4:])
    out: list[Received] = []
    for _ in range(reader.read_int()):
        msg_id, seq_no, length = reader.read_long(), reader.read_int(), reader.read_int()
        out.extend(_flatten(Received(msg_id, seq_no, reader.read(length))))
    return out
