"""The composition root's own rules: the job table's first-run rules, and a bot runtime that
never swallows its own cancellation (the wiring itself is exercised end to end in tests/e2e)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from monitor.app import BotRuntime
from monitor.scheduler import ScheduledJob, Scheduler


async def test_a_job_table_runs_at_once_only_the_jobs_whose_rule_says_so() -> None:
    ran: list[str] = []
    first = asyncio.Event()

    async def at_start() -> None:
        ran.append("at start")
        first.set()

    async def after_an_interval() -> None:
        ran.append("after an interval")

    scheduler = Scheduler()
    scheduler.add_all(
        [
            ScheduledJob("later", after_an_interval, every_s=3600),
            ScheduledJob("now", at_start, every_s=3600, first_after_s=0),
        ],
        now=datetime.now(UTC),
    )
    scheduler.start()
    try:
        await asyncio.wait_for(first.wait(), 20)
        assert sorted(scheduler.job_names()) == ["later", "now"]
    finally:
        scheduler.shutdown()
    assert ran == ["at start"]


async def _noop() -> None:
    return None


@pytest.mark.parametrize(
    "row",
    [
        lambda: ScheduledJob("neither", _noop),
        lambda: ScheduledJob("both", _noop, every_s=60, cron={"minute": 0}),
    ],
)
def test_a_job_row_needs_exactly_one_schedule(row: object) -> None:
    assert callable(row)
    with pytest.raises(ValueError, match="exactly one of every_s and cron"):
        row()


class _Desk:
    """Stands in for the bot's Telegram front desk: disconnected once the worker runs."""

    def __init__(self, worker_started: asyncio.Event) -> None:
        self._worker_started = worker_started

    async def serve(self) -> None:
        await self._worker_started.wait()

    async def stop(self) -> None:
        return None


class _SlowToStopWorker:
    """A delivery worker that, once cancelled, finishes its current send before it stops."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.stopping = asyncio.Event()
        self.release = asyncio.Event()

    async def run(self) -> None:
        self.started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            self.stopping.set()
            await self.release.wait()
            raise


class _Health:
    async def task_failed(self, name: str, what: str) -> None:
        return None


async def test_cancelling_the_bot_while_its_worker_stops_is_not_swallowed() -> None:
    worker = _SlowToStopWorker()
    runtime = BotRuntime(_Desk(worker.started), worker, _Health(), None)  # type: ignore[arg-type]
    task = asyncio.create_task(runtime.run())
    await asyncio.wait_for(worker.stopping.wait(), 20)  # the desk is gone; the worker stops
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    worker.release.set()
    assert task.cancelled()
    await asyncio.sleep(0)
