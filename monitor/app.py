"""Owns lifetimes: archive, matcher, reader client, live feed, scheduler; stop on signal; health (does I/O)."""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from telethon import TelegramClient

from monitor.alerts.planning import make_expression_hits
from monitor.clock import Clock
from monitor.config import Settings
from monitor.digest.job import send_weekly_digests
from monitor.digest.weekly import DigestSender
from monitor.domain import Channel
from monitor.errors import SessionDeadError, TelegramUnreachableError
from monitor.matching import Matcher, cached_matcher, load_default_packs
from monitor.reader.channel_ref import parse_channel_ref
from monitor.reader.collector import (
    Collector,
    CycleReport,
    LoggedEvents,
    OperatorEvents,
    PollConfig,
)
from monitor.reader.ingest import Ingest
from monitor.reader.lockfile import ProcessLock, lock_file_of
from monitor.reader.polling import IntervalPolicy
from monitor.scheduler import Scheduler
from monitor.search.query import default_lemmatizer
from monitor.store import migrate
from monitor.store.channels import ChannelRepo
from monitor.store.digests import DigestRepo
from monitor.store.engine import Database
from monitor.store.outbox import make_outbox_hook
from monitor.store.posts import HitFinder, PostRepo, SaveHook
from monitor.store.search import SearchRepo
from monitor.store.subscribers import SubscriberRepo
from monitor.telegram.bot import BotRuntime, start_bot
from monitor.telegram.connect import connect_client, make_client_from_settings
from monitor.telegram.digests import digest_sender
from monitor.telegram.live import LiveFeed
from monitor.telegram.login import private_session_path
from monitor.telegram.reader import ChannelReader

logger = logging.getLogger(__name__)

POLL_TICK_S = 5  # how often the poll job looks for due channels
RECHECK_TICK_S = 60  # how often the re-check job looks for channels due (their stored times)
WATCHDOG_EVERY_S = 60
WATCHDOG_QUIET_S = 15 * 60
SILENCE_EVERY_S = 3600
DIGEST_EVERY_S = 3600  # due digests (Monday 09:00 local, and weeks missed while down)  # no successful request for this long: probe, then reconnect


def recheck_every_s(settings: Settings) -> int:
    """Seconds between a channel's re-checks: RECHECK_INTERVAL, else max(600, POLL_MAX_INTERVAL)."""
    return settings.recheck_interval_s or max(600, settings.poll_max_interval_s)


def poll_config(settings: Settings) -> PollConfig:
    return PollConfig(
        requests_per_minute=settings.poll_requests_per_minute,
        policy=IntervalPolicy(
            minimum_s=settings.poll_min_interval_s, maximum_s=settings.poll_max_interval_s
        ),
        initial_interval_s=settings.poll_interval_s,
        backfill_days=settings.backfill_days,
        backfill_limit=settings.backfill_limit,
        recheck_hours=settings.recheck_hours,
        recheck_every_s=recheck_every_s(settings),
        cycle_wait_s=POLL_TICK_S - 1,  # a hanging read goes on alone; the next tick reads the rest
    )


def status_path(settings: Settings) -> Path:
    return settings.reader_session.parent / "status.json"


def lock_path(session: Path) -> Path:
    return lock_file_of(session)


@dataclass
class Health:
    """What `python bot.py status` shows of a running service."""

    pid: int
    started_at: str
    state: str = "starting"
    account: str = ""
    last_cycle_at: str | None = None
    last_cycle: dict[str, int] = field(default_factory=dict)
    live_updates: int = 0
    reconnects: int = 0
    error: str | None = None


class ReaderService:
    """The reader account's client, its collector and live feed, for one process."""

    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        db: Database,
        *,
        find_hits: HitFinder,
        hooks: tuple[SaveHook, ...] = (),
        events: OperatorEvents | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.db = db
        self._find_hits = find_hits
        self._hooks = hooks
        self.events = events or LoggedEvents()
        self._lock = ProcessLock(lock_path(private_session_path(settings.reader_session)))
        self.client: TelegramClient | None = None
        self.collector: Collector | None = None
        self.live: LiveFeed | None = None
        self.health = Health(pid=os.getpid(), started_at=clock.now().isoformat())

    async def start(self) -> Collector:
        """Lock the session, connect, check the login, attach the live feed."""
        self._lock.acquire()
        session = private_session_path(self.settings.reader_session)
        client = make_client_from_settings(
            self.settings, str(session), flood_sleep_threshold=0, entity_cache_limit=2000
        )
        try:
            await connect_client(client, self.settings.server_address)
        except TelegramUnreachableError:
            self._lock.release()
            raise
        if not await client.is_user_authorized():
            await client.disconnect()
            self._lock.release()
            raise SessionDeadError(str(session), "not logged in")
        self.client = client
        posts = PostRepo(self.db)
        reader = ChannelReader(client, session_name=str(session))
        self.health.account = await reader.check_alive()
        self.collector = Collector(
            reader,
            ChannelRepo(self.db),
            posts,
            Ingest(posts, self._find_hits, self._hooks),
            poll_config(self.settings),
            self.clock,
            events=self.events,
        )
        self.live = LiveFeed(client, self.collector.on_live_post, self.collector.on_live_deletion)
        self.live.attach()
        self.health.state = "running"
        return self.collector

    async def stop(self) -> None:
        if self.live is not None:
            self.live.detach()
        if self.collector is not None:
            await self.collector.close()
        if self.client is not None:
            await self.client.disconnect()
        self._lock.release()
        if self.health.state == "running":
            self.health.state = "stopped"

    async def poll(self) -> CycleReport:
        assert self.collector is not None
        report = await self.collector.poll_cycle()
        self.health.last_cycle_at = self.clock.now().isoformat()
        self.health.last_cycle = asdict(report)
        self.health.live_updates = self.live.received if self.live else 0
        return report

    async def recheck(self) -> int:
        assert self.collector is not None
        return await self.collector.recheck_due()

    async def watchdog(self) -> None:
        """Reconnect when nothing has succeeded for too long (Telethon #4521: silent stalls)."""
        assert self.collector is not None
        assert self.client is not None
        quiet = self.clock.monotonic() - self.collector.last_success
        if quiet < WATCHDOG_QUIET_S:
            return
        logger.warning("watchdog: nothing succeeded for %d s, reconnecting", quiet)
        await self.client.disconnect()
        await self.client.connect()
        self.health.reconnects += 1
        await self.collector.reader.check_alive()
        self.collector.last_success = self.clock.monotonic()


def save_hooks(db: Database, *, alerts: bool = True) -> tuple[SaveHook, ...]:
    """What runs inside every post-saving transaction: the search index and the alert outbox."""
    index = SearchRepo(db, default_lemmatizer()).index_hook()
    return (index, make_outbox_hook(make_expression_hits())) if alerts else (index,)


class ReaderChannels:
    """The bot's /addchannel and /removechannel, done by the running reader (ChannelControl)."""

    def __init__(self, collector: Collector) -> None:
        self._collector = collector

    async def add_channel(self, ref: str, *, now: datetime) -> Channel:
        channel, _ = await self._collector.add(parse_channel_ref(ref))
        return channel

    async def remove_channel(self, ref: str, *, now: datetime) -> Channel:
        return await self._collector.remove(parse_channel_ref(ref))


def default_hit_finder(cache_dir: Path | None) -> HitFinder:
    """The default Russian and Ukrainian packs, compiled once (through the cache in `cache_dir`)."""
    matcher = cached_matcher(load_default_packs(), cache_dir)
    return matcher.find_hits


def write_health(path: Path, health: Health) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(asdict(health), ensure_ascii=False, indent=2), encoding="utf-8")
    temporary.replace(path)


def read_health(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None


async def run_service(settings: Settings, clock: Clock, stop: asyncio.Event) -> None:
    """`python bot.py run`: reader, bot and scheduler in one process until `stop` or a dead session."""
    db = Database.open(settings.database_url)
    try:
        await migrate.ensure_current(db.reader)
        matcher = cached_matcher(load_default_packs(), settings.cache_dir)
        service = ReaderService(
            settings, clock, db, find_hits=matcher.find_hits, hooks=save_hooks(db)
        )
        await service.start()
        bot: BotRuntime | None = None
        bot_lock = ProcessLock(lock_path(private_session_path(settings.bot_session)))
        try:
            if settings.bot_token:
                bot_lock.acquire()
                bot = await _start_bot(settings, db, matcher, clock, service)
            else:
                logger.warning(
                    "BOT_TOKEN is not set: reading and matching only, no alerts are sent"
                )
            await _schedule_and_wait(service, settings, stop, bot)
        finally:
            if bot is not None:
                await bot.stop()
            bot_lock.release()
            await service.stop()
            write_health(status_path(settings), service.health)
    finally:
        await db.close()


async def _start_bot(
    settings: Settings, db: Database, matcher: Matcher, clock: Clock, service: ReaderService
) -> BotRuntime:
    assert service.collector is not None, "start the reader before the bot"
    channels = ReaderChannels(service.collector)
    bot = await start_bot(settings, db, matcher, clock, channel_control=channels)
    # Admins hear about the reader's flood waits, lost channels and a dead session.
    service.events = bot.reader_events()
    service.collector.events = service.events
    return bot


def _digest_job(service: ReaderService, bot: BotRuntime) -> Callable[[], Awaitable[int]]:
    subscribers, digests = SubscriberRepo(service.db), DigestRepo(service.db)

    def sender_for(chat_id: int) -> DigestSender:
        return digest_sender(bot.sender, bot.limiter, chat_id)

    async def run() -> int:
        return await send_weekly_digests(subscribers, digests, sender_for, now=service.clock.now())

    return run


async def _schedule_and_wait(
    service: ReaderService, settings: Settings, stop: asyncio.Event, bot: BotRuntime | None
) -> None:
    dead: list[SessionDeadError] = []

    def fatal(job: Any) -> Any:
        async def run() -> None:
            try:
                await job()
            except SessionDeadError as e:
                dead.append(e)
                service.health.state = "session dead"
                service.health.error = str(e)
                await service.events.session_dead(str(e))
                stop.set()

        return run

    async def health() -> None:
        write_health(status_path(settings), service.health)

    scheduler = Scheduler(on_failure=bot.health.task_failed if bot is not None else None)
    now: datetime = service.clock.now()
    scheduler.every("poll", POLL_TICK_S, fatal(service.poll), first_at=now)
    # Due from each channel's stored last re-check, so frequent restarts never put it off.
    recheck_tick = min(RECHECK_TICK_S, recheck_every_s(settings))
    scheduler.every("recheck", recheck_tick, fatal(service.recheck), first_at=now)
    scheduler.every("watchdog", WATCHDOG_EVERY_S, fatal(service.watchdog))
    scheduler.every("health", POLL_TICK_S, health, first_at=now)
    if bot is not None:
        scheduler.every(
            "digests",
            DIGEST_EVERY_S,
            fatal(_digest_job(service, bot)),
            first_at=now + timedelta(seconds=30),
        )
        # Admins hear of channels silent far beyond their usual rhythm.
        scheduler.every("silence", SILENCE_EVERY_S, bot.check_silence)
    scheduler.start()
    bot_task = asyncio.create_task(bot.run(), name="bot") if bot is not None else None
    if bot_task is not None:
        bot_task.add_done_callback(lambda _: stop.set())  # the bot is gone: stop and say why
    logger.info(
        "draftwatch running account=%s bot=%s jobs=%s",
        service.health.account,
        "yes" if bot is not None else "no",
        ",".join(scheduler.job_names()),
    )
    try:
        await stop.wait()
    finally:
        scheduler.shutdown()
        if bot is not None and bot_task is not None and not bot_task.done():
            await bot.stop()
            await asyncio.wait([bot_task], timeout=10)
    if dead:
        raise dead[0]
    if bot_task is not None and bot_task.done() and not bot_task.cancelled():
        failure = bot_task.exception()
        if failure is not None:
            raise failure
