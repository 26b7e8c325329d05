"""Telegram's limits and injected faults: per-method rate windows (FLOOD_WAIT_X), errors, delays, drops (no I/O)."""

from __future__ import annotations

import asyncio
import math
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Literal

from monitor.sandbox.rpc.call import RpcError

Scope = Literal["account", "chat", "global"]
FaultKind = Literal["error", "delay", "drop", "crash", "hold"]
BOT_SENDS = ("messages.sendMessage", "messages.sendMedia", "messages.editMessage")


@dataclass(frozen=True, slots=True)
class RateRule:
    """At most `limit` calls of `method` per `window_s` seconds, counted per account or per chat."""

    method: str
    limit: int
    window_s: float
    scope: Scope = "account"
    bots_only: bool = False


@dataclass
class Fault:
    """An injected failure for `method`, `times` times (None: always).

    `peer` limits it to calls about one channel (username or id) or one user (id).
    """

    method: str
    kind: FaultKind = "error"
    code: int = 400
    message: str = "INTERNAL"
    delay_s: float = 0.0
    peer: str | int | None = None
    times: int | None = 1
    # "hold": the request waits in the server (in flight) until `released` is set
    reached: asyncio.Event = field(default_factory=asyncio.Event)
    released: asyncio.Event = field(default_factory=asyncio.Event)

    def matches(self, method: str, peer_keys: tuple[str | int, ...]) -> bool:
        if self.method not in (method, "*") or self.times == 0:
            return False
        return self.peer is None or self.peer in peer_keys


def default_rules() -> list[RateRule]:
    """Loose enough that normal polling never trips them; tests tighten them with `Rules.set_rate`."""
    return [
        RateRule("contacts.resolveUsername", 200, 60.0),
        RateRule("messages.getHistory", 3000, 60.0),
        RateRule("channels.joinChannel", 50, 60.0),
        *(RateRule(m, 30, 1.0, "account", bots_only=True) for m in BOT_SENDS),
        *(RateRule(m, 20, 20.0, "chat", bots_only=True) for m in BOT_SENDS),
    ]


@dataclass
class Rules:
    """The rate rules and faults in force, and the counters tests read."""

    rates: list[RateRule] = field(default_factory=default_rules)
    faults: list[Fault] = field(default_factory=list)
    calls: Counter[str] = field(default_factory=Counter)
    flood_waits: Counter[str] = field(default_factory=Counter)
    unsupported: Counter[str] = field(default_factory=Counter)  # methods without a handler
    _seen: dict[tuple[object, ...], deque[float]] = field(default_factory=dict)

    def set_rate(
        self,
        method: str,
        limit: int,
        window_s: float,
        scope: Scope = "account",
        *,
        bots_only: bool = False,
    ) -> None:
        """Replace the rules for `method` (and that scope) with this one."""
        self.rates = [r for r in self.rates if not (r.method == method and r.scope == scope)]
        self.rates.append(RateRule(method, limit, window_s, scope, bots_only))

    def take_fault(self, method: str, peer_keys: tuple[str | int, ...]) -> Fault | None:
        """The first matching fault, used up once."""
        for fault in self.faults:
            if fault.matches(method, peer_keys):
                if fault.times is not None:
                    fault.times -= 1
                return fault
        return None

    def check_rate(
        self, method: str, account_id: int | None, chat: object, *, is_bot: bool, now: float
    ) -> None:
        """Record the call, or raise FLOOD_WAIT_X without recording it."""
        keys = []
        for rule in self.rates:
            if rule.method != method or (rule.bots_only and not is_bot):
                continue
            key = (
                rule,
                None if rule.scope == "global" else account_id,
                chat if rule.scope == "chat" else None,
            )
            seen = self._seen.setdefault(key, deque())
            while seen and seen[0] <= now - rule.window_s:
                seen.popleft()
            if len(seen) >= rule.limit:
                self.flood_waits[method] += 1
                raise RpcError(
                    420, f"FLOOD_WAIT_{max(1, math.ceil(seen[0] + rule.window_s - now))}"
                )
            keys.append(seen)
        for seen in keys:
            seen.append(now)
