"""Telegram's history window for messages.getHistory: offset_id/offset_date, add_offset, limit, min_id/max_id (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

MAX_LIMIT = 100


def history_window(
    newest_first: Sequence[Any],
    *,
    offset_id: int = 0,
    offset_date: datetime | None = None,
    add_offset: int = 0,
    limit: int = MAX_LIMIT,
    min_id: int = 0,
    max_id: int = 0,
) -> list[Any]:
    """The slice Telegram returns, newest first.

    Messages outside (min_id, max_id) are dropped first. The window then starts at the first
    message older than offset_id (or, without it, sent before offset_date), is shifted by
    add_offset (negative values reach newer messages) and holds at most `limit` messages.
    """
    kept = [
        m for m in newest_first if (not min_id or m.id > min_id) and (not max_id or m.id < max_id)
    ]
    if offset_id:
        start = next((i for i, m in enumerate(kept) if m.id < offset_id), len(kept))
    elif offset_date is not None:
        start = next((i for i, m in enumerate(kept) if m.date < offset_date), len(kept))
    else:
        start = 0
    limit = max(0, min(limit, MAX_LIMIT))
    low = max(0, start + add_offset)
    high = max(0, start + add_offset + limit)
    return kept[low:high]
