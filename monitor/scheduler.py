"""Recurring jobs on APScheduler 3.11: the only module that imports APScheduler (runs the jobs)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

logger = logging.getLogger(__name__)

Job = Callable[[], Awaitable[object]]


class Scheduler:
    """Named recurring async jobs; a job never overlaps itself and a failing run never stops the rest."""

    def __init__(self) -> None:
        self._scheduler = AsyncIOScheduler(timezone="UTC")

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
            _guarded(name, job),
            IntervalTrigger(seconds=seconds, jitter=jitter_s, timezone="UTC"),
            id=name,
            name=name,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
            next_run_time=first_at,
            replace_existing=True,
        )

    def cron(self, name: str, job: Job, **fields: str | int) -> None:
        """Run `job` on a cron schedule in UTC, e.g. minute=0 (every hour on the hour)."""
        self._scheduler.add_job(
            _guarded(name, job),
            CronTrigger(timezone="UTC", **fields),
            id=name,
            name=name,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
            replace_existing=True,
        )

    def start(self) -> None:
        self._scheduler.start()

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    def job_names(self) -> list[str]:
        return [job.id for job in self._scheduler.get_jobs()]


def _guarded(name: str, job: Job) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        try:
            await job()
        except Exception:  # one failing job never stops the others (STYLE rule 8)
            logger.exception("job failed job=%s", name)

    run.__name__ = name
    return run
