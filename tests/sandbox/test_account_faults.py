"""As on Telegram: each account has its own access hash for a channel (another's is refused),
a banned account gets USER_DEACTIVATED_BAN, a revoked session AUTH_KEY_UNREGISTERED."""

from __future__ import annotations

import pytest
from telethon import errors
from telethon.tl import functions, types

from monitor.sandbox.api import Sandbox


async def test_each_account_sees_its_own_access_hash_and_another_ones_is_refused(
    sandbox: Sandbox,
) -> None:
    news = sandbox.create_channel("news_ru", "Новости")
    sandbox.post(news, "Первый пост")
    alice_account, bob_account = (
        sandbox.create_user("+380501000001"),
        sandbox.create_user("+380501000002"),
    )
    alice, bob = await sandbox.login(alice_account), await sandbox.login(bob_account)
    seen_by_alice = await alice(functions.contacts.ResolveUsernameRequest("news_ru"))
    seen_by_bob = await bob(functions.contacts.ResolveUsernameRequest("news_ru"))
    alice_hash, bob_hash = seen_by_alice.chats[0].access_hash, seen_by_bob.chats[0].access_hash
    assert alice_hash != bob_hash
    assert alice_hash == sandbox.access_hash(news, alice_account)

    [post] = await alice.get_messages(types.InputPeerChannel(news.id, alice_hash), limit=1)
    assert post.message == "Первый пост"
    with pytest.raises(errors.ChannelInvalidError):
        await bob(
            functions.messages.GetHistoryRequest(
                types.InputPeerChannel(news.id, alice_hash), 0, None, 0, 10, 0, 0, 0
            )
        )


async def test_a_banned_account_is_told_so_and_works_again_when_unbanned(sandbox: Sandbox) -> None:
    account = sandbox.create_user("+380501000003")
    client = await sandbox.login(account)
    sandbox.ban(account)
    with pytest.raises(errors.UserDeactivatedBanError):
        await client(functions.users.GetUsersRequest([types.InputUserSelf()]))
    sandbox.unban(account)
    [me] = await client(functions.users.GetUsersRequest([types.InputUserSelf()]))
    assert me.id == account.id


async def test_a_revoked_session_is_unregistered_until_it_logs_in_again(sandbox: Sandbox) -> None:
    account = sandbox.create_user("+380501000004")
    client = await sandbox.login(account)
    assert sandbox.revoke_sessions(account) == 1
    with pytest.raises(errors.AuthKeyUnregisteredError):
        await client(functions.users.GetUsersRequest([types.InputUserSelf()]))
