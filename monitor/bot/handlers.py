"""The bot's commands once access is checked: one function per command, run against the store,
answering Telegram HTML (does I/O through the repositories)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from monitor.alerts.planning import normalize_channel_ref
from monitor.alerts.render import local_time
from monitor.bot import commands as c
from monitor.bot.access import AccessEvent
from monitor.bot.render import describe
from monitor.domain import AlertStatus, Role, Subscriber, SubscriberStatus
from monitor.errors import CommandError, NotFoundError
from monitor.markup import escape
from monitor.store.channels import ChannelRepo
from monitor.store.deliveries import DeliveryRepo
from monitor.store.subscribers import SubscriberRepo

USERS_SHOWN = 100


@dataclass(frozen=True, slots=True)
class Stores:
    subscribers: SubscriberRepo
    deliveries: DeliveryRepo
    channels: ChannelRepo


def invite_hash(code: str) -> str:
    """Only this is stored: the code itself is shown once, to the admin who made it."""
    return hashlib.sha256(code.strip().encode()).hexdigest()


Handler = Callable[[Stores, Subscriber, Any, datetime, Collection[int]], Awaitable[str]]


async def run(
    stores: Stores, me: Subscriber, command: c.Command, *, now: datetime, admins: Collection[int]
) -> str:
    """The answer to one (already authorized) command."""
    handler = _HANDLERS.get(type(command))
    if handler is None:
        raise CommandError("Send /help to see the commands.")
    return await handler(stores, me, command, now, admins)


async def _subscribe(
    s: Stores, me: Subscriber, cmd: c.Subscribe, now: datetime, _: Collection[int]
) -> str:
    assert me.id is not None
    sub = await s.subscribers.save_subscription(me.id, cmd.kind, cmd.value, cmd.channels, now=now)
    watched = set()
    for channel in await s.channels.list_channels(enabled_only=True):
        watched.add(str(channel.telegram_id))
        if channel.username:
            watched.add(channel.username.lower())
    unknown = [ref for ref in cmd.channels if normalize_channel_ref(ref) not in watched]
    text = f"✅ Subscribed: {describe(sub)}"
    if unknown:
        text += f"\n⚠️ Not watched yet: {escape(', '.join(unknown))} (an admin can /addchannel)"
    return text


async def _unsubscribe(
    s: Stores, me: Subscriber, cmd: c.Unsubscribe, _now: datetime, _a: Collection[int]
) -> str:
    assert me.id is not None
    try:
        gone = await s.subscribers.delete_subscription(me.id, cmd.key)
    except NotFoundError:
        raise CommandError(
            f"You have no subscription “{cmd.key}”. /subscriptions lists them. "
            f"{c.usage('unsubscribe')}"
        ) from None
    return f"Unsubscribed: {describe(gone)}"


async def _subscriptions(
    s: Stores, me: Subscriber, _cmd: object, _now: datetime, _a: Collection[int]
) -> str:
    assert me.id is not None
    subs = await s.subscribers.list_subscriptions(me.id)
    if not subs:
        return f"No subscriptions yet. {escape(c.usage('subscribe'))}"
    return "<b>Your subscriptions</b>\n" + "\n".join(describe(x) for x in subs)


async def _channels(
    s: Stores, me: Subscriber, _cmd: object, _now: datetime, _a: Collection[int]
) -> str:
    channels = await s.channels.list_channels(enabled_only=True)
    if not channels:
        return "No channels are watched yet."
    lines = [f"<b>{len(channels)} watched channels</b>"]
    for ch in channels:
        last = local_time(ch.last_post_at, me.timezone) if ch.last_post_at else "no posts yet"
        lines.append(f"{escape(ch.label)}: {escape(ch.title)} (last post {escape(last)})")
    return "\n".join(lines)


async def _mute(s: Stores, me: Subscriber, cmd: c.Mute, now: datetime, _: Collection[int]) -> str:
    if not cmd.duration:
        await s.subscribers.set_muted_until(me.telegram_user_id, None)
        return "🔔 Unmuted: held alerts come now."
    until = now + cmd.duration
    await s.subscribers.set_muted_until(me.telegram_user_id, until)
    when = escape(local_time(until, me.timezone))
    return f"🔕 Muted until {when}. Alerts wait until then (/mute off ends it now)."


async def _timezone(
    s: Stores, me: Subscriber, cmd: c.SetTimezone, now: datetime, _: Collection[int]
) -> str:
    await s.subscribers.set_timezone(me.telegram_user_id, cmd.zone)
    return (
        f"🕓 Dates are now shown in {escape(cmd.zone)}: it is {escape(local_time(now, cmd.zone))}."
    )


async def _stats(
    s: Stores, me: Subscriber, _cmd: object, now: datetime, admins: Collection[int]
) -> str:
    assert me.id is not None
    week = now - timedelta(days=7)
    mine = await s.deliveries.count_alerts(subscriber_id=me.id, since=week)
    subs = await s.subscribers.list_subscriptions(me.id)
    lines = [
        "<b>Your last 7 days</b>",
        f"alerts sent {mine[AlertStatus.SENT]}, waiting {mine[AlertStatus.PENDING]}, "
        f"failed {mine[AlertStatus.FAILED]}; subscriptions {len(subs)}",
    ]
    if me.role is Role.ADMIN or me.telegram_user_id in admins:
        every = await s.deliveries.count_alerts(since=week)
        users = await s.subscribers.list_subscribers()
        channels = await s.channels.list_channels(enabled_only=True)
        by_status: dict[str, int] = {}
        for u in users:
            by_status[u.status.value] = by_status.get(u.status.value, 0) + 1
        lines += [
            "<b>Service, last 7 days</b>",
            "alerts: " + ", ".join(f"{k.value} {v}" for k, v in every.items()),
            "users: " + ", ".join(f"{k} {v}" for k, v in sorted(by_status.items())),
            f"channels watched: {len(channels)}",
        ]
    return "\n".join(lines)


async def _users(
    s: Stores, _me: Subscriber, cmd: c.ListUsers, _now: datetime, admins: Collection[int]
) -> str:
    status = SubscriberStatus.PENDING if cmd.pending_only else None
    users = await s.subscribers.list_subscribers(status=status)
    if not users:
        return "Nobody." if not cmd.pending_only else "No pending requests."
    lines = [f"<b>{len(users)} users</b>"]
    for u in users[:USERS_SHOWN]:
        name = escape(u.display_name or "(no name)")
        handle = f" @{escape(u.username)}" if u.username else ""
        role = "admin (ADMIN_IDS)" if u.telegram_user_id in admins else u.role.value
        lines.append(f"<code>{u.telegram_user_id}</code> {name}{handle}: {role}, {u.status.value}")
    return "\n".join(lines)


async def _target(s: Stores, ref: str) -> Subscriber:
    found = (
        await s.subscribers.find_subscriber(int(ref))
        if ref.isdigit()
        else await s.subscribers.find_by_username(ref)
    )
    if found is None:
        raise CommandError(f"No user {ref} has talked to the bot. /users lists them.")
    return found


async def _promote(
    s: Stores, _me: Subscriber, cmd: c.Promote, _now: datetime, admins: Collection[int]
) -> str:
    target = await _target(s, cmd.user)
    name = escape(target.display_name or cmd.user)
    if target.status is SubscriberStatus.BLOCKED:
        raise CommandError(f"{name} is blocked: a blocked user cannot be promoted.")
    if target.telegram_user_id in admins:
        raise CommandError(f"{name} is already an admin (listed in ADMIN_IDS).")
    await s.subscribers.set_role(target.telegram_user_id, Role.ADMIN)
    await s.subscribers.apply(target.telegram_user_id, AccessEvent.PROMOTED)
    return f"⭐ {name} is now an admin (/demote {target.telegram_user_id} takes it back)."


async def _demote(
    s: Stores, _me: Subscriber, cmd: c.Demote, _now: datetime, admins: Collection[int]
) -> str:
    target = await _target(s, cmd.user)
    name = escape(target.display_name or cmd.user)
    if target.telegram_user_id in admins:
        raise CommandError(
            f"{name} is an admin through ADMIN_IDS: remove the id there and restart the bot."
        )
    if target.role is not Role.ADMIN:
        raise CommandError(f"{name} is not an admin. /users lists the roles.")
    await s.subscribers.set_role(target.telegram_user_id, Role.ANALYST)
    return f"{name} is no longer an admin."


async def _block(
    s: Stores, me: Subscriber, cmd: c.Block, _now: datetime, admins: Collection[int]
) -> str:
    target = await _target(s, cmd.user)
    if target.telegram_user_id == me.telegram_user_id or target.telegram_user_id in admins:
        raise CommandError("You cannot block yourself or an admin from ADMIN_IDS.")
    assert target.id is not None
    await s.subscribers.apply(target.telegram_user_id, AccessEvent.BLOCKED_BY_ADMIN)
    dropped = await s.deliveries.drop_pending(target.id)
    return (
        f"⛔ Blocked {escape(target.display_name or cmd.user)}; {dropped} waiting alerts dropped."
    )


async def _invite(
    s: Stores, me: Subscriber, cmd: c.Invite, now: datetime, _: Collection[int]
) -> str:
    code = secrets.token_urlsafe(9)
    until = now + cmd.valid_for
    await s.subscribers.save_invite(
        invite_hash(code), created_by=me.telegram_user_id, now=now, expires_at=until
    )
    return (
        f"🎟 One-time invite: <code>{escape(code)}</code>\n"
        f"The new user sends <code>/start {escape(code)}</code> to this bot before "
        f"{escape(local_time(until, me.timezone))}. Only a hash of it is stored."
    )


_HANDLERS: dict[type, Handler] = {
    c.Subscribe: _subscribe,
    c.Unsubscribe: _unsubscribe,
    c.ListSubscriptions: _subscriptions,
    c.ListChannels: _channels,
    c.Mute: _mute,
    c.SetTimezone: _timezone,
    c.Stats: _stats,
    c.ListUsers: _users,
    c.Promote: _promote,
    c.Demote: _demote,
    c.Block: _block,
    c.Invite: _invite,
}
