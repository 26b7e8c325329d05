"""MTProto message layer: message ids, seq_no, plain and encrypted envelopes, service objects (no I/O)."""

from __future__ import annotations

import gzip
import struct
import time
from dataclasses import dataclass
from typing import Any

from telethon.crypto import AuthKey
from telethon.extensions import BinaryReader
from telethon.tl import types
from telethon.tl.tlobject import TLObject

from monitor.sandbox.crypto import decrypt_from_client, encrypt_for_client

RPC_RESULT = 0xF35C6D01
MSG_CONTAINER = 0x73F1F8DC
GZIP_PACKED = 0x3072CFA1
VECTOR = 0x1CB5C415
BOOL_TRUE = 0x997275B5
BOOL_FALSE = 0xBC799737


@dataclass(frozen=True, slots=True)
class Incoming:
    """One decrypted client message (or one item of a container)."""

    msg_id: int
    seq_no: int
    body: bytes

    @property
    def constructor(self) -> int:
        return int(struct.unpack_from("<I", self.body)[0])


class MessageClock:
    """Server message ids: odd, strictly increasing, and within a second of the real clock."""

    def __init__(self) -> None:
        self._last = 0

    def next_id(self, *, response: bool) -> int:
        now = time.time()
        msg_id = (int(now) << 32) | (int((now % 1) * 2**30) << 2)
        msg_id |= 1 if response else 3
        if msg_id <= self._last:
            msg_id = self._last + 4
        self._last = msg_id
        return msg_id


def read_plain(packet: bytes) -> tuple[int, bytes]:
    """(msg_id, body) of an unencrypted message (auth_key_id = 0)."""
    msg_id, length = struct.unpack_from("<qi", packet, 8)
    return msg_id, packet[20 : 20 + length]


def write_plain(clock: MessageClock, body: bytes) -> bytes:
    return struct.pack("<qqi", 0, clock.next_id(response=True), len(body)) + body


def read_encrypted(auth_key: AuthKey, packet: bytes) -> tuple[int, int, Incoming]:
    """(salt, session_id, message) of a client's encrypted packet."""
    plain = decrypt_from_client(auth_key, packet)
    salt, session_id, msg_id, seq_no, length = struct.unpack_from("<qqqii", plain)
    return salt, session_id, Incoming(msg_id, seq_no, plain[32 : 32 + length])


def write_encrypted(
    auth_key: AuthKey, salt: int, session_id: int, msg_id: int, seq_no: int, body: bytes
) -> bytes:
    plain = struct.pack("<qqqii", salt, session_id, msg_id, seq_no, len(body)) + body
    return encrypt_for_client(auth_key, plain)


def container_items(message: Incoming) -> list[Incoming]:
    """The messages a msg_container carries (each still to be checked on its own)."""
    out: list[Incoming] = []
    reader = BinaryReader(message.body[4:])
    for _ in range(reader.read_int()):
        msg_id, seq_no, length = reader.read_long(), reader.read_int(), reader.read_int()
        out.append(Incoming(msg_id, seq_no, reader.read(length)))
    return out


def gunzip(message: Incoming) -> Incoming:
    """The message a gzip_packed carries, under the same msg_id."""
    data = gzip.decompress(BinaryReader(message.body[4:]).tgread_bytes())
    return Incoming(message.msg_id, message.seq_no, data)


def gzip_packed(body: bytes) -> bytes:
    """gzip_packed#3072cfa1 packed_data:bytes = Object (Telegram packs large answers)."""
    packed = gzip.compress(body, 6)
    return struct.pack("<I", GZIP_PACKED) + bytes(TLObject.serialize_bytes(packed))


def container(items: list[tuple[int, int, bytes]]) -> bytes:
    """msg_container#73f1f8dc of (msg_id, seq_no, body) items."""
    parts = [struct.pack("<Ii", MSG_CONTAINER, len(items))]
    parts += [struct.pack("<qii", m, s, len(b)) + b for m, s, b in items]
    return b"".join(parts)


def serialize_result(result: Any) -> bytes:
    """The TL bytes of a handler's return value: an object, a vector, a Bool or raw bytes."""
    if isinstance(result, bytes):
        return result
    if isinstance(result, bool):
        return struct.pack("<I", BOOL_TRUE if result else BOOL_FALSE)
    if isinstance(result, list):
        items = [struct.pack("<q", x) if isinstance(x, int) else bytes(x) for x in result]
        return struct.pack("<Ii", VECTOR, len(items)) + b"".join(items)
    if isinstance(result, TLObject):
        return bytes(result)
    raise TypeError(f"cannot serialize {type(result).__name__}")


def rpc_result(req_msg_id: int, body: bytes) -> bytes:
    return struct.pack("<Iq", RPC_RESULT, req_msg_id) + body


def rpc_error(req_msg_id: int, code: int, message: str) -> bytes:
    return rpc_result(req_msg_id, bytes(types.RpcError(code, message)))


def pong(msg_id: int, ping_id: int) -> bytes:
    return bytes(types.Pong(msg_id, ping_id))


def new_session_created(first_msg_id: int, unique_id: int, salt: int) -> bytes:
    return bytes(types.NewSessionCreated(first_msg_id, unique_id, salt))


def msgs_ack(msg_ids: list[int]) -> bytes:
    return bytes(types.MsgsAck(msg_ids))


def bad_server_salt(msg_id: int, seq_no: int, new_salt: int) -> bytes:
    return bytes(types.BadServerSalt(msg_id, seq_no, 48, new_salt))


def bad_msg_notification(msg_id: int, seq_no: int, code: int) -> bytes:
    return bytes(types.BadMsgNotification(msg_id, seq_no, code))


def msgs_state_info(req_msg_id: int, states: list[int]) -> bytes:
    # info:string is one byte per msg_id; Telethon's TL layer takes it as str.
    return bytes(types.MsgsStateInfo(req_msg_id, "".join(map(chr, states))))


def future_salts(req_msg_id: int, now: int, salts: list[types.FutureSalt]) -> bytes:
    """future_salts: sent bare, not inside rpc_result (Telethon's _handle_future_salts expects it so)."""
    return bytes(types.FutureSalts(req_msg_id, now, salts))


def destroy_session_result(session_id: int, *, destroyed: bool) -> bytes:
    if destroyed:
        return bytes(types.DestroySessionOk(session_id))
    return bytes(types.DestroySessionNone(session_id))
