"""channels.* handlers: channel info, join and leave, messages by id (no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from telethon.tl import functions, types

from monitor.sandbox import tl_objects
from monitor.sandbox.rpc.call import Call, Handler, RpcError
from monitor.sandbox.world import Channel


def get_channels(call: Call, request: Any) -> types.messages.Chats:
    me = call.me()
    return types.messages.Chats(
        chats=[
            tl_objects.channel(tl_objects.input_channel(call.world, c, me.id), me.id)
            for c in request.id
        ]
    )


def get_full_channel(call: Call, request: Any) -> types.messages.ChatFull:
    me = call.me()
    chan = tl_objects.input_channel(call.world, request.channel, me.id)
    full = types.ChannelFull(
        id=chan.id,
        about=chan.about,
        read_inbox_max_id=0,
        read_outbox_max_id=0,
        unread_count=0,
        chat_photo=types.PhotoEmpty(id=0),
        notify_settings=types.PeerNotifySettings(),
        bot_info=[],
        pts=chan.timeline.pts,
        participants_count=len(chan.members),
    )
    return types.messages.ChatFull(
        full_chat=full, chats=[tl_objects.channel(chan, me.id)], users=[]
    )


def _membership_updates(call: Call, chan: Channel) -> types.Updates:
    me = call.me()
    return types.Updates(
        updates=[types.UpdateChannel(chan.id)],
        users=[],
        chats=[tl_objects.channel(chan, me.id)],
        date=datetime.now(UTC),
        seq=0,
    )


def join_channel(call: Call, request: Any) -> types.messages.ChatInviteJoinResultOk:
    """Layer 229 wraps the Updates in messages.chatInviteJoinResultOk (leaveChannel does not)."""
    chan = tl_objects.input_channel(call.world, request.channel, call.me().id)
    call.world.join(chan, call.me().id)
    return types.messages.ChatInviteJoinResultOk(updates=_membership_updates(call, chan))


def leave_channel(call: Call, request: Any) -> types.Updates:
    chan = tl_objects.input_channel(call.world, request.channel, call.me().id)
    if call.me().id not in chan.members:
        raise RpcError(400, "USER_NOT_PARTICIPANT")
    call.world.leave(chan, call.me().id)
    return _membership_updates(call, chan)


def get_messages(call: Call, request: Any) -> types.messages.ChannelMessages:
    me = call.me()
    chan = tl_objects.input_channel(call.world, request.channel, me.id)
    found = [_by_input_id(chan, wanted) for wanted in request.id]
    users, chats = tl_objects.entities_of(
        call.world, [m for m in found if isinstance(m, types.Message)], me.id
    )
    if all(c.id != chan.id for c in chats):
        chats.append(tl_objects.channel(chan, me.id))
    return types.messages.ChannelMessages(
        pts=chan.timeline.pts, count=len(found), messages=found, topics=[], chats=chats, users=users
    )


def _by_input_id(chan: Channel, wanted: Any) -> Any:
    msg_id = wanted.id if isinstance(wanted, types.InputMessageID) else 0
    return chan.timeline.messages.get(msg_id) or types.MessageEmpty(
        id=msg_id, peer_id=types.PeerChannel(chan.id)
    )


def read_history(call: Call, request: Any) -> bool:
    tl_objects.input_channel(call.world, request.channel, call.me().id)
    return True


HANDLERS: dict[type, Handler] = {
    functions.channels.GetChannelsRequest: get_channels,
    functions.channels.GetFullChannelRequest: get_full_channel,
    functions.channels.JoinChannelRequest: join_channel,
    functions.channels.LeaveChannelRequest: leave_channel,
    functions.channels.GetMessagesRequest: get_messages,
    functions.channels.ReadHistoryRequest: read_history,
}
