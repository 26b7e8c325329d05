"""The collection loop: add channels, poll due ones under a request budget, re-check, live fast path (does I/O)."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from monitor.clock import Clock
from monitor.domain import Channel, Post, RawMessage, SaveResult
from monitor.errors import (
    DraftwatchError,
    NotFoundError,
    RateLimitedError,
    SessionDeadError,
    SourceUnavailableError,
)
from monitor.ratelimit import TokenBucket
from monitor.reader.channel_ref import ChannelRef
from monitor.reader.ingest import Ingest
from monitor.reader.polling import IntervalPolicy, due_channels, due_for_recheck
from monitor.store.channels import ChannelRepo
from monitor.store.posts import PostRepo
from monitor.telegram.reader import ChannelReader, Progress

logger = logging.getLogger(__name__)

RECHECK_CHUNK = 100  # ids per channels.getMessages call
ACCOUNT_WIDE_FLOOD_WAITS = 2  # flood waits in one cycle that make the wait account-wide


@dataclass(frozen=True, slots=True)
class PollConfig:
    """The polling knobs, taken from Settings by the app."""

    requests_per_minute: int
    policy: IntervalPolicy
    initial_interval_s: int
    backfill_days: int
    backfill_limit: int
    recheck_hours: int
    fetch_limit: int = 3000  # posts per poll at most; the rest come next cycle
    read_timeout_s: float = 30.0  # a history read not answered by then fails (and backs off)
    concurrency: int = 4  # channels read at once; a hanging one holds one slot, not the cycle
    # How long a cycle waits for the reads it started; one still running goes on in the
    # background, is not started again, and is counted by a later cycle. None: wait for all.
    cycle_wait_s: float | None = None
    recheck_every_s: int = 600  # a channel's re-check is due this long after its last one


@dataclass(frozen=True, slots=True)
class CycleReport:
    polled: int = 0
    new_posts: int = 0
    new_hits: int = 0
    errors: int = 0
    flood_waits: int = 0


class OperatorEvents(Protocol):
    """What admins hear about (the bot implements it; a logger-only one is below)."""

    async def flood_wait(self, channel: Channel, seconds: int) -> None: ...
    async def source_unavailable(self, channel: Channel, reason: str) -> None: ...
    async def session_dead(self, reason: str) -> None: ...


class LoggedEvents:
    async def flood_wait(self, channel: Channel, seconds: int) -> None:
        logger.warning("flood wait channel=%s seconds=%d", channel.label, seconds)

    async def source_unavailable(self, channel: Channel, reason: str) -> None:
        logger.warning("channel unavailable channel=%s reason=%s", channel.label, reason)

    async def session_dead(self, reason: str) -> None:
        logger.error("reader session dead: %s", reason)


class Collector:
    """Reads every watched channel: polling is the source of truth, live updates the fast path."""

    def __init__(
        self,
        reader: ChannelReader,
        channels: ChannelRepo,
        posts: PostRepo,
        ingest: Ingest,
        config: PollConfig,
        clock: Clock,
        *,
        events: OperatorEvents | None = None,
        rng: random.Random | None = None,
        shared_bucket: TokenBucket | None = None,
    ) -> None:
        self.reader = reader
        self._channels = channels
        self._posts = posts
        self._ingest = ingest
        self._config = config
        self._clock = clock
        self.events: OperatorEvents = events or LoggedEvents()
        self._rng = rng or random.Random()
        self._bucket = TokenBucket(
            rate=config.requests_per_minute / 60,
            capacity=max(1, config.requests_per_minute // 6),
            updated=clock.monotonic(),
        )
        # With several accounts: the budget of all of them together, beside this account's own.
        self._shared_bucket = shared_bucket
        self.last_success = clock.monotonic()
        self._hold_until = 0.0
        self._cycle_flood_waits = 0
        self._polls: dict[int, asyncio.Task[CycleReport]] = {}  # channel -> its running poll
        # Telethon runs each update's handler as its own task: the parts of an album arrive
        # together, and two saves prepared side by side would each find the post missing.
        self._live_saves = asyncio.Lock()
        self._slots = asyncio.Semaphore(max(1, config.concurrency))

    async def add(
        self, ref: ChannelRef, *, backfill: bool = True, progress: Progress | None = None
    ) -> tuple[Channel, int]:
        """Watch a channel: resolve it once (never again), store it, read back its recent posts."""
        now = self._clock.now()
        known = await self._channels.find_channel(ref.key)
        if known is not None and known.access_hash is not None:
            channel = await self._channels.upsert_channel(known, now=now)
        else:
            resolved = await self.reader.resolve(ref)
            channel = await self._channels.upsert_channel(
                Channel(
                    telegram_id=resolved.telegram_id,
                    access_hash=resolved.access_hash,
                    username=resolved.username,
                    title=resolved.title,
                    poll_interval_s=self._config.initial_interval_s,
                ),
                now=now,
            )
        stored = 0
        if backfill and channel.last_seen_id == 0:
            stored = await self._backfill(channel, progress)
        return channel, stored

    async def _backfill(self, channel: Channel, progress: Progress | None) -> int:
        now = self._clock.now()
        since = now - timedelta(days=self._config.backfill_days)
        posts = await self.reader.fetch_recent(
            channel, since=since, limit=max(1, self._config.backfill_limit), progress=progress
        )
        if self._config.backfill_limit == 0 or self._config.backfill_days == 0:
            posts = []
        if not posts:
            # Nothing to keep: start polling after the newest post, not at the channel's beginning.
            newest = await self.reader.fetch_recent(
                channel, since=datetime.min.replace(tzinfo=now.tzinfo), limit=1
            )
            if newest:
                await self._channels.advance_last_seen(channel.telegram_id, newest[-1].message_id)
            return 0
        # The backfill read every post from the newest back: polling goes on after the newest.
        top = max(p.message_id for p in posts)
        result = await self._ingest.save(
            channel.telegram_id, posts, now=now, read_through=top, label=channel.label
        )
        return len(result.new_posts)

    async def join(self, channel: Channel) -> None:
        """Join for live updates; polling goes on regardless (events can be late or missed)."""
        await self.reader.join(channel)
        await self._channels.set_joined(channel.telegram_id, True)

    async def remove(self, ref: ChannelRef) -> Channel:
        """Stop watching; the archive keeps the channel's posts."""
        channel = await self._channels.get_channel(ref.key)
        await self._channels.disable_channel(channel.telegram_id)
        return channel

    async def poll_cycle(self) -> CycleReport:
        """Start a poll of every due channel (one request token each, `concurrency` at once) and
        report the polls that ended; a channel that hangs or fails never holds up the others."""
        self._cycle_flood_waits = 0
        started: list[asyncio.Task[CycleReport]] = []
        channels = await self._channels.list_channels(enabled_only=True)
        for channel in due_channels(channels, self._clock.now()):
            if self._held() or channel.telegram_id in self._polls:
                continue
            await self._take_token()
            task = asyncio.create_task(self._poll_in_slot(channel), name=f"poll {channel.label}")
            self._polls[channel.telegram_id] = task
            started.append(task)
        if started:
            await asyncio.wait(started, timeout=self._config.cycle_wait_s)
        report = self._ended_polls()
        if report.polled:
            logger.info(
                "poll cycle done channels=%d new=%d hits=%d errors=%d flood_waits=%d running=%d",
                report.polled,
                report.new_posts,
                report.new_hits,
                report.errors,
                report.flood_waits,
                len(self._polls),
            )
        return report

    def _held(self) -> bool:
        return self._hold_until > self._clock.monotonic()

    async def _poll_in_slot(self, channel: Channel) -> CycleReport:
        async with self._slots:
            if self._held():  # an account-wide flood wait began while this one queued
                return CycleReport()
            return await self.poll_one(channel)

    def _ended_polls(self) -> CycleReport:
        """The reports of polls that ended (this cycle or since the last); a dead session raises."""
        report = CycleReport()
        for telegram_id, task in list(self._polls.items()):
            if not task.done():
                continue
            del self._polls[telegram_id]
            if not task.cancelled():
                if (failure := task.exception()) is not None:
                    raise failure
                report = _add(report, task.result())
        return report

    async def close(self) -> None:
        """Stop the polls still running (a hanging read); their channels are read after a restart."""
        running = list(self._polls.values())
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        self._polls.clear()

    async def poll_one(self, channel: Channel) -> CycleReport:
        """Fetch what is new in one channel and store it; errors are recorded on the channel."""
        timeout = self._config.read_timeout_s
        try:
            async with asyncio.timeout(timeout):
                read = await self.reader.fetch_new(channel, limit=self._config.fetch_limit)
            result = await self._ingest.save(
                channel.telegram_id,
                read.posts,
                now=self._clock.now(),
                read_through=read.read_through,
                label=channel.label,
            )
        except SessionDeadError:
            raise
        except RateLimitedError as e:
            await self._flood_wait(channel, e.retry_after)
            return CycleReport(polled=1, flood_waits=1)
        except SourceUnavailableError as e:
            await self._record_error(channel, e.reason)
            await self.events.source_unavailable(channel, e.reason)
            return CycleReport(polled=1, errors=1)
        except TimeoutError:
            logger.warning("poll timed out channel=%s after=%g s", channel.label, timeout)
            await self._record_error(channel, f"no answer from Telegram in {timeout:g} s")
            return CycleReport(polled=1, errors=1)
        except (DraftwatchError, OSError) as e:
            logger.warning("poll failed channel=%s error=%s", channel.label, e)
            await self._record_error(channel, str(e))
            return CycleReport(polled=1, errors=1)
        self.last_success = self._clock.monotonic()
        await self._record_success(channel, result)
        return CycleReport(polled=1, new_posts=len(result.new_posts), new_hits=len(result.new_hits))

    async def _take_token(self) -> None:
        for bucket in (self._bucket, self._shared_bucket):
            if bucket is None:
                continue
            while (wait := bucket.wait(self._clock.monotonic())) > 0:
                await self._clock.sleep(wait)  # again: another account may take it meanwhile
            bucket.take(self._clock.monotonic())

    async def _record_success(self, channel: Channel, result: SaveResult) -> None:
        now = self._clock.now()
        policy = self._config.policy
        interval = policy.next_interval(channel.poll_interval_s, len(result.new_posts))
        await self._channels.record_poll(
            channel.telegram_id,
            now=now,
            poll_interval_s=interval,
            next_poll_at=now + policy.jittered(interval, self._rng.random()),
            failed_polls=0,
        )

    async def _record_error(self, channel: Channel, error: str) -> None:
        """The channel's own backoff: each failure in a row doubles its wait, within the bounds."""
        now = self._clock.now()
        failures = channel.failed_polls + 1
        retry = self._config.policy.backoff(channel.poll_interval_s, failures)
        await self._channels.record_poll(
            channel.telegram_id,
            now=now,
            error=error,
            next_poll_at=now + retry,
            failed_polls=failures,
        )

    async def _flood_wait(self, channel: Channel, seconds: int) -> None:
        now = self._clock.now()
        until = now + timedelta(seconds=seconds)
        logger.warning(
            "flood wait channel=%s seconds=%d until=%s", channel.label, seconds, until.isoformat()
        )
        await self._channels.record_poll(
            channel.telegram_id,
            now=now,
            error=f"FloodWait {seconds} s",
            flood_wait_until=until,
            next_poll_at=until,
        )
        await self.events.flood_wait(channel, seconds)
        self._cycle_flood_waits += 1
        if self._cycle_flood_waits >= ACCOUNT_WIDE_FLOOD_WAITS:
            # Several channels told to wait in one cycle: the limit is the account's, not the
            # channel's. Hold every channel rather than spend a request per channel to learn it.
            self._hold_until = self._clock.monotonic() + seconds
            logger.warning("flood waits look account-wide: polling held for %d s", seconds)

    async def recheck(self) -> int:
        """Re-read the recent window of every channel now, for edits and deletions; changes seen."""
        return await self._recheck(await self._channels.list_channels(enabled_only=True))

    async def recheck_due(self) -> int:
        """Re-read the channels whose stored last re-check is `recheck_every_s` old (a restart
        does not put it off); returns the changes seen."""
        channels = await self._channels.list_channels(enabled_only=True)
        now = self._clock.now()
        return await self._recheck(due_for_recheck(channels, now, self._config.recheck_every_s))

    async def _recheck(self, channels: Sequence[Channel]) -> int:
        changes = 0
        since = self._clock.now() - timedelta(hours=self._config.recheck_hours)
        for channel in channels:
            if channel.flood_wait_until and channel.flood_wait_until > self._clock.now():
                continue
            try:
                changes += await self._recheck_channel(channel, since)
            except SessionDeadError:
                raise
            except (DraftwatchError, OSError) as e:  # TimeoutError included: tried again next time
                logger.warning("recheck failed channel=%s error=%r", channel.label, e)
            await self._channels.record_recheck(channel.telegram_id, now=self._clock.now())
        return changes

    async def _recheck_channel(self, channel: Channel, since: datetime) -> int:
        ids = await self._posts.list_recent_message_ids(channel.telegram_id, since=since)
        changes = 0
        for start in range(0, len(ids), RECHECK_CHUNK):
            chunk = ids[start : start + RECHECK_CHUNK]
            await self._take_token()
            async with asyncio.timeout(self._config.read_timeout_s):
                posts, gone, gone_raw = await self.reader.recheck(channel, chunk)
            # An album's first part may carry no caption: its text cannot tell us of an edit.
            posts = [p for p in posts if p.text or p.grouped_id is None]
            now = self._clock.now()
            # No read_through: re-reading known posts is no read of the ids between them.
            result = await self._ingest.save(
                channel.telegram_id, posts, now=now, label=channel.label
            )
            deleted = await self._ingest.delete(
                channel.telegram_id, gone, now=now, label=channel.label, raw=gone_raw
            )
            changes += len(result.edited_posts) + len(deleted)
        return changes

    async def on_live_post(self, post: Post) -> None:
        """A new or edited post pushed by Telegram (joined channels); de-duplicated by the archive.

        It never moves the poll cursor: a post before it that Telegram did not push (a missed
        update, the downtime before a restart) is still read by the next poll."""
        try:
            async with self._live_saves:
                await self._ingest.save(post.channel_telegram_id, [post], now=self._clock.now())
        except NotFoundError:
            logger.debug("live post from an unwatched channel=%d", post.channel_telegram_id)

    async def on_live_deletion(
        self,
        channel_telegram_id: int,
        message_ids: Sequence[int],
        raw: RawMessage | None = None,
    ) -> None:
        try:
            await self._ingest.delete(
                channel_telegram_id, message_ids, now=self._clock.now(), raw=raw
            )
        except NotFoundError:
            logger.debug("live deletion from an unwatched channel=%d", channel_telegram_id)


def _add(a: CycleReport, b: CycleReport) -> CycleReport:
    return CycleReport(
        polled=a.polled + b.polled,
        new_posts=a.new_posts + b.new_posts,
        new_hits=a.new_hits + b.new_hits,
        errors=a.errors + b.errors,
        flood_waits=a.flood_waits + b.flood_waits,
    )
