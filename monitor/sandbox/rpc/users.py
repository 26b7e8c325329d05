"""users.*, contacts.* and bots.* handlers: who is who, username resolution, bot commands (no I/O)."""

from __future__ import annotations

from typing import Any

from telethon.tl import functions, types

from monitor.sandbox import tl_objects
from monitor.sandbox.rpc.call import Call, Handler, RpcError
from monitor.sandbox.world import Channel


def get_users(call: Call, request: Any) -> list[Any]:
    me = call.me()
    found = []
    for peer in request.id:
        try:
            found.append(tl_objects.user(tl_objects.input_user(call.world, peer, me), me.id))
        except RpcError:
            continue
    return found


def get_full_user(call: Call, request: Any) -> types.users.UserFull:
    me = call.me()
    account = tl_objects.input_user(call.world, request.id, me)
    full = types.UserFull(
        id=account.id,
        settings=types.PeerSettings(),
        notify_settings=types.PeerNotifySettings(),
        common_chats_count=0,
        about=None,
        bot_info=types.BotInfo(user_id=account.id, commands=account.bot_commands)
        if account.is_bot
        else None,
    )
    return types.users.UserFull(full_user=full, chats=[], users=[tl_objects.user(account, me.id)])


def resolve_username(call: Call, request: Any) -> types.contacts.ResolvedPeer:
    me = call.me()
    found = call.world.find_username(request.username)
    if found is None:
        raise RpcError(400, "USERNAME_NOT_OCCUPIED")
    if isinstance(found, Channel):
        return types.contacts.ResolvedPeer(
            peer=types.PeerChannel(found.id), chats=[tl_objects.channel(found, me.id)], users=[]
        )
    return types.contacts.ResolvedPeer(
        peer=types.PeerUser(found.id), chats=[], users=[tl_objects.user(found, me.id)]
    )


def set_bot_commands(call: Call, request: Any) -> bool:
    me = call.me()
    if not me.is_bot:
        raise RpcError(400, "USER_BOT_REQUIRED")
    me.bot_commands = list(request.commands)
    return True


def get_bot_commands(call: Call, request: Any) -> list[Any]:
    return list(call.me().bot_commands)


HANDLERS: dict[type, Handler] = {
    functions.users.GetUsersRequest: get_users,
    functions.users.GetFullUserRequest: get_full_user,
    functions.contacts.ResolveUsernameRequest: resolve_username,
    functions.bots.SetBotCommandsRequest: set_bot_commands,
    functions.bots.GetBotCommandsRequest: get_bot_commands,
}
