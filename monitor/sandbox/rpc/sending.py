"""messages.* writing handlers: send, edit, delete, send media, inline-button callbacks (waits for bots' answers)."""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime
from typing import Any

from telethon.tl import functions, types

from monitor.sandbox import media, shapes, tl_objects
from monitor.sandbox.rpc.call import Call, Handler, RpcError
from monitor.sandbox.rpc.upload import assemble
from monitor.sandbox.world import Account, World, copy_message

CALLBACK_TIMEOUT_S = 10.0
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_ALBUM = 10


def _recipient(call: Call, peer: Any) -> tuple[Account, Account]:
    me = call.me()
    target = tl_objects.input_peer(call.world, peer, me)
    if not isinstance(target, Account):
        raise RpcError(403, "CHAT_WRITE_FORBIDDEN")
    if me.id in target.blocked:
        raise RpcError(400, "USER_IS_BLOCKED")
    if me.is_bot and target.is_bot:
        raise RpcError(400, "USER_IS_BOT")
    if me.is_bot and target.id not in me.started_by:
        # Bots cannot start conversations (Telethon's errors.csv, PEER_ID_INVALID).
        raise RpcError(400, "PEER_ID_INVALID")
    return me, target


def _updates(call: Call, me: Account, updates: list[Any]) -> types.Updates:
    messages = [u.message for u in updates if hasattr(u, "message")]
    users, chats = tl_objects.entities_of(call.world, messages, me.id)
    return types.Updates(updates=updates, users=users, chats=chats, date=datetime.now(UTC), seq=0)


def _send(call: Call, request: Any, text: str, message_media: Any = None) -> types.Updates:
    me, target = _recipient(call, request.peer)
    # Telegram refuses a random_id the sender already used: a resend after a lost answer.
    if request.random_id in me.random_ids:
        raise RpcError(400, "RANDOM_ID_DUPLICATE")
    me.random_ids.add(request.random_id)
    message = types.Message(
        id=0,
        peer_id=types.PeerUser(target.id),
        date=datetime.now(UTC),
        message=text,
        entities=request.entities or None,
        reply_markup=request.reply_markup,
        media=message_media,
    )
    reply = request.reply_to
    reply_to = reply.reply_to_msg_id if isinstance(reply, types.InputReplyToMessage) else None
    mine = call.world.send_private(
        me, target, message, origin_key=call.auth_key_id, reply_to=reply_to
    )
    new = next(
        e.update for e in reversed(me.mailbox.log) if getattr(e.update, "message", None) is mine
    )
    return _updates(call, me, [types.UpdateMessageID(id=mine.id, random_id=request.random_id), new])


def send_message(call: Call, request: Any) -> Any:
    """updateShortSentMessage, as Telegram answers a private text message."""
    if not request.message.strip():
        raise RpcError(400, "MESSAGE_EMPTY")
    if len(request.message) > MAX_TEXT:
        raise RpcError(400, "MESSAGE_TOO_LONG")
    return shapes.short_sent(_send(call, request, request.message))


def send_media(call: Call, request: Any) -> types.Updates:
    if len(request.message) > MAX_CAPTION:
        raise RpcError(400, "MEDIA_CAPTION_TOO_LONG")
    return _send(
        call, request, request.message, media.message_media(_media_item(call, request.media))
    )


def _media_item(call: Call, wanted: Any) -> Any:
    """A new photo or document from uploaded parts, or one already sent (by id and reference)."""
    now = datetime.now(UTC)
    if isinstance(wanted, types.InputMediaUploadedPhoto):
        data = assemble(call, wanted.file)
        return media.store_photo(call.world, data, now, call.dc_id, strict=True)
    if isinstance(wanted, types.InputMediaUploadedDocument):
        data = assemble(call, wanted.file)
        attributes = list(wanted.attributes)
        return media.store_document(call.world, data, wanted.mime_type, attributes, now, call.dc_id)
    if isinstance(wanted, types.InputMediaPhoto | types.InputMediaDocument):
        item = call.world.media.get(getattr(wanted.id, "id", 0))
        if item is None or item.access_hash != wanted.id.access_hash:
            raise RpcError(400, "MEDIA_INVALID")
        reference = bytes(wanted.id.file_reference or b"")
        call.world.file_refs.check(item.id, call.me().id, reference)
        return item
    raise RpcError(400, "MEDIA_INVALID")


def upload_media(call: Call, request: Any) -> Any:
    """A photo or document stored without a message (Telethon's first step of an album)."""
    _recipient(call, request.peer)
    return media.message_media(_media_item(call, request.media))


def send_multi_media(call: Call, request: Any) -> types.Updates:
    """An album in a private chat: one message per item under one grouped_id, consecutive ids.

    Items must be media already stored (InputMediaPhoto / InputMediaDocument, after
    messages.uploadMedia); uploaded files are MEDIA_INVALID here, as Telegram answers.
    """
    me, target = _recipient(call, request.peer)
    items = list(request.multi_media)
    if len(items) > MAX_ALBUM:
        raise RpcError(400, "MULTI_MEDIA_TOO_LONG")
    if any(
        not isinstance(i.media, types.InputMediaPhoto | types.InputMediaDocument) for i in items
    ):
        raise RpcError(400, "MEDIA_INVALID")
    if any(i.random_id in me.random_ids for i in items):
        raise RpcError(400, "RANDOM_ID_DUPLICATE")
    if any(len(i.message) > MAX_CAPTION for i in items):
        raise RpcError(400, "MEDIA_CAPTION_TOO_LONG")
    group, now = secrets.randbits(62), datetime.now(UTC)
    stored = [media.message_media(_media_item(call, i.media)) for i in items]
    updates: list[Any] = []
    for single, item in zip(items, stored, strict=True):
        me.random_ids.add(single.random_id)
        message = types.Message(
            id=0,
            peer_id=types.PeerUser(target.id),
            date=now,
            message=single.message,
            entities=single.entities or None,
            media=item,
            grouped_id=group,
        )
        mine = call.world.send_private(me, target, message, origin_key=call.auth_key_id)
        new = next(
            e.update for e in reversed(me.mailbox.log) if getattr(e.update, "message", None) is mine
        )
        updates += [types.UpdateMessageID(id=mine.id, random_id=single.random_id), new]
    return _updates(call, me, updates)


def edit_message(call: Call, request: Any) -> types.Updates:
    me, _ = _recipient(call, request.peer)
    old = me.mailbox.messages.get(request.id)
    if old is None:
        raise RpcError(400, "MESSAGE_ID_INVALID")
    if not old.out:
        raise RpcError(403, "MESSAGE_AUTHOR_REQUIRED")
    if (
        request.message is not None
        and request.message == old.message
        and request.reply_markup == old.reply_markup
    ):
        raise RpcError(400, "MESSAGE_NOT_MODIFIED")
    edited = _edited(old, request)
    update = call.world.edit_private(me, edited, origin_key=call.auth_key_id)
    other = call.world.copies.get((me.id, old.id))
    if other is not None:
        owner = call.world.accounts[other[0]]
        theirs = owner.mailbox.messages.get(other[1])
        if theirs is not None:
            edited_theirs = _edited(theirs, request)
            call.world.edit_private(owner, edited_theirs)
    return _updates(call, me, [update])


def _edited(old: Any, request: Any) -> Any:
    edited = copy_message(old)
    if request.message is not None:
        edited.message = request.message
        edited.entities = request.entities or None
    edited.reply_markup = request.reply_markup  # omitted: Telegram removes the inline keyboard
    edited.edit_date = datetime.now(UTC)
    return edited


def delete_messages(call: Call, request: Any) -> types.messages.AffectedMessages:
    me = call.me()
    counterparts = [call.world.copies.get((me.id, i)) for i in request.id]
    update = call.world.delete_private(me, request.id, origin_key=call.auth_key_id)
    if request.revoke:
        for other in filter(None, counterparts):
            call.world.delete_private(call.world.accounts[other[0]], [other[1]])
    if update is None:
        return types.messages.AffectedMessages(pts=me.mailbox.pts, pts_count=0)
    return types.messages.AffectedMessages(pts=update.pts, pts_count=update.pts_count)


async def get_bot_callback_answer(call: Call, request: Any) -> types.messages.BotCallbackAnswer:
    """The user's side of pressing an inline button: waits for the bot's setBotCallbackAnswer."""
    me, bot = _recipient(call, request.peer)
    reply = await press_button(call.world, me, bot, request.msg_id, request.data)
    return types.messages.BotCallbackAnswer(
        cache_time=reply.cache_time, alert=reply.alert, message=reply.message, url=reply.url
    )


async def press_button(
    world: World, user: Account, bot: Account, msg_id: int, data: bytes | None
) -> Any:
    """Push updateBotCallbackQuery to `bot` and wait for its messages.setBotCallbackAnswer request."""
    link = world.copies.get((user.id, msg_id))
    if not bot.is_bot or link is None or link[0] != bot.id:
        raise RpcError(400, "MESSAGE_ID_INVALID")
    query_id = secrets.randbits(63)
    answer: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    world.callbacks[query_id] = answer
    update = types.UpdateBotCallbackQuery(
        query_id=query_id,
        user_id=user.id,
        peer=types.PeerUser(user.id),
        msg_id=link[1],
        chat_instance=user.id ^ bot.id,
        data=data,
    )
    world.push(bot.id, update, None)
    try:
        return await asyncio.wait_for(answer, CALLBACK_TIMEOUT_S)
    except TimeoutError:
        raise RpcError(400, "BOT_RESPONSE_TIMEOUT") from None
    finally:
        world.callbacks.pop(query_id, None)


def set_bot_callback_answer(call: Call, request: Any) -> bool:
    if not call.me().is_bot:
        raise RpcError(400, "USER_BOT_REQUIRED")
    pending = call.world.callbacks.get(request.query_id)
    if pending is None:
        raise RpcError(400, "QUERY_ID_INVALID")
    if not pending.done():
        pending.set_result(request)
    return True


HANDLERS: dict[type, Handler] = {
    functions.messages.SendMessageRequest: send_message,
    functions.messages.SendMediaRequest: send_media,
    functions.messages.UploadMediaRequest: upload_media,
    functions.messages.SendMultiMediaRequest: send_multi_media,
    functions.messages.EditMessageRequest: edit_message,
    functions.messages.DeleteMessagesRequest: delete_messages,
    functions.messages.GetBotCallbackAnswerRequest: get_bot_callback_answer,
    functions.messages.SetBotCallbackAnswerRequest: set_bot_callback_answer,
}
