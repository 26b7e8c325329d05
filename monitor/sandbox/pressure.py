"""Update pressure: when Telegram gives up on sending updates one by one (no I/O).

With many updates for a client that is away or slow, Telegram sends `updatesTooLong` instead of
the updates, answers getDifference in slices (`updates.differenceSlice`) or not at all
(`updates.differenceTooLong`), and a channel's getChannelDifference with
`updates.channelDifferenceTooLong` (the client must re-read history itself). The thresholds are
off (None) by default; tests set them with `Sandbox.set_pressure`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Pressure:
    """Thresholds, in updates; None: never."""

    updates_too_long_after: int | None = None  # updates queued for one connection at once
    difference_slice: int | None = None  # account updates per getDifference answer
    difference_too_long_after: int | None = None  # account updates missed: differenceTooLong
    channel_too_long_after: int | None = None  # channel updates missed: channelDifferenceTooLong

    @staticmethod
    def over(count: int, limit: int | None) -> bool:
        return limit is not None and count > limit
