"""Quiet hours: a daily window in the subscriber's own time zone when alerts are held, and sent
when it ends (pure: takes "now")."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

MINUTES_A_DAY = 24 * 60


def in_quiet_hours(
    now: datetime, timezone: str, quiet_from: int | None, quiet_until: int | None
) -> bool:
    """Whether `now` falls in [from, until) local time; a window may cross midnight (23:00-07:00)."""
    if quiet_from is None or quiet_until is None or quiet_from == quiet_until:
        return False
    local = now.astimezone(ZoneInfo(timezone))
    minute = local.hour * 60 + local.minute
    if quiet_from < quiet_until:
        return quiet_from <= minute < quiet_until
    return minute >= quiet_from or minute < quiet_until


def clock(minutes: int) -> str:
    """420 -> `07:00`."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
