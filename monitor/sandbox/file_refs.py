"""File references: each account's own, expiring token for each photo and document, put into what it receives (no I/O).

Telegram puts a `file_reference` in every photo and document it sends; upload.getFile (and a
reuse in messages.sendMedia) needs it back. References expire: then the call fails with
FILE_REFERENCE_EXPIRED, and the client re-reads the message (channels.getMessages,
messages.getHistory) for a fresh one (https://core.telegram.org/api/file-references). In the
sandbox a reference names the account it was given to and the period it was given in; it
expires when its period ends (`ttl_s`, None: never) or when `expire_all` is called. A
reference handed to another account is FILE_REFERENCE_INVALID.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import struct
import time
from collections.abc import Callable
from typing import Any

from telethon.tl import types
from telethon.tl.tlobject import TLObject

from monitor.sandbox.rpc.call import RpcError

_VERSION = 2  # Telegram's message-origin references start with 0x02 too


class FileReferences:
    """Issues and checks references; `clock` is monotonic seconds (tests pass their own)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.ttl_s: float | None = None
        self.generation = 0  # bumped by expire_all: every reference given before is expired
        self._secret = secrets.token_bytes(32)
        self._born: dict[int, float] = {}  # photo or document id -> when it was stored

    def __contains__(self, item_id: int) -> bool:
        return item_id in self._born

    def register(self, item_id: int) -> None:
        self._born.setdefault(item_id, self.clock())

    def expire_all(self) -> None:
        """Expire every reference given so far (clients get new ones from the next read)."""
        self.generation += 1

    def period(self, item_id: int) -> int:
        """The current period of `item_id`'s references: a reference from an earlier one is expired."""
        if self.ttl_s is None or self.ttl_s <= 0:
            return self.generation
        lived = max(0.0, self.clock() - self._born.get(item_id, self.clock()))
        return self.generation + int(lived // self.ttl_s)

    def reference(self, item_id: int, viewer_id: int | None) -> bytes:
        """The reference `viewer_id` gets for `item_id` now."""
        return self._make(item_id, viewer_id or 0, self.period(item_id))

    def check(self, item_id: int, viewer_id: int | None, reference: bytes) -> None:
        """Raise what Telegram answers for a reference that is empty, expired or not this account's."""
        if not reference:
            raise RpcError(400, "FILE_REFERENCE_EMPTY")
        if len(reference) != 21 or reference[0] != _VERSION:
            raise RpcError(400, "FILE_REFERENCE_INVALID")
        (period,) = struct.unpack(">I", reference[1:5])
        if not hmac.compare_digest(reference, self._make(item_id, viewer_id or 0, period)):
            raise RpcError(400, "FILE_REFERENCE_INVALID")
        if period < self.period(item_id):
            raise RpcError(400, "FILE_REFERENCE_EXPIRED")

    def _make(self, item_id: int, viewer_id: int, period: int) -> bytes:
        stamp = struct.pack(">I", period & 0xFFFFFFFF)
        mac = hmac.new(self._secret, struct.pack(">qq", item_id, viewer_id) + stamp, hashlib.sha256)
        return bytes([_VERSION]) + stamp + mac.digest()[:16]


def personalized(obj: Any, refs: FileReferences, viewer_id: int | None) -> Any:
    """`obj` as `viewer_id` receives it: every photo and document carries that account's reference.

    Objects on the way to a changed photo or document are copied; the world's own are untouched.
    """
    if isinstance(obj, list):
        items = [personalized(item, refs, viewer_id) for item in obj]
        return items if any(a is not b for a, b in zip(items, obj, strict=True)) else obj
    if isinstance(obj, types.Photo | types.Document):
        if obj.id not in refs:
            return obj
        return _copy(obj, {"file_reference": refs.reference(obj.id, viewer_id)})
    if not isinstance(obj, TLObject):
        return obj
    changed = {}
    for name, value in obj.__dict__.items():
        # Telethon's patched Message keeps client state in "_" attributes: not TL fields
        if name.startswith("_") or not isinstance(value, list | TLObject):
            continue
        new = personalized(value, refs, viewer_id)
        if new is not value:
            changed[name] = new
    return _copy(obj, changed) if changed else obj


def _copy(obj: Any, changes: dict[str, Any]) -> Any:
    copy = object.__new__(type(obj))
    copy.__dict__.update(obj.__dict__)
    copy.__dict__.update(changes)
    return copy
