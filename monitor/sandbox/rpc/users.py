"""users.*, contacts.* and bots.* handlers: who is who, username resolution, bot commands (no I/O)."""

from __future__ import annotations

from typing import Any

from telethon.tl import functions, types

from monitor.sandbox import tl_objects
from monitor.sandbox.rpc.call import Call, Handler, RpcError
from monitor.sandbox.world import Account, Channel


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
        bot_info=types.BotInfo(user_id=account.id, commands=commands_seen_by(account, me.id))
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


def _command_scope(call: Call, me: Account, scope: Any) -> str | int | None:
    """Where a command list applies: None the default scope, "users" every private chat, a user
    id one chat (Telegram's BotCommandScopePeer); the group scopes are not modelled."""
    if isinstance(scope, types.BotCommandScopeDefault):
        return None
    if isinstance(scope, types.BotCommandScopeUsers):
        return "users"
    if isinstance(scope, types.BotCommandScopePeer):
        peer = tl_objects.input_peer(call.world, scope.peer, me)
        if not isinstance(peer, Account):
            raise RpcError(400, "PEER_ID_INVALID")
        return peer.id
    raise RpcError(400, "BOT_COMMAND_SCOPE_UNSUPPORTED")  # the sandbox has no group chats


def set_bot_commands(call: Call, request: Any) -> bool:
    me = call.me()
    if not me.is_bot:
        raise RpcError(400, "USER_BOT_REQUIRED")
    scope = _command_scope(call, me, request.scope)
    if scope is None:
        me.bot_commands = list(request.commands)
    else:
        me.scoped_commands[scope] = list(request.commands)
    return True


def get_bot_commands(call: Call, request: Any) -> list[Any]:
    me = call.me()
    scope = _command_scope(call, me, request.scope)
    return list(me.bot_commands if scope is None else me.scoped_commands.get(scope, []))


def commands_seen_by(bot: Account, viewer_id: int) -> list[Any]:
    """The menu a user sees in the bot's private chat: the narrowest scope set (Telegram's order:
    that chat, then all private chats, then the default)."""
    for scope in (viewer_id, "users"):
        if scope in bot.scoped_commands:
            return list(bot.scoped_commands[scope])
    return list(bot.bot_commands)


HANDLERS: dict[type, Handler] = {
    functions.users.GetUsersRequest: get_users,
    functions.users.GetFullUserRequest: get_full_user,
    functions.contacts.ResolveUsernameRequest: resolve_username,
    functions.bots.SetBotCommandsRequest: set_bot_commands,
    functions.bots.GetBotCommandsRequest: get_bot_commands,
}
