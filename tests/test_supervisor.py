"""The supervisor: a failing task is logged, told once per streak and restarted with a capped
backoff; cancelling is never swallowed; a failing scheduler job is told and runs again."""

from __future__ import annotations

import asyncio
import logging

import pytest

from monitor.scheduler import Scheduler
from monitor.supervisor import Backoff, FailureStreaks, supervise


class Told:
    """The admins' side of FailureStreaks: what they were told."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, str]] = []

    async def __call__(self, task: str, what: str) -> None:
        self.messages.append((task, what))


def failing(times: int, runs: list[int]) -> object:
    async def run() -> None:
        runs.append(len(runs) + 1)
        if len(runs) <= times:
            raise RuntimeError(f"database is locked (run {len(runs)})")

    return run


@pytest.mark.parametrize(
    ("failures", "delay"), [(1, 1.0), (2, 2.0), (3, 4.0), (9, 256.0), (10, 300.0), (50, 300.0)]
)
def test_the_backoff_doubles_and_is_capped(failures: int, delay: float) -> None:
    assert Backoff(base_s=1, max_s=300).delay(failures) == delay


def test_a_backoff_that_cannot_work_is_refused() -> None:
    with pytest.raises(ValueError, match="base_s"):
        Backoff(base_s=0)


async def test_a_task_that_raises_is_logged_told_once_and_restarted_with_backoff(
    caplog: pytest.LogCaptureFixture,
) -> None:
    told, runs, slept = Told(), list[int](), list[float]()

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    run = failing(3, runs)
    await supervise("delivery worker", run, FailureStreaks(told), sleep=sleep)  # type: ignore[arg-type]
    assert runs == [1, 2, 3, 4]  # restarted after each failure, and the fourth run ended well
    assert slept == [1.0, 2.0, 4.0]
    assert told.messages == [
        ("delivery worker", "RuntimeError: database is locked (run 1); restarted in 1 s")
    ]
    failed = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert [r.getMessage() for r in failed] == [
        f"task failed task=delivery worker failures={n} then=restarted in {d:g} s: "
        f"RuntimeError: database is locked (run {n})"
        for n, d in ((1, 1), (2, 2), (3, 4))
    ]
    assert all(r.exc_info for r in failed)  # the traceback is in the log, not in the message


async def test_a_failure_to_tell_never_stops_the_supervision() -> None:
    async def broken(task: str, what: str) -> None:
        raise ConnectionError("the bot is offline")

    async def no_sleep(seconds: float) -> None:
        return None

    runs: list[int] = []
    await supervise("live feed", failing(2, runs), FailureStreaks(broken), sleep=no_sleep)  # type: ignore[arg-type]
    assert runs == [1, 2, 3]


async def test_cancelling_the_supervisor_cancels_the_task_and_is_not_swallowed() -> None:
    started, cancelled = asyncio.Event(), asyncio.Event()

    async def forever() -> None:
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    task = asyncio.create_task(supervise("delivery worker", forever, FailureStreaks()))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert cancelled.is_set()


async def test_a_task_cancelled_from_inside_is_not_restarted() -> None:
    runs: list[int] = []

    async def gives_up() -> None:
        runs.append(1)
        raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        await supervise("digests", gives_up, FailureStreaks())
    assert runs == [1]


async def test_a_failing_scheduler_job_is_told_once_and_runs_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="monitor.supervisor")
    told, runs = Told(), list[int]()
    enough = asyncio.Event()

    async def job() -> None:
        runs.append(len(runs) + 1)
        if len(runs) >= 5:
            enough.set()
        if len(runs) <= 2:
            raise ValueError(f"bad row {len(runs)}")

    scheduler = Scheduler(on_failure=told)
    scheduler.every("silence", 0.05, job)
    scheduler.start()
    try:
        await asyncio.wait_for(enough.wait(), 20)
    finally:
        scheduler.shutdown()
    assert told.messages == [("silence job", "ValueError: bad row 1; runs again at its next time")]
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert errors == [
        "task failed task=silence job failures=1 then=runs again at its next time: "
        "ValueError: bad row 1",
        "task failed task=silence job failures=2 then=runs again at its next time: "
        "ValueError: bad row 2",
    ]
    assert "recovered task=silence job" in caplog.text
