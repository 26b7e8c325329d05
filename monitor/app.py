"""The composition root: the one place that builds the archive, the reader, the bot and the
service (`run`) and declares the scheduled jobs; every CLI command and the e2e tests get them
here. Each part is an async context manager that yields it ready and closes it on exit (does I/O;
Telethon stays behind monitor.telegram)."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from monitor.alerts.planning import make_expression_hits
from monitor.alerts.worker import DeliveryConfig, DeliveryWorker
from monitor.bot.conversation import ChannelControl, Conversation
from monitor.bot.handlers import Stores
from monitor.bot.lookups import ArchiveAnswers
from monitor.bot.notices import HealthNotifier, ReaderEvents, check_silence
from monitor.clock import Clock
from monitor.config import Settings
from monitor.digest.job import send_weekly_digests
from monitor.digest.weekly import DigestSender
from monitor.domain import Channel
from monitor.errors import SessionDeadError
from monitor.evidence.archive import evidence_desk, make_notary
from monitor.evidence.followups import send_followups
from monitor.evidence.notary import Notary
from monitor.matching import Matcher, cached_matcher, load_default_packs
from monitor.media.setup import media_worker, read_photo
from monitor.media.worker import MediaWorker
from monitor.places.tagging import post_places
from monitor.ratelimit import SendLimiter
from monitor.reader.accounts import account_names
from monitor.reader.channel_ref import parse_channel_ref
from monitor.reader.collector import (
    Collector,
    CycleReport,
    LoggedEvents,
    OperatorEvents,
    PollConfig,
)
from monitor.reader.health import Health, status_path, write_health
from monitor.reader.ingest import Ingest
from monitor.reader.lockfile import ProcessLock, lock_file_of
from monitor.reader.polling import IntervalPolicy
from monitor.scheduler import ScheduledJob, Scheduler
from monitor.search.query import default_lemmatizer
from monitor.store import migrate
from monitor.store.channels import ChannelRepo
from monitor.store.deliveries import DeliveryRepo
from monitor.store.digests import DigestRepo
from monitor.store.engine import Database
from monitor.store.evidence import evidence_step
from monitor.store.feedback import FeedbackRepo
from monitor.store.followups import FollowUpRepo
from monitor.store.outbox import make_outbox_hook
from monitor.store.places import PlaceRepo
from monitor.store.posts import HitFinder, PostRepo, SaveHook
from monitor.store.rhythm import RhythmRepo
from monitor.store.search import SearchRepo
from monitor.store.subscribers import SubscriberRepo
from monitor.supervisor import FailureStreaks, supervise
from monitor.telegram.bot import BotFrontDesk, bot_client
from monitor.telegram.connect import ReaderConnection, reader_connection
from monitor.telegram.digests import digest_sender
from monitor.telegram.live import LiveFeed
from monitor.telegram.login import private_session_path
from monitor.telegram.media import TelethonMedia
from monitor.telegram.sender import TelethonSender

logger = logging.getLogger(__name__)

POLL_TICK_S = 5  # how often the poll job looks for due channels
RECHECK_TICK_S = 60  # how often the re-check job looks for channels due (their stored times)
WATCHDOG_EVERY_S = 60
WATCHDOG_QUIET_S = 15 * 60  # no successful request for this long: probe, then reconnect
SILENCE_EVERY_S = 3600
DIGEST_EVERY_S = 3600  # due digests (Monday 09:00 local, and weeks missed while down)
DIGEST_FIRST_AFTER_S = 30
MEDIA_TICK_S = 3  # how often the media job looks for due downloads
MEDIA_RUN_S = 2.0  # after this long a run takes no more rows: the next tick goes on
TIMESTAMP_RETRY_S = 300  # seals still without a token from a TSA are asked for again this often
SHUTDOWN_STAMP_S = 10  # at shutdown the TSAs get this long; what is left is stamped next start


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


def lock_path(session: Path) -> Path:
    return lock_file_of(session)


def open_archive(
    settings: Settings, *, check_schema: bool = True
) -> AbstractAsyncContextManager[Database]:
    """The archive of `settings`, at the schema this code needs (monitor.store.migrate)."""
    return migrate.open_archive(settings.database_url, check_schema=check_schema)


@dataclass
class ReaderService:
    """The reader account connected, its collector and live feed attached: ready to poll."""

    settings: Settings
    clock: Clock
    db: Database
    connection: ReaderConnection
    collector: Collector
    live: LiveFeed
    health: Health
    media: MediaWorker

    @property
    def events(self) -> OperatorEvents:
        return self.collector.events

    async def poll(self) -> CycleReport:
        report = await self.collector.poll_cycle()
        self.health.last_cycle_at = self.clock.now().isoformat()
        self.health.last_cycle = asdict(report)
        self.health.live_updates = self.live.received
        return report

    async def recheck(self) -> int:
        return await self.collector.recheck_due()

    async def fetch_media(self) -> int:
        """Download (and read) due media until none is due or MEDIA_RUN_S has passed (the job
        then comes back at its next tick instead of overlapping itself)."""
        handled = 0
        start = self.clock.monotonic()
        while self.clock.monotonic() - start < MEDIA_RUN_S:
            done = await self.media.run_once()
            handled += done
            if done == 0:
                break
        return handled

    async def watchdog(self) -> None:
        """Reconnect when nothing has succeeded for too long (Telethon #4521: silent stalls)."""
        quiet = self.clock.monotonic() - self.collector.last_success
        if quiet < WATCHDOG_QUIET_S:
            return
        logger.warning("watchdog: nothing succeeded for %d s, reconnecting", quiet)
        await self.connection.reconnect()
        self.health.reconnects += 1
        await self.collector.reader.check_alive()
        self.collector.last_success = self.clock.monotonic()


@asynccontextmanager
async def reader_service(
    settings: Settings,
    clock: Clock,
    db: Database,
    *,
    find_hits: HitFinder,
    hooks: tuple[SaveHook, ...] = (),
    events: OperatorEvents | None = None,
    poll: PollConfig | None = None,
    media_alerts: SaveHook | None = None,
) -> AsyncIterator[ReaderService]:
    """Lock the reader's session, connect, check the login, attach the live feed; undo on exit.

    AlreadyRunningError when another process holds the session, SessionDeadError when it is
    not logged in, TelegramUnreachableError when the server does not answer.
    """
    session = private_session_path(settings.reader_session)
    with ProcessLock(lock_path(session)):
        async with reader_connection(settings, session) as connection:
            health = Health(pid=os.getpid(), started_at=clock.now().isoformat())
            health.account = await connection.reader.check_alive()
            posts = PostRepo(db)
            collector = Collector(
                connection.reader,
                ChannelRepo(db),
                posts,
                Ingest(posts, find_hits, hooks),
                poll or poll_config(settings),
                clock,
                events=events or LoggedEvents(),
            )
            live = connection.live_feed(collector.on_live_post, collector.on_live_deletion)
            media = media_worker(
                settings,
                db,
                clock,
                TelethonMedia(connection.reader.client),
                find_hits=find_hits,
                alerts=media_alerts,
            )
            health.state = "running"
            try:
                yield ReaderService(settings, clock, db, connection, collector, live, health, media)
            finally:
                live.detach()
                await collector.close()
                if health.state == "running":
                    health.state = "stopped"


@dataclass(frozen=True)
class BotRuntime:
    """The bot logged in, its handlers installed, with the delivery worker and health notices."""

    desk: BotFrontDesk
    worker: DeliveryWorker
    health: HealthNotifier
    db: Database

    async def run(self) -> None:
        """Answer commands and deliver alerts until cancelled or disconnected."""
        streaks = FailureStreaks(self.health.task_failed)
        worker = asyncio.create_task(
            supervise("delivery worker", self.worker.run, streaks), name="delivery-worker"
        )
        try:
            await self.desk.serve()
        finally:
            worker.cancel()
            # Waits for the worker without taking its CancelledError as ours: a cancel of run()
            # itself still propagates (cancellation is never swallowed).
            await asyncio.wait([worker])

    async def stop(self) -> None:
        await self.desk.stop()

    async def check_silence(self) -> None:
        """A scheduler job (hourly is plenty): admins hear of channels silent beyond rhythm."""
        await check_silence(self.health, ChannelRepo(self.db), RhythmRepo(self.db))

    @property
    def sender(self) -> TelethonSender:
        return self.desk.sender

    @property
    def limiter(self) -> SendLimiter:
        """The one send gate: everything the bot sends (alerts, replies, digests) passes it."""
        return self.desk.limiter

    def reader_events(self) -> OperatorEvents:
        """OperatorEvents for the reader's Collector: flood waits, lost channels, dead session."""
        return ReaderEvents(self.health)


@asynccontextmanager
async def bot_runtime(
    settings: Settings,
    db: Database,
    matcher: Matcher,
    clock: Clock,
    *,
    channel_control: ChannelControl | None = None,
    delivery: DeliveryConfig | None = None,
) -> AsyncIterator[BotRuntime]:
    """Log the bot in on its own session and wire it to the archive; disconnect on exit.

    ConfigError when BOT_SESSION belongs to a user account: never share the reader's.
    """
    async with bot_client(settings) as client:
        promoted = await SubscriberRepo(db).sync_admins(settings.admin_ids)
        logger.info(
            "admins: %d from ADMIN_IDS, %d promoted in the bot (/demote takes it back)",
            len(settings.admin_ids),
            len(promoted),
        )
        config = delivery or DeliveryConfig()
        limiter = SendLimiter(
            clock, overall_per_s=config.overall_per_s, per_chat_per_s=config.per_chat_per_s
        )
        sender = TelethonSender(client)
        stores = Stores(SubscriberRepo(db), DeliveryRepo(db), ChannelRepo(db), FeedbackRepo(db))
        conversation = Conversation(
            stores,
            matcher,
            admin_ids=settings.admin_ids,
            default_timezone=settings.timezone,
            channel_control=channel_control,
            archive=ArchiveAnswers(SearchRepo(db, default_lemmatizer()), DigestRepo(db)),
            evidence=evidence_desk(settings, db),
        )
        desk = BotFrontDesk(client, conversation, sender, limiter, clock)
        health = HealthNotifier(
            desk.notify, settings.admin_ids, clock, flood_wait_alert_s=settings.flood_wait_alert_s
        )
        worker = DeliveryWorker(
            stores.deliveries,
            sender,
            clock,
            config,
            limiter=limiter,
            expression_hits=make_expression_hits(),
            on_flood_wait=health.flood_wait,
            photos=read_photo(settings),
        )
        desk.install()
        await desk.publish_commands()
        logger.info("bot started")
        yield BotRuntime(desk, worker, health, db)


@asynccontextmanager
async def reader_bot(
    reader: ReaderService,
    settings: Settings,
    matcher: Matcher,
    *,
    delivery: DeliveryConfig | None = None,
) -> AsyncIterator[BotRuntime]:
    """The bot beside a running reader: /addchannel goes to the reader, and the admins hear
    about the reader's flood waits, lost channels and a dead session."""
    async with bot_runtime(
        settings,
        reader.db,
        matcher,
        reader.clock,
        channel_control=ReaderChannels(reader.collector),
        delivery=delivery,
    ) as bot:
        before = reader.collector.events
        reader.collector.events = bot.reader_events()
        try:
            yield bot
        finally:
            reader.collector.events = before


def save_hooks(
    db: Database, *, alerts: bool = True, alert_history: bool = False
) -> tuple[SaveHook, ...]:
    """What runs inside every post-saving transaction: the search index, the post's places,
    the evidence capture (every new version and deletion, with its custody entry) and the
    alert outbox (with `alert_history`, old posts queue alerts too: `import --alert`)."""
    index = SearchRepo(db, default_lemmatizer()).index_hook()
    places = PlaceRepo(db).tag_step(post_places)
    if not alerts:
        return (index, places, evidence_step())
    outbox = make_outbox_hook(make_expression_hits(), alert_history=alert_history)
    return (index, places, evidence_step(), outbox)


def media_alert_hook() -> SaveHook:
    """The outbox as the media worker uses it: alerts for what OCR read in a post's photo,
    planned like a new post's, never a second one for a subscriber already told."""
    return make_outbox_hook(make_expression_hits())


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


@dataclass(frozen=True)
class Service:
    """`python bot.py run`: the reader and, with BOT_TOKEN, the bot, both ready."""

    reader: ReaderService
    bot: BotRuntime | None
    notary: Notary | None = None


@asynccontextmanager
async def open_service(
    settings: Settings, clock: Clock, db: Database, matcher: Matcher
) -> AsyncIterator[Service]:
    """The reader, then the bot beside it (its session locked too) when BOT_TOKEN is set."""
    async with reader_service(
        settings,
        clock,
        db,
        find_hits=matcher.find_hits,
        hooks=save_hooks(db),
        media_alerts=media_alert_hook(),  # queued like the text's alerts, sent when the bot runs
    ) as reader:
        notary = make_notary(settings, db)
        restored = await notary.check_continuity(now=clock.now())
        if not settings.bot_token:
            logger.warning("BOT_TOKEN is not set: reading and matching only, no alerts are sent")
            yield Service(reader, None, notary)
            return
        with ProcessLock(lock_path(private_session_path(settings.bot_session))):
            async with reader_bot(reader, settings, matcher) as bot:
                if restored is not None:
                    await bot.health.evidence_restored(restored)
                yield Service(reader, bot, notary)


async def run_service(settings: Settings, clock: Clock, stop: asyncio.Event) -> None:
    """`python bot.py run`: reader, bot and scheduler in one process until `stop` or a dead session.

    With more than one reader account logged in (`login --account NAME`), the pool runs instead
    (monitor.pool_service)."""
    if len(account_names(settings.reader_session)) > 1:
        from monitor.pool_service import run_pool_service

        await run_pool_service(settings, clock, stop)
        return
    async with open_archive(settings) as db:
        matcher = cached_matcher(load_default_packs(), settings.cache_dir)
        health: Health | None = None
        try:
            async with open_service(settings, clock, db, matcher) as service:
                health = service.reader.health
                await _schedule_and_wait(service, settings, stop)
                if service.notary is not None:  # a clean shutdown seals what is new
                    await seal_at_shutdown(service.notary, clock)
        finally:
            if health is not None:
                write_health(status_path(settings), health)


async def seal_at_shutdown(notary: Notary, clock: Clock) -> None:
    await notary.seal(now=clock.now(), reason="shutdown", stamp=False)
    try:
        async with asyncio.timeout(SHUTDOWN_STAMP_S):
            await notary.stamp_pending(now=clock.now())
    except TimeoutError:
        logger.warning("timestamps left for the next start: the TSA did not answer in time")


def service_jobs(
    service: Service,
    settings: Settings,
    on_session_dead: Callable[[SessionDeadError], Awaitable[None]],
) -> list[ScheduledJob]:
    """The scheduled jobs of `run`, in one table (like arq's cron_jobs)."""

    def fatal(job: Callable[[], Awaitable[object]]) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            try:
                await job()
            except SessionDeadError as e:
                await on_session_dead(e)

        return run

    async def health() -> None:
        if service.notary is not None:
            service.reader.health.evidence = service.notary.health.line()
        write_health(status_path(settings), service.reader.health)

    reader, bot = service.reader, service.bot
    jobs = [
        ScheduledJob("poll", fatal(reader.poll), every_s=POLL_TICK_S, first_after_s=0),
        # Due from each channel's stored last re-check, so frequent restarts never put it off.
        ScheduledJob(
            "recheck",
            fatal(reader.recheck),
            every_s=min(RECHECK_TICK_S, recheck_every_s(settings)),
            first_after_s=0,
        ),
        ScheduledJob("watchdog", fatal(reader.watchdog), every_s=WATCHDOG_EVERY_S),
        # Media catch up on their own: a post is stored and matched before its photo arrives.
        ScheduledJob("media", fatal(reader.fetch_media), every_s=MEDIA_TICK_S, first_after_s=0),
        ScheduledJob("health", health, every_s=POLL_TICK_S, first_after_s=0),
    ]
    notary = service.notary
    if notary is not None:
        clock = reader.clock

        async def seal() -> None:
            await notary.seal(now=clock.now(), reason="interval")

        async def stamp() -> None:
            await notary.stamp_pending(now=clock.now())

        jobs += [
            ScheduledJob("seal", seal, every_s=settings.evidence_seal_interval_s),
            # Never in the way of reading: a TSA that is down is asked again later.
            ScheduledJob("timestamps", stamp, every_s=TIMESTAMP_RETRY_S, first_after_s=15),
        ]
    if bot is not None:
        jobs += [
            ScheduledJob(
                "digests",
                fatal(_digest_job(reader, bot)),
                every_s=DIGEST_EVERY_S,
                first_after_s=DIGEST_FIRST_AFTER_S,
            ),
            # Admins hear of channels silent far beyond their usual rhythm.
            ScheduledJob("silence", bot.check_silence, every_s=SILENCE_EVERY_S),
            # Analysts hear, as a reply to their alert, that its post was edited or deleted.
            ScheduledJob("followups", _followup_job(reader, bot), every_s=POLL_TICK_S),
        ]
    return jobs


def _followup_job(service: ReaderService, bot: BotRuntime) -> Callable[[], Awaitable[int]]:
    repo = FollowUpRepo(service.db)

    async def run() -> int:
        return await send_followups(repo, bot.sender, bot.limiter, now=service.clock.now())

    return run


def _digest_job(service: ReaderService, bot: BotRuntime) -> Callable[[], Awaitable[int]]:
    subscribers, digests = SubscriberRepo(service.db), DigestRepo(service.db)

    def sender_for(chat_id: int) -> DigestSender:
        return digest_sender(bot.sender, bot.limiter, chat_id)

    async def run() -> int:
        return await send_weekly_digests(subscribers, digests, sender_for, now=service.clock.now())

    return run


async def _schedule_and_wait(service: Service, settings: Settings, stop: asyncio.Event) -> None:
    reader, bot = service.reader, service.bot
    dead: list[SessionDeadError] = []

    async def session_dead(e: SessionDeadError) -> None:
        dead.append(e)
        reader.health.state = "session dead"
        reader.health.error = str(e)
        await reader.events.session_dead(str(e))
        stop.set()

    scheduler = Scheduler(on_failure=bot.health.task_failed if bot is not None else None)
    scheduler.add_all(service_jobs(service, settings, session_dead), now=reader.clock.now())
    scheduler.start()
    bot_task = asyncio.create_task(bot.run(), name="bot") if bot is not None else None
    if bot_task is not None:
        bot_task.add_done_callback(lambda _: stop.set())  # the bot is gone: stop and say why
    logger.info(
        "draftwatch running account=%s bot=%s jobs=%s",
        reader.health.account,
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
