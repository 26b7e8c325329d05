"""A subscription as its subscriber sees it: number, kind, value, channels (pure, Telegram HTML)."""

from __future__ import annotations

from monitor.domain import Subscription
from monitor.markup import escape


def describe(sub: Subscription) -> str:
    """`#3 category <code>summons</code> in @mel`: what /subscriptions and the digest show."""
    where = f" in {', '.join(sub.channels)}" if sub.channels else ""
    return (
        f"#{sub.number or sub.id} {sub.kind.value} <code>{escape(sub.value)}</code>{escape(where)}"
    )
