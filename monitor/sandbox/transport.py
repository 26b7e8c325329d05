"""MTProto TCP transports (Full, Abridged, Intermediate), recognized from the first bytes (stream I/O)."""

from __future__ import annotations

import asyncio
import struct
import zlib
from typing import Protocol

_ABRIDGED_TAG = b"\xef"
_INTERMEDIATE_TAG = b"\xee\xee\xee\xee"


class TransportError(Exception):
    """The byte stream does not follow the transport: close the connection."""


class Transport(Protocol):
    """Frames packets on one TCP stream, in both directions."""

    name: str

    async def read_packet(self, reader: asyncio.StreamReader) -> bytes: ...

    def frame(self, payload: bytes) -> bytes: ...


class FullTransport:
    """TCP Full: length, sequence number, payload, CRC32 (Telethon's default)."""

    name = "full"

    def __init__(self, first_length: bytes) -> None:
        self._pending_length: bytes | None = first_length
        self._in_seq = 0
        self._out_seq = 0

    async def read_packet(self, reader: asyncio.StreamReader) -> bytes:
        raw_length = self._pending_length or await reader.readexactly(4)
        self._pending_length = None
        (length,) = struct.unpack("<i", raw_length)
        if length < 12 or length > 16 * 1024 * 1024:
            raise TransportError(f"bad full-transport length {length}")
        rest = await reader.readexactly(length - 4)
        seq, body, crc = rest[:4], rest[4:-4], rest[-4:]
        if struct.unpack("<I", crc)[0] != zlib.crc32(raw_length + seq + body):
            raise TransportError("CRC32 mismatch")
        if struct.unpack("<i", seq)[0] != self._in_seq:
            raise TransportError("bad sequence number")
        self._in_seq += 1
        return body

    def frame(self, payload: bytes) -> bytes:
        head = struct.pack("<ii", len(payload) + 12, self._out_seq)
        self._out_seq += 1
        return head + payload + struct.pack("<I", zlib.crc32(head + payload))


class AbridgedTransport:
    """TCP Abridged: 0xef once, then length / 4 in one byte (or 0x7f and three bytes)."""

    name = "abridged"

    async def read_packet(self, reader: asyncio.StreamReader) -> bytes:
        first = (await reader.readexactly(1))[0]
        length = int.from_bytes(await reader.readexactly(3), "little") if first >= 0x7F else first
        return await reader.readexactly(length * 4)

    def frame(self, payload: bytes) -> bytes:
        length = len(payload) // 4
        if length < 0x7F:
            return bytes([length]) + payload
        return b"\x7f" + length.to_bytes(3, "little") + payload


class IntermediateTransport:
    """TCP Intermediate: 0xeeeeeeee once, then a four-byte length before each packet."""

    name = "intermediate"

    async def read_packet(self, reader: asyncio.StreamReader) -> bytes:
        (length,) = struct.unpack("<i", await reader.readexactly(4))
        return await reader.readexactly(length)

    def frame(self, payload: bytes) -> bytes:
        return struct.pack("<i", len(payload)) + payload


async def detect_transport(reader: asyncio.StreamReader) -> Transport:
    """Read the first bytes of a new connection and pick the transport they announce."""
    first = await reader.readexactly(1)
    if first == _ABRIDGED_TAG:
        return AbridgedTransport()
    head = first + await reader.readexactly(3)
    if head == _INTERMEDIATE_TAG:
        return IntermediateTransport()
    return FullTransport(head)


def error_packet(code: int) -> bytes:
    """A transport-level error (-404: unknown auth key), sent as a four-byte packet."""
    return struct.pack("<i", code)
