"""Every change of a subscriber's status, as one pure transition table; a block survives all
but itself (pure, no I/O)."""

from __future__ import annotations

from enum import StrEnum

from monitor.domain import SubscriberStatus

PENDING = SubscriberStatus.PENDING
APPROVED = SubscriberStatus.APPROVED
DENIED = SubscriberStatus.DENIED
BLOCKED = SubscriberStatus.BLOCKED
INACTIVE = SubscriberStatus.INACTIVE


class AccessEvent(StrEnum):
    """What can happen to a subscriber's access."""

    STARTED = "started"  # the user sent /start
    INVITE_ACCEPTED = "invite accepted"  # /start with a valid one-time invite
    APPROVED = "approved"  # an admin pressed ✅ Approve
    DENIED = "denied"  # an admin pressed ⛔ Deny
    PROMOTED = "promoted"  # /promote
    ADMIN_LISTED = "admin listed"  # the id is in ADMIN_IDS (at start-up, at /start)
    BLOCKED_BY_ADMIN = "blocked by admin"  # /block
    BOT_BLOCKED = "bot blocked"  # a send failed: the user blocked the bot (USER_IS_BLOCKED)


# event -> {from: to}; a status missing from an event's map does not change.
_TABLE: dict[AccessEvent, dict[SubscriberStatus, SubscriberStatus]] = {
    AccessEvent.STARTED: {INACTIVE: APPROVED},
    AccessEvent.INVITE_ACCEPTED: {PENDING: APPROVED, INACTIVE: APPROVED},
    AccessEvent.APPROVED: {PENDING: APPROVED},
    AccessEvent.DENIED: {PENDING: DENIED},
    AccessEvent.PROMOTED: {PENDING: APPROVED, DENIED: APPROVED, INACTIVE: APPROVED},
    AccessEvent.ADMIN_LISTED: {PENDING: APPROVED, DENIED: APPROVED, INACTIVE: APPROVED},
    AccessEvent.BLOCKED_BY_ADMIN: {s: BLOCKED for s in SubscriberStatus},
    AccessEvent.BOT_BLOCKED: {APPROVED: INACTIVE},
}


def transition(current: SubscriberStatus, event: AccessEvent) -> SubscriberStatus:
    """The status after `event`; unchanged when the event does not apply (a blocked user stays
    blocked through everything but another block)."""
    return _TABLE[event].get(current, current)


def moves(event: AccessEvent) -> dict[SubscriberStatus, list[SubscriberStatus]]:
    """to -> the statuses that `event` moves there: the guards of one `UPDATE … WHERE status IN`
    per target, so the database applies the same table atomically."""
    out: dict[SubscriberStatus, list[SubscriberStatus]] = {}
    for before, to in _TABLE[event].items():
        if before is not to:
            out.setdefault(to, []).append(before)
    return out
