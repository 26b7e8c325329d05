"""Operator health messages to the admins: a channel silent far beyond its rhythm or gone, a long
flood wait, a dead reader session, a failed background task; repeats of one notice are held back
(I/O through a notify callable). ReaderEvents adapts it to the Collector's OperatorEvents."""

from __future__ import annotations

import itertools
import logging
import statistics
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta

from monitor.clock import Clock
from monitor.domain import Channel
from monitor.markup import escape
from monitor.store.channels import ChannelRepo
from monitor.store.rhythm import RhythmRepo

logger = logging.getLogger(__name__)

Notify = Callable[[int, str], Awaitable[None]]  # (admin chat id, HTML)

SILENCE_FACTOR = 6.0  # silent for this many usual gaps ...
SILENCE_FLOOR = timedelta(hours=12)  # ... and at least this long
REPEAT_AFTER = timedelta(hours=6)


def usual_gap(post_dates: Sequence[datetime]) -> timedelta | None:
    """The channel's rhythm: the median gap between its recent posts (None under 3 posts)."""
    dates = sorted(post_dates)
    if len(dates) < 3:
        return None
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(dates)]
    return timedelta(seconds=statistics.median(gaps))


def silence(
    post_dates: Sequence[datetime],
    now: datetime,
    *,
    factor: float = SILENCE_FACTOR,
    floor: timedelta = SILENCE_FLOOR,
) -> tuple[timedelta, timedelta] | None:
    """(silent for, usual gap) when the channel is silent far beyond its rhythm, else None."""
    gap = usual_gap(post_dates)
    if gap is None:
        return None
    quiet = now - max(post_dates)
    if quiet > max(floor, gap * factor):
        return quiet, gap
    return None


def _hours(span: timedelta) -> str:
    hours = span.total_seconds() / 3600
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days"


class HealthNotifier:
    """The reader side calls these; each sends at most once per `repeat_after` per subject."""

    def __init__(
        self,
        notify: Notify,
        admin_ids: Sequence[int],
        clock: Clock,
        *,
        flood_wait_alert_s: int,
        repeat_after: timedelta = REPEAT_AFTER,
    ) -> None:
        self._notify = notify
        self._admins = tuple(admin_ids)
        self._clock = clock
        self._flood_wait_alert_s = flood_wait_alert_s
        self._repeat_after = repeat_after
        self._last: dict[str, datetime] = {}

    async def channel_silent(self, channel: Channel, post_dates: Sequence[datetime]) -> bool:
        """Tell the admins if `channel` (with its recent post dates) went quiet; True if told."""
        found = silence(post_dates, self._clock.now())
        if found is None:
            return False
        quiet, gap = found
        return await self._tell(
            f"silent:{channel.telegram_id}",
            f"🔇 {escape(channel.title)} ({escape(channel.label)}) has posted nothing for "
            f"{_hours(quiet)}; it usually posts every {_hours(gap)}. Blocked, banned, or renamed?",
        )

    async def flood_wait(self, seconds: int, what: str) -> bool:
        """Tell the admins about a flood wait longer than FLOOD_WAIT_ALERT; True if told."""
        if seconds <= self._flood_wait_alert_s:
            return False
        return await self._tell(
            f"flood:{what}",
            f"⏳ Telegram asked draftwatch to wait {_hours(timedelta(seconds=seconds))} "
            f"({seconds} s) on {escape(what)}. Alerts may be late until then.",
        )

    async def source_unavailable(self, channel: Channel, reason: str) -> bool:
        """A watched channel cannot be read any more (private, deleted, renamed)."""
        return await self._tell(
            f"unavailable:{channel.telegram_id}",
            f"🚫 {escape(channel.title)} ({escape(channel.label)}) cannot be read: "
            f"{escape(reason)}. /removechannel it, or find where it moved.",
        )

    async def session_dead(self, session: str, reason: str) -> bool:
        """The reader's session died: nothing is read until someone logs in again."""
        return await self._tell(
            f"session:{session}",
            f"🛑 The Telegram session {escape(session)} stopped working ({escape(reason)}). "
            "No channel is read until it is logged in again: <code>python bot.py login</code>",
        )

    async def account_lost(self, name: str, reason: str, moved: int) -> bool:
        """A reader account of several stopped reading; the others took its channels."""
        return await self._tell(
            f"account:{name}",
            f"🔁 Reader account {escape(name)} stopped ({escape(reason)}); its {moved} channels "
            "moved to the other accounts. If its session died: "
            f"<code>python bot.py login --account {escape(name)}</code>",
        )

    async def account_back(self, name: str, moved: int) -> bool:
        """A reader account came back and took its channels again."""
        return await self._tell(
            f"account-back:{name}",
            f"✅ Reader account {escape(name)} is back and reads its {moved} channels again.",
        )

    async def task_failed(self, task: str, what: str) -> bool:
        """A background task or job raised (the supervisor restarts it): `what` went wrong."""
        return await self._tell(
            f"task:{task}",
            f"⚠️ draftwatch's {escape(task)} failed: {escape(what)}. "
            "The details are in the service's log; if this goes on, restart the service "
            "after fixing the cause.",
        )

    async def evidence_restored(self, what: str) -> bool:
        """The archive does not continue the custody chain from its last seal (a restore)."""
        return await self._tell("evidence:restored", f"🧾 {escape(what)}")

    async def _tell(self, subject: str, html: str) -> bool:
        now = self._clock.now()
        last = self._last.get(subject)
        if last is not None and now - last < self._repeat_after:
            return False
        self._last[subject] = now
        for admin in self._admins:
            try:
                await self._notify(admin, html)
            except Exception:  # one admin's chat failing never stops the others (house rule 8)
                logger.exception("health notice not sent admin=%d subject=%s", admin, subject)
        logger.warning("health notice subject=%s", subject)
        return True


async def check_silence(
    notifier: HealthNotifier, channels: ChannelRepo, rhythm: RhythmRepo
) -> list[Channel]:
    """A scheduler job: tell the admins about every watched channel silent beyond its rhythm."""
    told = []
    for channel in await channels.list_channels(enabled_only=True):
        try:
            dates = await rhythm.list_recent_dates(channel.telegram_id)
            if await notifier.channel_silent(channel, dates):
                told.append(channel)
        except Exception:  # one channel never stops the check of the others (house rule 8)
            logger.exception("silence check failed channel=%s", channel.label)
    return told


class ReaderEvents:
    """The Collector's OperatorEvents, told to the admins through a HealthNotifier."""

    def __init__(self, notifier: HealthNotifier, *, session: str = "reader") -> None:
        self._notifier = notifier
        self._session = session

    async def flood_wait(self, channel: Channel, seconds: int) -> None:
        await self._notifier.flood_wait(seconds, f"reading {channel.label}")

    async def source_unavailable(self, channel: Channel, reason: str) -> None:
        await self._notifier.source_unavailable(channel, reason)

    async def session_dead(self, reason: str) -> None:
        await self._notifier.session_dead(self._session, reason)


class PoolNotices(ReaderEvents):
    """The account pool's events (monitor.reader.pool.PoolEvents), told to the admins."""

    async def account_lost(self, name: str, reason: str, moved: int) -> None:
        await self._notifier.account_lost(name, reason, moved)

    async def account_back(self, name: str, moved: int) -> None:
        await self._notifier.account_back(name, moved)
