"""Login by phone and code, with 2FA, and by bot token, through a real TelegramClient."""

from __future__ import annotations

from monitor.sandbox.api import Sandbox


async def test_user_logs_in_with_phone_and_code(sandbox: Sandbox) -> None:
    alice = sandbox.create_user("+79990000001", first_name="Alice", username="alice")
    client = await sandbox.login(alice)
    me = await client.get_me()
    assert (me.id, me.first_name, me.username, me.phone) == (
        alice.id,
        "Alice",
        "alice",
        "79990000001",
    )
