"""The bot's commands once access is checked: one function per command, run against the store
and the bot's other parts (a Context), answering Telegram HTML or ready replies (does I/O through
the repositories). Each is declared, with its parser and help, in monitor.bot.commands.COMMANDS."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TypeAlias

from monitor.alerts.quiet import clock
from monitor.alerts.render import local_time
from monitor.bot.access import AccessEvent
from monitor.bot.zones import zone_label
from monitor.domain import AlertStatus, Role, Subscriber, SubscriberStatus
from monitor.errors import CommandError, DraftwatchError
from monitor.markup import escape
from monitor.matching import Matcher

if TYPE_CHECKING:  # the values a handler reads; no import cycle with the commands table
    from monitor.bot import command_values as c
    from monitor.bot.conversation import ArchiveReader, ChannelControl, EvidenceBundler
    from monitor.bot.offers import Offers
    from monitor.bot.replies import Reply
    from monitor.store.channels import ChannelRepo
    from monitor.store.deliveries import DeliveryRepo
    from monitor.store.feedback import FeedbackRepo
    from monitor.store.subscribers import SubscriberRepo

USERS_SHOWN = 100
PENDING_SHOWN = 20  # requests shown with buttons, one message each


@dataclass(frozen=True, slots=True)
class Stores:
    subscribers: SubscriberRepo
    deliveries: DeliveryRepo
    channels: ChannelRepo
    feedback: FeedbackRepo | None = None  # alert buttons and /rules (0009_analyst)


@dataclass(frozen=True, slots=True)
class Context:
    """What a command runs with: the caller (access already checked), the stores, the bot's
    other parts."""

    stores: Stores
    me: Subscriber
    now: datetime
    admins: Collection[int]  # ADMIN_IDS
    matcher: Matcher
    usage: Callable[[str], str]  # "Example: /subscribe ..." of a command
    help: Callable[[Subscriber], str]  # the /help text for a subscriber
    channel_control: ChannelControl | None = None
    archive: ArchiveReader | None = None
    offers: Offers | None = None  # questions asked with buttons (monitor.bot.offers)
    evidence: EvidenceBundler | None = None


Answer: TypeAlias = "str | list[Reply]"  # HTML for the caller's chat, or replies made elsewhere


def invite_hash(code: str) -> str:
    """Only this is stored: the code itself is shown once, to the admin who made it."""
    return hashlib.sha256(code.strip().encode()).hexdigest()


async def show_help(ctx: Context, _cmd: object) -> str:
    return ctx.help(ctx.me)


def _channel_control(ctx: Context) -> ChannelControl:
    if ctx.channel_control is None:
        raise CommandError("Channel management runs with the reader: start `python bot.py run`.")
    return ctx.channel_control


async def add_channel(ctx: Context, cmd: c.AddChannel) -> str:
    try:
        channel = await _channel_control(ctx).add_channel(cmd.ref, now=ctx.now)
    except DraftwatchError as e:
        raise CommandError(f"Could not do that: {e}") from e
    return f"👀 Now watching {escape(channel.title)} ({escape(channel.label)})."


async def remove_channel(ctx: Context, cmd: c.RemoveChannel) -> str:
    try:
        channel = await _channel_control(ctx).remove_channel(cmd.ref, now=ctx.now)
    except DraftwatchError as e:
        raise CommandError(f"Could not do that: {e}") from e
    return f"Stopped watching {escape(channel.title)} ({escape(channel.label)})."


def _archive(ctx: Context) -> ArchiveReader:
    if ctx.archive is None:
        raise CommandError("The archive is not available in this process.")
    return ctx.archive


async def search(ctx: Context, cmd: c.Search) -> list[Reply]:
    return await _archive(ctx).search(ctx.me.telegram_user_id, cmd.query, timezone=ctx.me.timezone)


async def export(ctx: Context, cmd: c.Export) -> list[Reply]:
    return await _archive(ctx).export(ctx.me.telegram_user_id, cmd.query, fmt=cmd.fmt, now=ctx.now)


async def digest(ctx: Context, _cmd: c.ShowDigest) -> list[Reply]:
    archive = _archive(ctx)
    assert ctx.me.id is not None
    subs = await ctx.stores.subscribers.list_subscriptions(ctx.me.id)
    return await archive.digest(
        ctx.me.telegram_user_id, subscriptions=subs, timezone=ctx.me.timezone, now=ctx.now
    )


async def evidence(ctx: Context, cmd: c.EvidenceBundle) -> list[Reply]:
    if ctx.evidence is None:
        raise CommandError("Evidence bundles come from the service: start `python bot.py run`.")
    return await ctx.evidence.bundle(ctx.me.telegram_user_id, cmd.ref, now=ctx.now)


async def channels(ctx: Context, _cmd: object) -> str:
    s, me = ctx.stores, ctx.me
    channels = await s.channels.list_channels(enabled_only=True)
    if not channels:
        return "No channels are watched yet."
    lines = [f"<b>{len(channels)} watched channels</b>"]
    for ch in channels:
        last = local_time(ch.last_post_at, me.timezone) if ch.last_post_at else "no posts yet"
        lines.append(f"{escape(ch.label)}: {escape(ch.title)} (last post {escape(last)})")
    return "\n".join(lines)


async def mute(ctx: Context, cmd: c.Mute) -> str:
    s, me, now = ctx.stores, ctx.me, ctx.now
    if not cmd.duration:
        await s.subscribers.set_muted_until(me.telegram_user_id, None)
        return "🔔 Unmuted: held alerts come now."
    until = now + cmd.duration
    await s.subscribers.set_muted_until(me.telegram_user_id, until)
    when = escape(local_time(until, me.timezone))
    return f"🔕 Muted until {when}. Alerts wait until then (/mute off ends it now)."


async def quiet(ctx: Context, cmd: c.Quiet) -> str:
    s, me = ctx.stores, ctx.me
    zone = escape(zone_label(me.timezone))
    if cmd.show:
        if me.quiet_from is None or me.quiet_until is None:
            return f"No quiet hours. {escape(ctx.usage('quiet'))}"
        return (
            f"🌙 Quiet hours {clock(me.quiet_from)}–{clock(me.quiet_until)} ({zone}); "
            "/quiet off ends them."
        )
    await s.subscribers.set_quiet_hours(me.telegram_user_id, cmd.hours)
    if cmd.hours is None:
        return "🔔 No quiet hours: alerts come at any time."
    start, end = cmd.hours
    return (
        f"🌙 Quiet hours {clock(start)}–{clock(end)} ({zone}): alerts wait and come at "
        f"{clock(end)}. /quiet off ends them."
    )


async def timezone(ctx: Context, cmd: c.SetTimezone) -> str:
    s, me, now = ctx.stores, ctx.me, ctx.now
    if cmd.zone is None:
        zone = me.timezone
        return (
            f"🕓 Dates are shown in {escape(zone_label(zone))}: it is "
            f"{escape(local_time(now, zone))}. Change it with e.g. /timezone Kyiv or /timezone +3."
        )
    await s.subscribers.set_timezone(me.telegram_user_id, cmd.zone)
    return (
        f"🕓 Dates are now shown in {escape(zone_label(cmd.zone))}: it is "
        f"{escape(local_time(now, cmd.zone))}."
    )


async def stats(ctx: Context, _cmd: object) -> str:
    s, me, now, admins = ctx.stores, ctx.me, ctx.now, ctx.admins
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


async def users(ctx: Context, cmd: c.ListUsers) -> Answer:
    """Everyone, or the pending requests each with ✅ / ⛔ buttons."""
    from monitor.bot.replies import Button, Reply

    s, admins = ctx.stores, ctx.admins
    status = SubscriberStatus.PENDING if cmd.pending_only else None
    users = await s.subscribers.list_subscribers(status=status)
    if not users:
        return "Nobody." if not cmd.pending_only else "No pending requests."
    lines = [f"<b>{len(users)} {'pending requests' if cmd.pending_only else 'users'}</b>"]
    if cmd.pending_only:
        out = [Reply(ctx.me.telegram_user_id, lines[0])]
        for u in users[:PENDING_SHOWN]:
            uid = u.telegram_user_id
            buttons = ((Button("✅ Approve", f"approve:{uid}"), Button("⛔ Deny", f"deny:{uid}")),)
            out.append(Reply(ctx.me.telegram_user_id, _who(u), buttons))
        return out
    for u in users[:USERS_SHOWN]:
        role = "admin (ADMIN_IDS)" if u.telegram_user_id in admins else u.role.value
        lines.append(f"{_who(u)}: {role}, {u.status.value}")
    return "\n".join(lines)


def _who(u: Subscriber) -> str:
    handle = f" @{escape(u.username)}" if u.username else ""
    return f"<code>{u.telegram_user_id}</code> {escape(u.display_name or '(no name)')}{handle}"


async def _target(s: Stores, ref: str) -> Subscriber:
    found = (
        await s.subscribers.find_subscriber(int(ref))
        if ref.isdigit()
        else await s.subscribers.find_by_username(ref)
    )
    if found is None:
        raise CommandError(f"No user {ref} has talked to the bot. /users lists them.")
    return found


async def promote(ctx: Context, cmd: c.Promote) -> str:
    s, admins = ctx.stores, ctx.admins
    target = await _target(s, cmd.user)
    name = escape(target.display_name or cmd.user)
    if target.status is SubscriberStatus.BLOCKED:
        raise CommandError(f"{name} is blocked: a blocked user cannot be promoted.")
    if target.telegram_user_id in admins:
        raise CommandError(f"{name} is already an admin (listed in ADMIN_IDS).")
    await s.subscribers.set_role(target.telegram_user_id, Role.ADMIN)
    await s.subscribers.apply(target.telegram_user_id, AccessEvent.PROMOTED)
    return f"⭐ {name} is now an admin (/demote {target.telegram_user_id} takes it back)."


async def demote(ctx: Context, cmd: c.Demote) -> str:
    s, admins = ctx.stores, ctx.admins
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


async def block(ctx: Context, cmd: c.Block) -> str:
    s, me, admins = ctx.stores, ctx.me, ctx.admins
    target = await _target(s, cmd.user)
    if target.telegram_user_id == me.telegram_user_id or target.telegram_user_id in admins:
        raise CommandError("You cannot block yourself or an admin from ADMIN_IDS.")
    assert target.id is not None
    await s.subscribers.apply(target.telegram_user_id, AccessEvent.BLOCKED_BY_ADMIN)
    dropped = await s.deliveries.drop_pending(target.id)
    return (
        f"⛔ Blocked {escape(target.display_name or cmd.user)}; {dropped} waiting alerts dropped."
    )


async def invite(ctx: Context, cmd: c.Invite) -> str:
    s, me, now = ctx.stores, ctx.me, ctx.now
    code = secrets.token_urlsafe(9)
    while not any(ch.isdigit() or ch in "_-" for ch in code):  # else /start reads a note
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


async def rules(ctx: Context, _cmd: object) -> str:
    """Admins: per rule and channel, alerts sent, 👍, 👎, precision, the 👎 posts."""
    from monitor.bot.rule_report import rule_report

    if ctx.stores.feedback is None:
        raise CommandError("Feedback is not available in this process.")
    lines = rule_report(await ctx.stores.feedback.rule_stats(), limit=15)
    if not lines:
        return "No alerts sent yet: nothing to count."
    return "<b>Rules by 👎 (most first)</b>\n" + escape("\n".join(lines))
