"""updates.* handlers: state and the differences Telethon fetches after a pts gap (no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from telethon.tl import functions, types

from monitor.sandbox import tl_objects
from monitor.sandbox.pressure import Pressure
from monitor.sandbox.rpc.call import Call, Handler
from monitor.sandbox.world import Account, Channel, LogEntry

_NEW_MESSAGE_UPDATES = (types.UpdateNewMessage, types.UpdateNewChannelMessage)


def get_state(call: Call, request: Any) -> types.updates.State:
    me = call.me()
    return types.updates.State(
        pts=me.mailbox.pts, qts=0, date=datetime.now(UTC), seq=0, unread_count=0
    )


def _split(entries: list[LogEntry]) -> tuple[list[Any], list[Any]]:
    new_messages = [e.update.message for e in entries if isinstance(e.update, _NEW_MESSAGE_UPDATES)]
    others = [e.update for e in entries if not isinstance(e.update, _NEW_MESSAGE_UPDATES)]
    return new_messages, others


def get_difference(call: Call, request: Any) -> Any:
    """The account's missed updates, plus updateChannelTooLong for member channels that changed.

    Channel posts are never in the account difference; updateChannelTooLong makes Telethon
    fetch each changed channel's own difference, as with Telegram after being offline.
    """
    me = call.me()
    now = datetime.now(UTC)
    entries = me.mailbox.since(request.pts)
    pressure = call.world.pressure
    if Pressure.over(len(entries), pressure.difference_too_long_after):
        return types.updates.DifferenceTooLong(pts=me.mailbox.pts)
    sliced = Pressure.over(len(entries), pressure.difference_slice)
    if sliced:
        entries = entries[: pressure.difference_slice]
    changed = [
        types.UpdateChannelTooLong(channel_id=c.id, pts=c.timeline.pts)
        for c in call.world.channels.values()
        if me.id in c.members and c.timeline.log and c.timeline.log[-1].date > request.date
    ]
    if not entries and not changed:
        return types.updates.DifferenceEmpty(date=now, seq=0)
    new_messages, others = _split(entries)
    users, chats = tl_objects.entities_of(call.world, new_messages, me.id)
    chats += [tl_objects.channel(call.world.channels[u.channel_id], me.id) for u in changed]
    if sliced:
        return types.updates.DifferenceSlice(
            new_messages=new_messages,
            new_encrypted_messages=[],
            other_updates=others + changed,
            chats=chats,
            users=users,
            intermediate_state=types.updates.State(
                pts=entries[-1].pts, qts=0, date=request.date, seq=0, unread_count=0
            ),
        )
    state = types.updates.State(pts=me.mailbox.pts, qts=0, date=now, seq=0, unread_count=0)
    return types.updates.Difference(
        new_messages=new_messages,
        new_encrypted_messages=[],
        other_updates=others + changed,
        chats=chats,
        users=users,
        state=state,
    )


def get_channel_difference(call: Call, request: Any) -> Any:
    me = call.me()
    channel = tl_objects.input_channel(call.world, request.channel, me.id)
    entries = channel.timeline.since(request.pts)
    if not entries:
        return types.updates.ChannelDifferenceEmpty(
            pts=channel.timeline.pts, final=True, timeout=30
        )
    if Pressure.over(len(entries), call.world.pressure.channel_too_long_after):
        return _channel_too_long(call, me, channel)
    limit = max(1, min(request.limit or 100, 100_000))
    chunk = entries[:limit]
    final = len(chunk) == len(entries)
    new_messages, others = _split(chunk)
    users, chats = tl_objects.entities_of(call.world, new_messages, me.id)
    if all(c.id != channel.id for c in chats):
        chats.append(tl_objects.channel(channel, me.id))
    return types.updates.ChannelDifference(
        pts=chunk[-1].pts,
        new_messages=new_messages,
        other_updates=others,
        chats=chats,
        users=users,
        final=final,
        timeout=30,
    )


def _channel_too_long(call: Call, me: Account, channel: Channel) -> Any:
    """Too much missed: the latest posts and the dialog; the client re-reads history itself."""
    latest = sorted(channel.timeline.messages.values(), key=lambda m: m.id, reverse=True)[:10]
    users, chats = tl_objects.entities_of(call.world, latest, me.id)
    if all(c.id != channel.id for c in chats):
        chats.append(tl_objects.channel(channel, me.id))
    top = latest[0].id if latest else 0
    dialog = types.Dialog(
        peer=types.PeerChannel(channel.id),
        top_message=top,
        read_inbox_max_id=top,
        read_outbox_max_id=top,
        unread_count=0,
        unread_mentions_count=0,
        unread_reactions_count=0,
        unread_poll_votes_count=0,
        notify_settings=types.PeerNotifySettings(),
        pts=channel.timeline.pts,
    )
    return types.updates.ChannelDifferenceTooLong(
        dialog=dialog, messages=latest, chats=chats, users=users, final=True, timeout=30
    )


HANDLERS: dict[type, Handler] = {
    functions.updates.GetStateRequest: get_state,
    functions.updates.GetDifferenceRequest: get_difference,
    functions.updates.GetChannelDifferenceRequest: get_channel_difference,
}
