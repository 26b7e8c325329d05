"""make_client: real Telegram untouched without a server; the sandbox reached through Settings."""

from __future__ import annotations

import pytest
from telethon.sessions import StringSession

from monitor.config import parse_settings
from monitor.sandbox.api import API_HASH, API_ID, Sandbox
from monitor.telegram.connect import make_client, make_client_from_settings


def test_without_a_server_the_session_is_left_for_real_telegram() -> None:
    client = make_client(StringSession(), API_ID, API_HASH)
    assert client.session.server_address is None  # Telethon picks its default DC on connect
    assert client.session.auth_key is None


def test_a_server_needs_its_key() -> None:
    with pytest.raises(ValueError, match="server_key"):
        make_client(StringSession(), API_ID, API_HASH, server=("127.0.0.1", 1))


async def test_settings_from_the_environment_reach_the_sandbox(sandbox: Sandbox) -> None:
    alice = sandbox.create_user("+79990000001")
    host, port = sandbox.address
    settings = parse_settings(
        {
            "TELEGRAM_API_ID": str(API_ID),
            "TELEGRAM_API_HASH": API_HASH,
            "TELEGRAM_SERVER": f"{host}:{port}",
            "TELEGRAM_SERVER_KEY": str(sandbox.public_key_path),
            "TELEGRAM_DC_ID": str(sandbox.dc_id),
        }
    )
    client = make_client_from_settings(settings, StringSession())
    assert (client.session.server_address, client.session.port, client.session.dc_id) == (
        host,
        port,
        sandbox.dc_id,
    )
    await client.start(phone=alice.phone, code_callback=lambda: alice.login_code)
    try:
        assert (await client.get_me()).id == alice.id
    finally:
        await client.disconnect()
