"""The test API's rules and faults: errors, delays, drops, rate windows, lost updates, pressure, counters (no I/O)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from monitor.sandbox.pressure import Pressure
from monitor.sandbox.rules import Fault, Rules, Scope
from monitor.sandbox.world import Account, Channel, World

if TYPE_CHECKING:
    from monitor.sandbox.server import SandboxServer


class FaultControls:
    """Mixed into `Sandbox`: shape how the local Telegram misbehaves, and count what clients did."""

    world: World
    rules: Rules
    server: SandboxServer

    def fail(
        self,
        method: str,
        message: str = "INTERNAL",
        *,
        code: int = 400,
        channel: Channel | str | int | None = None,
        peer: Account | int | None = None,
        times: int | None = 1,
    ) -> Fault:
        """Answer `method` with rpc_error(code, message), `times` times (None: until removed).

        Only for calls about `channel` (a Channel, its id or its username) or `peer` (an account
        or id) when given.
        """
        target = _target(channel, peer)
        return self._fault(Fault(method, "error", code, message, peer=target, times=times))

    def block(self, user: Account, bot: Account) -> None:
        """`user` blocks `bot`: the bot's sends to the user fail with USER_IS_BLOCKED."""
        user.blocked.add(bot.id)

    def unblock(self, user: Account, bot: Account) -> None:
        user.blocked.discard(bot.id)

    def hold(self, method: str, *, peer: Account | None = None, times: int | None = 1) -> Fault:
        """Keep the next call of `method` (about `peer`) in flight: `fault.reached` is set when it
        arrives, and it goes on (to its real answer) once the test sets `fault.released`."""
        return self._fault(Fault(method, "hold", peer=peer.id if peer else None, times=times))

    def delay(
        self,
        method: str,
        seconds: float,
        *,
        times: int | None = 1,
        channel: Channel | str | int | None = None,
    ) -> Fault:
        """Answer `method` `seconds` late, `times` times; only for calls about `channel` if given."""
        target = _target(channel, None)
        return self._fault(Fault(method, "delay", delay_s=seconds, peer=target, times=times))

    def drop(self, method: str, *, times: int | None = 1) -> Fault:
        """Close the caller's connection instead of answering `method`."""
        return self._fault(Fault(method, "drop", times=times))

    def crash(self, method: str, *, times: int | None = 1) -> Fault:
        """Raise an exception inside the handler of `method` (answered as rpc_error 500 INTERNAL)."""
        return self._fault(Fault(method, "crash", times=times))

    def _fault(self, fault: Fault) -> Fault:
        self.rules.faults.append(fault)
        return fault

    def set_rate(
        self,
        method: str,
        limit: int,
        window_s: float,
        scope: Scope = "account",
        *,
        bots_only: bool = False,
    ) -> None:
        self.rules.set_rate(method, limit, window_s, scope, bots_only=bots_only)

    @contextmanager
    def lost_updates(self) -> Iterator[None]:
        """Changes made inside are stored but never pushed: clients see a pts gap afterwards."""
        push = self.world.push
        self.world.push = lambda account_id, update, skip_key: None
        try:
            yield
        finally:
            self.world.push = push

    def set_pressure(
        self,
        *,
        updates_too_long_after: int | None = None,
        difference_slice: int | None = None,
        difference_too_long_after: int | None = None,
        channel_too_long_after: int | None = None,
    ) -> None:
        """Make the sandbox give up on single updates as Telegram does under load (None: never).

        More than `updates_too_long_after` updates queued for one connection at once become one
        updatesTooLong; getDifference answers `difference_slice` updates per differenceSlice, or
        differenceTooLong past `difference_too_long_after`; getChannelDifference answers
        channelDifferenceTooLong past `channel_too_long_after` missed channel updates.
        """
        self.world.pressure = Pressure(
            updates_too_long_after,
            difference_slice,
            difference_too_long_after,
            channel_too_long_after,
        )

    def drop_connections(self, account: Account | None = None) -> int:
        return self.server.drop_connections(account.id if account else None)

    def calls(self, method: str) -> int:
        """How many times clients called `method` (TL name: "contacts.resolveUsername")."""
        return self.rules.calls[method]

    def flood_waits(self, method: str | None = None) -> int:
        """FLOOD_WAIT errors sent, for one method or in total."""
        return self.rules.flood_waits[method] if method else sum(self.rules.flood_waits.values())


def _target(channel: Channel | str | int | None, peer: Account | int | None) -> str | int | None:
    """What a fault is limited to: a channel (id, or username) or a user (id); None: every call."""
    if isinstance(channel, Channel):
        return channel.id
    if isinstance(channel, str):
        return channel.lower().lstrip("@")
    if channel is not None:
        return channel
    return peer.id if isinstance(peer, Account) else peer
