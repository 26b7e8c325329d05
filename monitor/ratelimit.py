"""Token buckets for Telegram's send limits: overall and per chat, with a pause for flood waits
(pure arithmetic; the limiter sleeps through an injected clock)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from monitor.clock import Clock


@dataclass(slots=True)
class TokenBucket:
    """`rate` tokens per second, at most `capacity` saved up; times are monotonic seconds."""

    rate: float
    capacity: float = 1.0
    tokens: float = field(default=-1.0)
    updated: float = 0.0

    def __post_init__(self) -> None:
        if self.rate <= 0 or self.capacity < 1:
            raise ValueError(f"bad token bucket rate={self.rate} capacity={self.capacity}")
        if self.tokens < 0:
            self.tokens = self.capacity

    def _refill(self, now: float) -> None:
        if now > self.updated:
            self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
            self.updated = now

    def wait(self, now: float) -> float:
        """Seconds until a token is there (0 when one is)."""
        self._refill(now)
        # Tolerance: refilling in float steps can end a hair below 1 after an exact wait.
        return 0.0 if self.tokens >= 1 - 1e-9 else (1 - self.tokens) / self.rate

    def take(self, now: float) -> None:
        self._refill(now)
        self.tokens -= 1

    def idle(self, now: float) -> bool:
        self._refill(now)
        return self.tokens >= self.capacity


class SendLimiter:
    """One gate for every message the bot sends: ~30/s overall, ~1/s per chat, flood pauses.

    Capacity 1 (no saved-up bursts) keeps any sliding window of a second under the rate,
    which is how Telegram counts.
    """

    def __init__(self, clock: Clock, *, overall_per_s: float, per_chat_per_s: float) -> None:
        self._clock = clock
        self._overall = TokenBucket(overall_per_s)
        self._per_chat_rate = per_chat_per_s
        self._chats: dict[int, TokenBucket] = {}
        self._paused_until = 0.0
        self._locks: dict[int, asyncio.Lock] = {}

    @property
    def paused_for(self) -> float:
        """Seconds left of a flood-wait pause (0 when none)."""
        return max(0.0, self._paused_until - self._clock.monotonic())

    def pause(self, seconds: float) -> None:
        """Telegram said FLOOD_WAIT: nothing is sent until it is over."""
        self._paused_until = max(self._paused_until, self._clock.monotonic() + seconds)

    async def acquire(self, chat_id: int) -> None:
        """Wait until one message to `chat_id` may go out, and count it.

        Callers for one chat are served first come, first served (asyncio.Lock is fair), so a
        chat's messages go out in the order they were asked for.
        """
        lock = self._locks.get(chat_id)
        if lock is None:
            lock = self._locks[chat_id] = asyncio.Lock()
        async with lock:
            await self._wait_for_tokens(chat_id)

    async def _wait_for_tokens(self, chat_id: int) -> None:
        while True:
            now = self._clock.monotonic()
            chat = self._chats.get(chat_id)
            if chat is None:
                chat = self._chats[chat_id] = TokenBucket(self._per_chat_rate, updated=now)
            delay = max(self._paused_until - now, self._overall.wait(now), chat.wait(now))
            if delay <= 0:
                self._overall.take(now)
                chat.take(now)
                self._forget_idle(now)
                return
            await self._clock.sleep(delay)

    def _forget_idle(self, now: float) -> None:
        if len(self._chats) > 4096:
            self._chats = {c: b for c, b in self._chats.items() if not b.idle(now)}
            self._locks = {c: k for c, k in self._locks.items() if c in self._chats or k.locked()}
