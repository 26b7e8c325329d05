"""How world objects look to a client: TL users, channels and peers, and input peers resolved back (no I/O)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from telethon.tl import types

from monitor.sandbox.rpc.call import RpcError
from monitor.sandbox.world import Account, Channel, World


def user(account: Account, viewer_id: int | None) -> types.User:
    return types.User(
        id=account.id,
        is_self=account.id == viewer_id,
        bot=account.is_bot,
        bot_info_version=1 if account.is_bot else None,
        access_hash=account.access_hash,
        first_name=account.first_name,
        username=account.username,
        phone=account.phone.lstrip("+") if account.phone and account.id == viewer_id else None,
        status=None if account.is_bot else types.UserStatusRecently(),
    )


def channel(chan: Channel, viewer_id: int | None) -> types.Channel:
    return types.Channel(
        id=chan.id,
        title=chan.title,
        photo=types.ChatPhotoEmpty(),
        date=chan.created,
        broadcast=True,
        left=viewer_id not in chan.members,
        access_hash=chan.hash_for(viewer_id),
        username=chan.username,
        participants_count=len(chan.members),
    )


def peer_of(thing: Account | Channel) -> types.PeerUser | types.PeerChannel:
    if isinstance(thing, Channel):
        return types.PeerChannel(thing.id)
    return types.PeerUser(thing.id)


def input_channel(world: World, peer: Any, viewer_id: int | None = None) -> Channel:
    """A Channel from InputChannel or InputPeerChannel, checking the access hash `viewer_id` has."""
    if isinstance(peer, types.InputChannel | types.InputPeerChannel):
        return world.channel(peer.channel_id, peer.access_hash, viewer_id)
    raise RpcError(400, "CHANNEL_INVALID")


def input_user(world: World, peer: Any, me: Account) -> Account:
    """An Account from InputUser / InputPeerUser / the Self variants, checking the access hash."""
    if isinstance(peer, types.InputUserSelf | types.InputPeerSelf):
        return me
    if isinstance(peer, types.InputUser | types.InputPeerUser):
        account = world.accounts.get(peer.user_id)
        if account is not None and (account.access_hash == peer.access_hash or account.id == me.id):
            return account
    raise RpcError(400, "USER_ID_INVALID")


def input_peer(world: World, peer: Any, me: Account) -> Account | Channel:
    if isinstance(peer, types.InputPeerChannel | types.InputChannel):
        return input_channel(world, peer, me.id)
    if isinstance(peer, types.InputPeerChat):
        raise RpcError(400, "PEER_ID_INVALID")
    return input_user(world, peer, me)


def entities_of(
    world: World, messages: list[Any], viewer_id: int | None
) -> tuple[list[Any], list[Any]]:
    """The (users, chats) that `messages` mention, as the viewer sees them."""
    user_ids: set[int] = set()
    channel_ids: set[int] = set()
    for message in messages:
        for peer in (message.peer_id, getattr(message, "from_id", None)):
            if isinstance(peer, types.PeerUser):
                user_ids.add(peer.user_id)
            elif isinstance(peer, types.PeerChannel):
                channel_ids.add(peer.channel_id)
        fwd = getattr(message, "fwd_from", None)
        if fwd is not None and isinstance(fwd.from_id, types.PeerChannel):
            channel_ids.add(fwd.from_id.channel_id)
    if viewer_id is not None:
        user_ids.add(viewer_id)
    users = [user(world.accounts[i], viewer_id) for i in sorted(user_ids) if i in world.accounts]
    chats = [
        channel(world.channels[i], viewer_id) for i in sorted(channel_ids) if i in world.channels
    ]
    return users, chats


def forward_header(
    source: Channel | None, post_id: int | None, when: datetime
) -> types.MessageFwdHeader | None:
    """fwd_from of a post forwarded from `source` (post `post_id`)."""
    if source is None:
        return None
    return types.MessageFwdHeader(
        date=when, from_id=types.PeerChannel(source.id), channel_post=post_id
    )
