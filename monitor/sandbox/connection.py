"""One client TCP connection: transport framing, handshake, session rules, service messages, RPC tasks (socket I/O)."""

from __future__ import annotations

import asyncio
import logging
import secrets
import struct
import time
from typing import TYPE_CHECKING, Any

from telethon.crypto import AuthKey
from telethon.extensions import BinaryReader
from telethon.tl import functions, types

from monitor.sandbox import binding, mtproto
from monitor.sandbox import session as rules
from monitor.sandbox.crypto import CryptoError
from monitor.sandbox.dispatcher import DropConnectionError
from monitor.sandbox.handshake import Handshake
from monitor.sandbox.pressure import Pressure
from monitor.sandbox.rpc.call import RpcError
from monitor.sandbox.session import SessionState
from monitor.sandbox.transport import Transport, TransportError, detect_transport, error_packet

if TYPE_CHECKING:
    from monitor.sandbox.server import SandboxServer

logger = logging.getLogger(__name__)

_PING = 0x7ABE77EC
_PING_DELAY_DISCONNECT = 0xF3427B8C
_MSGS_STATE_REQ = 0xDA69FB52
_DESTROY_SESSION = 0xE7512126
_GET_FUTURE_SALTS = 0xB921BD04
_BIND_TEMP_AUTH_KEY = functions.auth.BindTempAuthKeyRequest.CONSTRUCTOR_ID
_IGNORED = frozenset({rules.MSGS_ACK, rules.MSGS_STATE_INFO, rules.HTTP_WAIT})
GZIP_ABOVE = 1024  # answers larger than this go out as gzip_packed when that makes them smaller
CONTAINER_ITEM_MAX = 16 * 1024  # larger messages are sent on their own, never in a container
_UPLOAD_FILE = struct.pack("<I", types.upload.File.CONSTRUCTOR_ID)
ACK_DELAY_S = 0.05  # acks wait this long for an answer to ride with


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
        self.session: SessionState | None = None
        self.clock = mtproto.MessageClock()
        self._handshake: Handshake | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._outbox: list[tuple[bytes, bool]] = []
        self._pushed: list[bytes] = []  # updates waiting for the next flush
        self._acks: list[int] = []
        self._flush_handle: asyncio.Handle | None = None

    @property
    def account_id(self) -> int | None:
        if self.auth_key is None:
            return None
        return self.server.world.authorizations.get(self.auth_key.key_id)

    @property
    def session_id(self) -> int | None:
        return self.session.session_id if self.session is not None else None

    async def serve(self) -> None:
        try:
            self.transport = await detect_transport(self.reader)
            while True:
                packet = await self.transport.read_packet(self.reader)
                await self._on_packet(packet)
        except (asyncio.IncompleteReadError, ConnectionError, DropConnectionError) as e:
            logger.debug("sandbox connection closed reason=%r", e)
        except (TransportError, CryptoError) as e:
            logger.info("sandbox closed a connection: the client broke the protocol (%s)", e)
        except Exception:
            logger.exception("sandbox connection failed; closing it")
        finally:
            self.close()

    def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        if self._flush_handle is not None:
            self._flush_handle.cancel()
        self.writer.close()

    async def _on_packet(self, packet: bytes) -> None:
        if len(packet) < 8:
            raise TransportError(f"a packet of {len(packet)} bytes")
        (key_id,) = struct.unpack_from("<q", packet)
        if key_id == 0:
            self._on_plain(packet)
            return
        auth_key = self.server.auth_keys.get(struct.unpack_from("<Q", packet)[0])
        if auth_key is not None and self.server.temp_keys.get(auth_key.key_id, 2e9) < time.time():
            del self.server.auth_keys[auth_key.key_id]  # an expired temporary key is forgotten
            auth_key = None
        if auth_key is None:
            self._write(error_packet(-404))
            raise DropConnectionError("unknown auth key")
        self.auth_key = auth_key
        try:
            salt, session_id, message = mtproto.read_encrypted(auth_key, packet)
        except struct.error as e:
            raise CryptoError(f"short encrypted packet: {e}") from None
        now = time.time()
        self.session = self.server.sessions.get((auth_key.key_id, session_id))
        if not self.server.salts.is_valid(auth_key.key_id, salt, now):
            # Not executed: the client resends it with the salt given here.
            notice = mtproto.bad_server_salt(message.msg_id, message.seq_no, self._salt(now))
            self._write_message(
                notice, False, self.session or SessionState(session_id, secrets.randbits(63))
            )
            return
        if self.session is None:
            self.session = SessionState(session_id, secrets.randbits(63))
            self.server.sessions[(auth_key.key_id, session_id)] = self.session
            self._send(
                mtproto.new_session_created(
                    message.msg_id, self.session.unique_id, self._salt(now)
                ),
                content_related=False,
            )
        self._receive(message, now)

    def _salt(self, now: float) -> int:
        assert self.auth_key is not None
        return self.server.salts.current(self.auth_key.key_id, now)

    def _on_plain(self, packet: bytes) -> None:
        if self._handshake is None:
            self._handshake = Handshake(self.server.server_key)
        try:
            _, body = mtproto.read_plain(packet)
            request = BinaryReader(body).tgread_object()
        except Exception as e:  # a client's bytes: whatever fails to parse is its fault
            raise CryptoError(f"unreadable handshake message: {e!r}") from None
        answer = self._handshake.answer(request)
        self._write(mtproto.write_plain(self.clock, bytes(answer)))
        if self._handshake.auth_key is not None:
            key_id = self._handshake.auth_key.key_id
            self.server.auth_keys[key_id] = self._handshake.auth_key
            if self._handshake.expires_in is not None:
                self.server.temp_keys[key_id] = time.time() + self._handshake.expires_in
            self._handshake = None

    def _receive(self, message: mtproto.Incoming, now: float, *, inside: bool = False) -> None:
        """Check one message against the session rules, then run it (containers item by item)."""
        assert self.session is not None
        try:
            constructor = message.constructor
        except struct.error:
            raise CryptoError("an empty message") from None
        items: list[mtproto.Incoming] = []
        if constructor == mtproto.MSG_CONTAINER:
            items = self._container_items(message, inside=inside)
            if not items:
                notice = mtproto.bad_msg_notification(
                    message.msg_id, message.seq_no, rules.CONTAINER_INVALID
                )
                self._send(notice, content_related=False)
                return
        verdict = self.session.check(message.msg_id, message.seq_no, constructor, now)
        if verdict == rules.DUPLICATE:
            answer = self.session.answers.get(message.msg_id)
            if answer is not None:  # the client lost it: the same answer again, not a rerun
                self._send(answer, content_related=True)
            return
        if verdict is not None:
            notice = mtproto.bad_msg_notification(message.msg_id, message.seq_no, verdict)
            self._send(notice, content_related=False)
            return
        self.session.remember(message.msg_id, message.seq_no)
        if items:
            for item in items:
                self._receive(item, now, inside=True)
            return
        if constructor not in rules.NOT_CONTENT_RELATED:
            self._acks.append(message.msg_id)
            self._schedule_flush(ACK_DELAY_S)
        if constructor == mtproto.GZIP_PACKED:
            message = mtproto.gunzip(message)
        self._on_message(message, now)

    @staticmethod
    def _container_items(message: mtproto.Incoming, *, inside: bool) -> list[mtproto.Incoming]:
        """The items of a valid container, or [] (code 64): Telegram refuses a container inside a
        container, an empty or oversized one, and items whose msg_id is not below the container's."""
        if inside:
            return []
        try:
            items = mtproto.container_items(message)
        except Exception:  # a client's bytes: a length past the end
            return []
        if not 0 < len(items) <= rules.CONTAINER_MAX_ITEMS:
            return []
        if any(item.msg_id >= message.msg_id for item in items):
            return []
        return items

    def _on_message(self, message: mtproto.Incoming, now: float) -> None:
        assert self.session is not None
        assert self.auth_key is not None
        constructor = message.constructor
        body = BinaryReader(message.body[4:])
        if constructor in (_PING, _PING_DELAY_DISCONNECT):
            self._send(mtproto.pong(message.msg_id, body.read_long()), content_related=False)
        elif constructor == _MSGS_STATE_REQ:
            wanted = _read_longs(body)
            states = [self.session.state_of(i, now) for i in wanted]
            self._send(mtproto.msgs_state_info(message.msg_id, states), content_related=False)
        elif constructor == _DESTROY_SESSION:
            other = body.read_long()
            gone = other != self.session.session_id and self.server.sessions.pop(
                (self.auth_key.key_id, other), None
            )
            self._send(
                mtproto.destroy_session_result(other, destroyed=bool(gone)), content_related=True
            )
        elif constructor == _GET_FUTURE_SALTS:
            salts = self.server.salts.future(self.auth_key.key_id, now, body.read_int())
            self._send(mtproto.future_salts(message.msg_id, int(now), salts), content_related=True)
        elif constructor == _BIND_TEMP_AUTH_KEY:
            self._bind(message)
        elif constructor not in _IGNORED:
            task = asyncio.create_task(self._answer(message))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def _bind(self, message: mtproto.Incoming) -> None:
        """auth.bindTempAuthKey: this (temporary) key logs in as the permanent key does."""
        assert self.auth_key is not None
        assert self.session is not None
        try:
            request = BinaryReader(message.body).tgread_object()
            binding.check_binding(
                request,
                perm_key=None
                if request.perm_auth_key_id % 2**64 in self.server.temp_keys
                else self.server.auth_keys.get(request.perm_auth_key_id % 2**64),
                temp_key_id=self.auth_key.key_id,
                session_id=self.session.session_id,
                msg_id=message.msg_id,
                is_temporary=self.auth_key.key_id in self.server.temp_keys,
            )
        except RpcError as e:
            self._send(mtproto.rpc_error(message.msg_id, e.code, e.message), content_related=True)
            return
        authorizations = self.server.world.authorizations
        perm_id = request.perm_auth_key_id % 2**64
        self.server.bound[self.auth_key.key_id] = perm_id
        if perm_id in authorizations:
            authorizations[self.auth_key.key_id] = authorizations[perm_id]
        body = mtproto.rpc_result(message.msg_id, mtproto.serialize_result(True))
        self._send(body, content_related=True)

    async def _answer(self, message: mtproto.Incoming) -> None:
        assert self.auth_key is not None
        assert self.session is not None
        session = self.session
        try:
            result = await self.server.dispatcher.invoke(self.auth_key.key_id, message.body)
        except DropConnectionError:
            self.writer.close()
            return
        if isinstance(result, tuple):
            body = mtproto.rpc_error(message.msg_id, *result)
        else:
            body = mtproto.rpc_result(message.msg_id, _maybe_gzip(result))
        session.remember_answer(message.msg_id, body)
        if session is self.session:
            self._send(body, content_related=True)

    def push(self, updates: Any) -> None:
        """Send an Updates object the client did not ask for."""
        if self.auth_key is not None and self.session is not None and not self.writer.is_closing():
            self._pushed.append(bytes(updates))
            self._schedule_flush(0.0)

    def _send(self, body: bytes, *, content_related: bool) -> None:
        """Queue a message; queued messages leave together (in a container) on the next loop turn."""
        self._outbox.append((body, content_related))
        self._schedule_flush(0.0)

    def _schedule_flush(self, delay: float) -> None:
        if self._flush_handle is not None and delay > 0:
            return
        if self._flush_handle is not None:
            self._flush_handle.cancel()
        loop = asyncio.get_running_loop()
        self._flush_handle = (
            loop.call_later(delay, self._flush) if delay else loop.call_soon(self._flush)
        )

    def _flush(self) -> None:
        self._flush_handle = None
        if self.auth_key is None or self.session is None or self.writer.is_closing():
            self._outbox.clear()
            self._pushed.clear()
            return
        outbox, self._outbox = self._outbox, []
        pushed, self._pushed = self._pushed, []
        if Pressure.over(len(pushed), self.server.world.pressure.updates_too_long_after):
            pushed = [bytes(types.UpdatesTooLong())]  # the client fetches the difference
        outbox += [(_maybe_gzip(body), True) for body in pushed]
        if self._acks:
            outbox.append((mtproto.msgs_ack(self._acks), False))
            self._acks = []
        batch: list[tuple[bytes, bool]] = []
        for body, content_related in outbox:
            if len(body) > CONTAINER_ITEM_MAX:
                self._write_batch(batch)
                batch = []
                self._write_message(body, content_related, self.session)
            else:
                batch.append((body, content_related))
        self._write_batch(batch)

    def _write_batch(self, batch: list[tuple[bytes, bool]]) -> None:
        """One message as it is, several in one msg_container (Telegram's way of batching)."""
        assert self.session is not None
        if len(batch) == 1:
            self._write_message(*batch[0], self.session)
        elif batch:
            items = [
                (self.clock.next_id(response=True), self.session.next_seq_no(content_related=c), b)
                for b, c in batch
            ]
            self._write_message(mtproto.container(items), False, self.session)

    def _write_message(self, body: bytes, content_related: bool, session: SessionState) -> None:
        assert self.auth_key is not None
        seq_no = session.next_seq_no(content_related=content_related)
        msg_id = self.clock.next_id(response=True)
        salt = self._salt(time.time())
        packet = mtproto.write_encrypted(
            self.auth_key, salt, session.session_id, msg_id, seq_no, body
        )
        self._write(packet)

    def _write(self, packet: bytes) -> None:
        assert self.transport is not None
        if not self.writer.is_closing():
            self.writer.write(self.transport.frame(packet))


def _read_longs(reader: BinaryReader) -> list[int]:
    """A boxed Vector<long>."""
    reader.read_int()
    return [reader.read_long() for _ in range(reader.read_int())]


def _maybe_gzip(body: bytes) -> bytes:
    # File parts are already compressed (photos): Telegram sends upload.file as it is.
    if len(body) <= GZIP_ABOVE or body[:4] == _UPLOAD_FILE:
        return body
    packed = mtproto.gzip_packed(body)
    return packed if len(packed) < len(body) else body
