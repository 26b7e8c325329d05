"""Pure polling policy: adaptive intervals with jitter, and which channels are due (no I/O)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from monitor.domain import Channel


@dataclass(frozen=True, slots=True)
class IntervalPolicy:
    """How a channel's poll interval adapts: busier channels are read more often."""

    minimum_s: int
    maximum_s: int
    busy_posts: int = 3  # this many new posts in one poll halves the interval
    jitter: float = 0.1  # ± this fraction, so that channels do not poll in lockstep

    def next_interval(self, current_s: int, new_posts: int) -> int:
        if new_posts >= self.busy_posts:
            proposed = current_s / 2
        elif new_posts == 0:
            proposed = current_s * 1.5
        else:
            proposed = current_s
        return int(min(self.maximum_s, max(self.minimum_s, proposed)))

    def backoff(self, interval_s: int, failures: int) -> timedelta:
        """The wait after `failures` failed or hung polls in a row: the interval, doubled for each
        failure after the first, within the bounds; the channel's own, the others go on."""
        doubled = max(self.minimum_s, interval_s) * 2 ** max(0, min(failures, 32) - 1)
        return timedelta(seconds=min(self.maximum_s, doubled))

    def jittered(self, interval_s: int, unit: float) -> timedelta:
        """The wait until the next poll; `unit` is a random number in [0, 1) from the caller."""
        return timedelta(seconds=interval_s * (1 + self.jitter * (2 * unit - 1)))


def is_waiting(channel: Channel, now: datetime) -> bool:
    """True while a FloodWait on this channel is still running."""
    return channel.flood_wait_until is not None and channel.flood_wait_until > now


def due_at(channel: Channel) -> datetime | None:
    """When the channel is next due (None: never polled, so due at once)."""
    if channel.next_poll_at is not None:
        return channel.next_poll_at
    if channel.last_polled_at is None:
        return None
    return channel.last_polled_at + timedelta(seconds=channel.poll_interval_s)


def due_channels(channels: Sequence[Channel], now: datetime) -> list[Channel]:
    """Enabled channels due for a poll and not in a flood wait, most overdue first."""
    ready: list[tuple[datetime, Channel]] = []
    for channel in channels:
        if not channel.enabled or is_waiting(channel, now):
            continue
        when = due_at(channel)
        if when is None or when <= now:
            ready.append((when or datetime.min.replace(tzinfo=now.tzinfo), channel))
    ready.sort(key=lambda pair: (pair[0], pair[1].telegram_id))
    return [channel for _, channel in ready]


def recheck_due_at(channel: Channel, every_s: int) -> datetime | None:
    """When the channel's edits and deletions are next re-read: from its stored last re-check
    (else from when it was added), so restarts never put it off. None: due at once."""
    since = channel.rechecked_at or channel.added_at
    return None if since is None else since + timedelta(seconds=every_s)


def due_for_recheck(channels: Sequence[Channel], now: datetime, every_s: int) -> list[Channel]:
    """Enabled channels, not in a flood wait, whose re-check is due."""
    due: list[Channel] = []
    for channel in channels:
        if not channel.enabled or is_waiting(channel, now):
            continue
        when = recheck_due_at(channel, every_s)
        if when is None or when <= now:
            due.append(channel)
    return due
