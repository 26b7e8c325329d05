"""The short update shapes Telegram uses where the full `Updates` would repeat what a client knows (no I/O).

`updateShortMessage` carries a plain private text message from a user the recipient already
knows (no media, no buttons, no forward: those need the full form with users attached);
`updateShortSentMessage` answers the sender's own messages.sendMessage in a private chat.
"""

from __future__ import annotations

from typing import Any

from telethon.tl import types


def short_message(update: Any, viewer_id: int, known: set[tuple[int, int]]) -> Any | None:
    """The updateShortMessage form of `update` for `viewer_id`, or None when it needs the full form.

    `known` holds (viewer, user) pairs the viewer has already received with the user attached;
    this one is added to it.
    """
    if not isinstance(update, types.UpdateNewMessage):
        return None
    message = update.message
    if not isinstance(message.peer_id, types.PeerUser):
        return None
    pair = (viewer_id, message.peer_id.user_id)
    plain = message.media is None and message.reply_markup is None and message.fwd_from is None
    if not plain or pair not in known:
        known.add(pair)
        return None
    return types.UpdateShortMessage(
        id=message.id,
        user_id=message.peer_id.user_id,
        message=message.message,
        pts=update.pts,
        pts_count=update.pts_count,
        date=message.date,
        out=message.out,
        entities=message.entities,
        reply_to=message.reply_to,
    )


def short_sent(updates: types.Updates) -> Any:
    """updateShortSentMessage for the sender of a private text message (its full Updates given)."""
    new = next(u for u in updates.updates if isinstance(u, types.UpdateNewMessage))
    return types.UpdateShortSentMessage(
        id=new.message.id,
        pts=new.pts,
        pts_count=new.pts_count,
        date=new.message.date,
        out=True,
        entities=new.message.entities,
    )
