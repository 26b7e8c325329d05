"""messages.* reading handlers: history windows, messages by id, dialogs (no I/O)."""

from __future__ import annotations

from typing import Any

from telethon.tl import functions, types

from monitor.sandbox import tl_objects
from monitor.sandbox.history import history_window
from monitor.sandbox.rpc.call import Call, Handler
from monitor.sandbox.world import Account, Channel


def _private_chat(me: Account, other_id: int) -> list[Any]:
    """`me`'s copies of the chat with `other_id`, newest first."""
    return sorted(
        (m for m in me.mailbox.messages.values() if m.peer_id == types.PeerUser(other_id)),
        key=lambda m: m.id,
        reverse=True,
    )


def get_history(call: Call, request: Any) -> Any:
    me = call.me()
    peer = tl_objects.input_peer(call.world, request.peer, me)
    if isinstance(peer, Channel):
        everything = sorted(peer.timeline.messages.values(), key=lambda m: m.id, reverse=True)
    else:
        everything = _private_chat(me, peer.id)
    window = history_window(
        everything,
        offset_id=request.offset_id,
        offset_date=request.offset_date
        if request.offset_date and request.offset_date.timestamp() > 0
        else None,
        add_offset=request.add_offset,
        limit=request.limit,
        min_id=request.min_id,
        max_id=request.max_id,
    )
    users, chats = tl_objects.entities_of(call.world, window, me.id)
    if isinstance(peer, Channel):
        if all(c.id != peer.id for c in chats):
            chats.append(tl_objects.channel(peer, me.id))
        return types.messages.ChannelMessages(
            pts=peer.timeline.pts,
            count=len(everything),
            messages=window,
            topics=[],
            chats=chats,
            users=users,
        )
    if len(window) == len(everything):
        return types.messages.Messages(messages=window, topics=[], chats=chats, users=users)
    return types.messages.MessagesSlice(
        count=len(everything), messages=window, topics=[], chats=chats, users=users
    )


def get_messages(call: Call, request: Any) -> types.messages.Messages:
    me = call.me()
    found = []
    for wanted in request.id:
        msg_id = wanted.id if isinstance(wanted, types.InputMessageID) else 0
        message = me.mailbox.messages.get(msg_id)
        # Telethon's patched MessageEmpty needs peer_id (None: Telegram omits it here).
        found.append(message or types.MessageEmpty(id=msg_id, peer_id=None))
    users, chats = tl_objects.entities_of(
        call.world, [m for m in found if isinstance(m, types.Message)], me.id
    )
    return types.messages.Messages(messages=found, topics=[], chats=chats, users=users)


def get_dialogs(call: Call, request: Any) -> types.messages.Dialogs:
    me = call.me()
    dialogs, tops = [], []
    for chan in call.world.channels.values():
        if me.id in chan.members and chan.timeline.messages:
            top = chan.timeline.messages[max(chan.timeline.messages)]
            dialogs.append(_dialog(types.PeerChannel(chan.id), top.id, pts=chan.timeline.pts))
            tops.append(top)
    for other_id in sorted({m.peer_id.user_id for m in me.mailbox.messages.values()}):
        top = _private_chat(me, other_id)[0]
        dialogs.append(_dialog(types.PeerUser(other_id), top.id))
        tops.append(top)
    users, chats = tl_objects.entities_of(call.world, tops, me.id)
    return types.messages.Dialogs(dialogs=dialogs, messages=tops, chats=chats, users=users)


def _dialog(peer: Any, top_id: int, pts: int | None = None) -> types.Dialog:
    return types.Dialog(
        peer=peer,
        top_message=top_id,
        read_inbox_max_id=top_id,
        read_outbox_max_id=top_id,
        unread_count=0,
        unread_mentions_count=0,
        unread_reactions_count=0,
        unread_poll_votes_count=0,
        notify_settings=types.PeerNotifySettings(),
        pts=pts,
    )


def read_history(call: Call, request: Any) -> types.messages.AffectedMessages:
    return types.messages.AffectedMessages(pts=call.me().mailbox.pts, pts_count=0)


HANDLERS: dict[type, Handler] = {
    functions.messages.GetHistoryRequest: get_history,
    functions.messages.GetMessagesRequest: get_messages,
    functions.messages.GetDialogsRequest: get_dialogs,
    functions.messages.ReadHistoryRequest: read_history,
}
