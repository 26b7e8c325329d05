"""Time as a dependency: the Clock interface and the system clock the app injects (reads the clock)."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """Aware UTC wall time."""
        ...

    def monotonic(self) -> float:
        """Seconds for measuring intervals."""
        ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock: created once by the app or the CLI and passed down."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
