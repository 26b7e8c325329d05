"""Fakes of our own interfaces for delivery tests: a clock that jumps, a Sender that records."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from monitor.errors import AlreadyDeliveredError
from tests.conftest import NOW


class JumpingClock:
    """A Clock whose sleeps return at once and move time forward; starts at NOW."""

    def __init__(self, start: datetime = NOW) -> None:
        self.start = start
        self.t = 0.0

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.t)

    def monotonic(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        target = self.t + max(0.0, seconds)
        await asyncio.sleep(0)
        self.t = max(self.t, target)

    def advance(self, seconds: float) -> None:
        self.t += seconds


@dataclass
class Sent:
    chat_id: int
    html: str
    random_id: int
    at: float
    message_id: int


@dataclass
class RecordingSender:
    """Implements monitor.alerts.worker.Sender: keeps what Telegram would have, refuses a used random_id.

    `script[chat_id]` holds exceptions to raise on that chat's next sends, in order; an entry
    of type `AcceptThenCrash` delivers the message and then raises (a crash before the commit).
    """

    clock: JumpingClock
    sent: list[Sent] = field(default_factory=list)
    edits: list[tuple[int, int, str]] = field(default_factory=list)
    script: dict[int, list[BaseException]] = field(default_factory=dict)
    _random_ids: set[int] = field(default_factory=set)

    async def send(self, chat_id: int, html: str, *, random_id: int, buttons: object = ()) -> int:
        await asyncio.sleep(0)
        queued = self.script.get(chat_id)
        error = queued.pop(0) if queued else None
        if error is not None and not isinstance(error, AcceptThenCrash):
            raise error
        if random_id in self._random_ids:
            raise AlreadyDeliveredError(random_id)
        self._random_ids.add(random_id)
        message_id = len(self.sent) + 1
        self.sent.append(Sent(chat_id, html, random_id, self.clock.monotonic(), message_id))
        if error is not None:
            raise error
        return message_id

    async def edit(self, chat_id: int, message_id: int, html: str, buttons: object = ()) -> None:
        await asyncio.sleep(0)
        self.edits.append((chat_id, message_id, html))

    def to(self, chat_id: int) -> list[Sent]:
        return [s for s in self.sent if s.chat_id == chat_id]


class AcceptThenCrash(BaseException):
    """The process dies after Telegram accepted the message, before the outbox commit."""
