"""`python bot.py run` with several reader accounts: the account pool, the bot beside it and the
scheduled jobs (the composition root's part for the pool; does I/O through what it wires)."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from functools import partial

from monitor.app import (
    POLL_TICK_S,
    RECHECK_TICK_S,
    WATCHDOG_EVERY_S,
    WATCHDOG_QUIET_S,
    bot_runtime,
    lock_path,
    open_archive,
    poll_config,
    recheck_every_s,
    save_hooks,
)
from monitor.bot.notices import PoolNotices
from monitor.clock import Clock
from monitor.config import Settings
from monitor.domain import Channel
from monitor.matching import cached_matcher, load_default_packs
from monitor.ratelimit import TokenBucket
from monitor.reader.accounts import account_names, account_session
from monitor.reader.channel_ref import parse_channel_ref
from monitor.reader.collector import Collector, OperatorEvents, PollConfig
from monitor.reader.health import Health, status_path, write_health
from monitor.reader.ingest import Ingest
from monitor.reader.lockfile import ProcessLock
from monitor.reader.pool import AccountPool, Connect, PoolConfig, PoolEvents
from monitor.scheduler import ScheduledJob, Scheduler
from monitor.store.channels import ChannelRepo
from monitor.store.engine import Database
from monitor.store.posts import HitFinder, PostRepo, SaveHook
from monitor.telegram.connect import ReaderConnection, reader_connection
from monitor.telegram.login import private_session_path
from monitor.telegram.reader import ChannelReader

logger = logging.getLogger(__name__)

ACCOUNT_CHECK_S = 60  # how often dead and held accounts are checked again


def pool_config(settings: Settings) -> PoolConfig:
    return PoolConfig(
        flood_handover_s=settings.flood_handover_s,
        resolves_per_hour=settings.resolves_per_hour,
        requests_per_minute_total=settings.poll_requests_per_minute_total,
    )


def account_connector(settings: Settings) -> Connect:
    """Connect reader account NAME on its own session, locked while it is connected (so that
    `login --account NAME` can log a dead one in again while `run` goes on)."""

    @asynccontextmanager
    async def connect(name: str) -> AsyncIterator[ReaderConnection]:
        session = private_session_path(account_session(settings.reader_session, name))
        with ProcessLock(lock_path(session)):
            async with reader_connection(settings, session) as connection:
                yield connection

    return connect


@asynccontextmanager
async def reader_pool(
    settings: Settings,
    clock: Clock,
    db: Database,
    *,
    find_hits: HitFinder,
    hooks: tuple[SaveHook, ...] = (),
    events: PoolEvents | None = None,
    poll: PollConfig | None = None,
    pool: PoolConfig | None = None,
    names: list[str] | None = None,
) -> AsyncIterator[AccountPool]:
    """Every reader account (READER_SESSION is "default", `login --account NAME` adds more)
    connected, each channel pinned to one; SessionDeadError when no account is usable."""
    posts = PostRepo(db)
    ingest = Ingest(posts, find_hits, hooks)
    config = poll or poll_config(settings)

    def make_collector(
        reader: ChannelReader,
        channels: ChannelRepo,
        member_events: OperatorEvents,
        shared: TokenBucket | None,
    ) -> Collector:
        return Collector(
            reader,
            channels,
            posts,
            ingest,
            config,
            clock,
            events=member_events,
            shared_bucket=shared,
        )

    accounts = AccountPool(
        names or account_names(settings.reader_session),
        account_connector(settings),
        make_collector,
        db,
        clock,
        config=pool or pool_config(settings),
        events=events,
    )
    try:
        await accounts.start()
        yield accounts
    finally:
        await accounts.close()


class PoolChannels:
    """The bot's /addchannel and /removechannel, done by the pool (ChannelControl)."""

    def __init__(self, pool: AccountPool) -> None:
        self._pool = pool

    async def add_channel(self, ref: str, *, now: datetime) -> Channel:
        channel, _ = await self._pool.add(parse_channel_ref(ref))
        return channel

    async def remove_channel(self, ref: str, *, now: datetime) -> Channel:
        return await self._pool.remove(parse_channel_ref(ref))


def pool_jobs(
    pool: AccountPool, settings: Settings, health: Health, clock: Clock
) -> list[ScheduledJob]:
    """The scheduled jobs of `run` with several accounts, in one table."""

    async def poll() -> None:
        report = await pool.poll_cycle()
        health.last_cycle_at = clock.now().isoformat()
        health.last_cycle = {"polled": report.polled, "new_posts": report.new_posts}
        health.account = ", ".join(pool.healthy()) or "no healthy account"

    async def write() -> None:
        write_health(status_path(settings), health)

    return [
        ScheduledJob("poll", poll, every_s=POLL_TICK_S, first_after_s=0),
        ScheduledJob(
            "recheck",
            pool.recheck_due,
            every_s=min(RECHECK_TICK_S, recheck_every_s(settings)),
            first_after_s=0,
        ),
        ScheduledJob("accounts", pool.check_accounts, every_s=ACCOUNT_CHECK_S),
        ScheduledJob(
            "watchdog", partial(pool.watchdog, WATCHDOG_QUIET_S), every_s=WATCHDOG_EVERY_S
        ),
        ScheduledJob("health", write, every_s=POLL_TICK_S, first_after_s=0),
    ]


async def run_pool_service(settings: Settings, clock: Clock, stop: asyncio.Event) -> None:
    """The pool, the bot beside it when BOT_TOKEN is set, and the jobs, until `stop`."""
    async with open_archive(settings) as db:
        matcher = cached_matcher(load_default_packs(), settings.cache_dir)
        health = Health(pid=os.getpid(), started_at=clock.now().isoformat())
        async with reader_pool(
            settings, clock, db, find_hits=matcher.find_hits, hooks=save_hooks(db)
        ) as pool:
            health.state = "running"
            scheduler = Scheduler()
            scheduler.add_all(pool_jobs(pool, settings, health, clock), now=clock.now())
            try:
                if settings.bot_token:
                    with ProcessLock(lock_path(private_session_path(settings.bot_session))):
                        async with bot_runtime(
                            settings, db, matcher, clock, channel_control=PoolChannels(pool)
                        ) as bot:
                            pool.events = PoolNotices(bot.health)
                            scheduler.start()
                            serving = asyncio.create_task(bot.run(), name="bot")
                            serving.add_done_callback(lambda _: stop.set())
                            await stop.wait()
                            await bot.stop()
                            await asyncio.wait([serving], timeout=10)
                else:
                    logger.warning("BOT_TOKEN is not set: reading and matching only")
                    scheduler.start()
                    await stop.wait()
            finally:
                scheduler.shutdown()
                health.state = "stopped"
                write_health(status_path(settings), health)
