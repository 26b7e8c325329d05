"""The sandbox refuses a second message with a random_id the sender already used, as Telegram does."""

from __future__ import annotations

import pytest
from telethon import errors
from telethon.tl.functions.messages import SendMessageRequest
from telethon.tl.types import InputPeerUser

from monitor.sandbox.api import Sandbox


async def test_a_repeated_random_id_is_answered_random_id_duplicate(sandbox: Sandbox) -> None:
    bot = sandbox.create_bot("dup_bot")
    user = sandbox.create_user("+380501234567", first_name="Analyst")
    # Telethon counts RANDOM_ID_DUPLICATE as a server error and retries it; the bot's sender
    # turns that off to see the error itself.
    client = await sandbox.login(bot, request_retries=0, raise_last_call_error=True)
    peer = InputPeerUser(user.id, user.access_hash)
    sandbox.send_private(user, bot, "/start")  # a bot cannot write first
    await client(SendMessageRequest(peer, "first", random_id=777))
    with pytest.raises(errors.RandomIdDuplicateError):
        await client(SendMessageRequest(peer, "again", random_id=777))
    await client(SendMessageRequest(peer, "another", random_id=778))
    assert [m.text for m in sandbox.received_by(user, bot)] == ["first", "another"]
