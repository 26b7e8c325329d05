"""Supervision of background work: a long-lived task that raises is logged with its context,
told to the admins once per streak of failures and restarted after an exponential, capped
backoff; a recurring job's failure is logged and told the same way (I/O only through the
callables it is given)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

logger = logging.getLogger(__name__)

# (task name, what went wrong in one line) -> tell the admins; HealthNotifier.task_failed is one.
FailureListener = Callable[[str, str], Awaitable[object]]
Sleep = Callable[[float], Awaitable[object]]


@dataclass(frozen=True, slots=True)
class Backoff:
    """Seconds before restart n of a failing task: base * 2**(n-1), at most `max_s`."""

    base_s: float = 1.0
    max_s: float = 300.0
    healthy_after_s: float = 300.0  # a run this long before failing starts a new streak

    def __post_init__(self) -> None:
        if not 0 < self.base_s <= self.max_s:
            raise ValueError(f"backoff needs 0 < base_s <= max_s, not {self.base_s}, {self.max_s}")

    def delay(self, failures: int) -> float:
        return float(min(self.max_s, self.base_s * 2 ** max(0, failures - 1)))


def describe(error: BaseException) -> str:
    """One line for an admin: the error's type and message, no traceback."""
    message = " ".join(str(error).split())
    return f"{type(error).__name__}: {message}"[:300]


class FailureStreaks:
    """Failures in a row per task or job: each is logged, the first of a streak is told."""

    def __init__(self, on_failure: FailureListener | None = None) -> None:
        self._on_failure = on_failure
        self._failures: dict[str, int] = {}

    def failures(self, name: str) -> int:
        return self._failures.get(name, 0)

    def succeeded(self, name: str) -> None:
        if self._failures.pop(name, 0):
            logger.info("recovered task=%s", name)

    async def failed(self, name: str, error: Exception, *, then: str) -> int:
        """Log `error` (with its traceback) and, on a streak's first failure, tell; the count."""
        failures = self._failures.get(name, 0) + 1
        self._failures[name] = failures
        logger.error(
            "task failed task=%s failures=%d then=%s: %s",
            name,
            failures,
            then,
            describe(error),
            exc_info=error,
        )
        if failures == 1 and self._on_failure is not None:
            try:
                await self._on_failure(name, f"{describe(error)}; {then}")
            except Exception:  # telling must never stop the supervision (house rule 8)
                logger.exception("could not tell the admins task=%s", name)
        return failures


async def supervise(
    name: str,
    run: Callable[[], Awaitable[object]],
    streaks: FailureStreaks,
    *,
    backoff: Backoff | None = None,
    sleep: Sleep = asyncio.sleep,
) -> None:
    """Run `run()` until it returns or the caller is cancelled; restart it when it raises.

    CancelledError is never caught: cancelling the supervisor cancels the task and stops.
    """
    backoff = backoff or Backoff()
    while True:
        started = time.monotonic()
        try:
            await run()
        except Exception as e:
            if time.monotonic() - started >= backoff.healthy_after_s:
                streaks.succeeded(name)  # it ran well for a while: this is a new streak
            delay = backoff.delay(streaks.failures(name) + 1)
            await streaks.failed(name, e, then=f"restarted in {delay:g} s")
            await sleep(delay)
            continue
        logger.info("task finished task=%s", name)
        return
