"""Routes one decoded RPC to its handler: unwraps invokeWithLayer/initConnection, applies rules and faults (no I/O besides injected delays)."""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Mapping
from typing import Any

from telethon.extensions import BinaryReader
from telethon.tl import functions, types

from monitor.sandbox.file_refs import personalized
from monitor.sandbox.mtproto import serialize_result
from monitor.sandbox.rpc.call import Call, Handler, RpcError
from monitor.sandbox.rpc.usability import check_usability
from monitor.sandbox.rules import Rules
from monitor.sandbox.world import World

logger = logging.getLogger(__name__)

_WRAPPERS = (
    functions.InvokeWithLayerRequest,
    functions.InitConnectionRequest,
    functions.InvokeWithoutUpdatesRequest,
    functions.InvokeAfterMsgRequest,
)


class DropConnectionError(Exception):
    """An injected fault: close the client's TCP connection without answering."""


def method_name(request: object) -> str:
    """The TL name of a request: `contacts.resolveUsername`, `help.getConfig`."""
    cls = type(request)
    namespace = cls.__module__.rsplit(".", 1)[-1]
    name = cls.__name__.removesuffix("Request")
    name = name[0].lower() + name[1:]
    return name if namespace == "functions" else f"{namespace}.{name}"


def unwrap(request: Any) -> Any:
    while isinstance(request, _WRAPPERS):
        request = request.query
    return request


def peer_keys(world: World, request: Any) -> tuple[str | int, ...]:
    """Ids (and usernames) of the channel or user a request is about, for per-peer faults and limits."""
    if isinstance(getattr(request, "username", None), str):
        return (request.username.lower(),)
    for name in ("peer", "channel"):
        peer = getattr(request, name, None)
        if isinstance(peer, types.InputPeerChannel | types.InputChannel):
            chan = world.channels.get(peer.channel_id)
            return (peer.channel_id,) + ((chan.username.lower(),) if chan and chan.username else ())
        if isinstance(peer, types.InputPeerUser | types.InputUser):
            return (peer.user_id,)
    return ()


class Dispatcher:
    """Answers requests from the handler table; every failure becomes an rpc_error."""

    def __init__(
        self, world: World, rules: Rules, handlers: Mapping[type, Handler], dc: tuple[int, str, int]
    ) -> None:
        self.world = world
        self.rules = rules
        self.handlers = handlers
        self.dc_id, self.host, self.port = dc

    async def invoke(self, auth_key_id: int, body: bytes) -> tuple[int, str] | bytes:
        """The serialized result, or (code, message) for rpc_error. Raises DropConnectionError."""
        try:
            request = unwrap(BinaryReader(body).tgread_object())
        except Exception:
            logger.warning("sandbox cannot parse a request", exc_info=True)
            return 400, "INPUT_CONSTRUCTOR_INVALID"
        method = method_name(request)
        self.rules.calls[method] += 1
        call = Call(self.world, auth_key_id, method, (self.host, self.port), self.dc_id)
        try:
            await self._apply_rules(call, request)
            handler = self.handlers.get(type(request))
            if handler is None:
                logger.info("sandbox has no handler method=%s", method)
                self.rules.unsupported[method] += 1
                raise RpcError(400, "METHOD_NOT_SUPPORTED_BY_SANDBOX")
            result = handler(call, request)
            if inspect.isawaitable(result):
                result = await result
            if self.world.media:  # each account gets its own file references
                result = personalized(result, self.world.file_refs, call.account_id)
            return serialize_result(result)
        except RpcError as fault:
            return fault.code, fault.message
        except DropConnectionError:
            raise
        except Exception:
            logger.exception("sandbox handler crashed method=%s", method)
            return 500, "INTERNAL"

    async def _apply_rules(self, call: Call, request: Any) -> None:
        account_id = call.account_id
        account = self.world.accounts.get(account_id) if account_id is not None else None
        if account is not None and account.banned:
            raise RpcError(401, "USER_DEACTIVATED_BAN")  # Telegram's answer to a banned account
        check_usability(call.method, is_bot=account.is_bot if account is not None else None)
        keys = peer_keys(self.world, request)
        fault = self.rules.take_fault(call.method, keys)
        if fault is not None:
            if fault.kind == "crash":
                raise RuntimeError(f"injected crash in {call.method}")
            if fault.kind == "drop":
                raise DropConnectionError(call.method)
            if fault.kind == "delay":
                await asyncio.sleep(fault.delay_s)
            elif fault.kind == "hold":
                fault.reached.set()
                await fault.released.wait()
            else:
                raise RpcError(fault.code, fault.message)
        chat = keys[0] if keys else None
        is_bot = account is not None and account.is_bot
        self.rules.check_rate(call.method, account_id, chat, is_bot=is_bot, now=time.monotonic())
