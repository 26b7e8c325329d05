"""Recurring jobs on APScheduler 3.11: the only module that imports APScheduler (runs the jobs)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from apscheduler.util import undefined

from monitor.supervisor import FailureListener, FailureStreaks

logger = logging.getLogger(__name__)

Job = Callable[[], Awaitable[object]]


@dataclass(frozen=True, slots=True)
class ScheduledJob:
    """One row of a job table: what runs, how often, and when first.

    Exactly one of `every_s` (an interval) and `cron` (cron fields in UTC, e.g. {"minute": 0}).
    `first_after_s` is the first-run rule of an interval job: seconds after start (0: at once),
    or None for "after one interval".
    """

    name: str
    run: Job
    every_s: float | None = None
    cron: Mapping[str, str | int] = field(default_factory=dict)
    first_after_s: float | None = None

    def __post_init__(self) -> None:
        if (self.every_s is None) == (not self.cron):
            raise ValueError(f"job {self.name}: give exactly one of every_s and cron")


class Scheduler:
    """Named recurring async jobs; a job never overlaps itself and a failing run never stops the rest.

    A run that raises is logged, told through `on_failure` once per streak of failed runs, and
    the job runs again at its next time.
    """

    def __init__(self, on_failure: FailureListener | None = None) -> None:
        self._scheduler = AsyncIOScheduler(timezone="UTC")
        self._streaks = FailureStreaks(on_failure)

    def every(
        self,
        name: str,
        seconds: float,
        job: Job,
        *,
        jitter_s: int | None = None,
        first_at: datetime | None = None,
    ) -> None:
        """Run `job` every `seconds` (first at `first_at`, else after one interval)."""
        self._scheduler.add_job(
            _guarded(name, job, self._streaks),
            IntervalTrigger(seconds=seconds, jitter=jitter_s, timezone="UTC"),
            id=name,
            name=name,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
            # APScheduler 3 takes next_run_time=None for "paused": a job without first_at
            # would never run. `undefined` is its "after one interval".
            next_run_time=undefined if first_at is None else first_at,
            replace_existing=True,
        )

    def cron(self, name: str, job: Job, **fields: str | int) -> None:
        """Run `job` on a cron schedule in UTC, e.g. minute=0 (every hour on the hour)."""
        self._scheduler.add_job(
            _guarded(name, job, self._streaks),
            CronTrigger(timezone="UTC", **fields),
            id=name,
            name=name,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
            replace_existing=True,
        )

    def add_all(self, table: Iterable[ScheduledJob], *, now: datetime) -> None:
        """Schedule every row of `table`; first-run times count from `now`."""
        for job in table:
            if job.every_s is None:
                self.cron(job.name, job.run, **job.cron)
                continue
            first = (
                None if job.first_after_s is None else now + timedelta(seconds=job.first_after_s)
            )
            self.every(job.name, job.every_s, job.run, first_at=first)

    def start(self) -> None:
        self._scheduler.start()

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    def job_names(self) -> list[str]:
        return [job.id for job in self._scheduler.get_jobs()]


def _guarded(name: str, job: Job, streaks: FailureStreaks) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        try:
            await job()
        except Exception as e:  # one failing job never stops the others (STYLE rule 8)
            await streaks.failed(f"{name} job", e, then="runs again at its next time")
        else:
            streaks.succeeded(f"{name} job")

    run.__name__ = name
    return run
