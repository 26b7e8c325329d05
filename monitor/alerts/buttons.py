"""The inline buttons under a single alert: 👍 / 👎 (relevant or not), mute its channel,
unsubscribe; their callback data names the alert (pure, no I/O)."""

from __future__ import annotations

from collections.abc import Sequence

RELEVANT = "fb:y:"  # 👍 relevant
NOT_RELEVANT = "fb:n:"  # 👎 not relevant
MUTE_CHANNEL = "mc:"
UNSUBSCRIBE = "un:"
PREFIXES = (RELEVANT, NOT_RELEVANT, MUTE_CHANNEL, UNSUBSCRIBE)

ButtonRows = Sequence[Sequence[tuple[str, str]]]  # rows of (label, callback data)


def alert_buttons(alert_id: int) -> ButtonRows:
    """Two rows: feedback, then what to do about such alerts."""
    return (
        (("👍 Relevant", f"{RELEVANT}{alert_id}"), ("👎 Not relevant", f"{NOT_RELEVANT}{alert_id}")),
        (("🔇 Mute this channel", f"{MUTE_CHANNEL}{alert_id}"), ("✖ Unsubscribe", f"{UNSUBSCRIBE}{alert_id}")),
    )  # fmt: skip


def read_button(data: str) -> tuple[str, int] | None:
    """`fb:y:42` -> ("fb:y:", 42); None for any other data."""
    for prefix in PREFIXES:
        raw = data.removeprefix(prefix)
        if raw != data and raw.isdigit() and len(raw) <= 18:
            return prefix, int(raw)
    return None
