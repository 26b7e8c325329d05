"""Transports, 2FA, and reconnecting with a StringSession and with a SQLite session file."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from telethon import errors, events
from telethon.network import ConnectionTcpAbridged, ConnectionTcpFull, ConnectionTcpIntermediate
from telethon.sessions import SQLiteSession, StringSession
from telethon.tl import functions

from monitor.sandbox.api import Sandbox
from tests.sandbox.test_updates import collect


@pytest.mark.parametrize(
    "connection", [ConnectionTcpFull, ConnectionTcpAbridged, ConnectionTcpIntermediate]
)
async def test_every_transport_logs_in_and_reads(sandbox: Sandbox, connection: type) -> None:
    news = sandbox.create_channel("news_ru", "Новости")
    sandbox.post(news, "x" * 600)  # longer than 127 * 4 bytes: the abridged long-length form
    client = await sandbox.login(sandbox.create_user("+79990000001"), connection=connection)
    [message] = await client.get_messages("news_ru", limit=1)
    assert message.raw_text == "x" * 600


async def test_two_factor_password_is_checked_by_srp(sandbox: Sandbox) -> None:
    alice = sandbox.create_user("+79990000001", password="correct horse")
    client = await sandbox.login(alice)
    assert (await client.get_me()).id == alice.id

    other = sandbox.client()
    await other.connect()
    await other.send_code_request(alice.phone)
    with pytest.raises(errors.SessionPasswordNeededError):
        await other.sign_in(alice.phone, alice.login_code)
    with pytest.raises(errors.PasswordHashInvalidError):
        await other.sign_in(password="wrong")
    assert not await other.is_user_authorized()


async def test_wrong_code_is_rejected(sandbox: Sandbox) -> None:
    alice = sandbox.create_user("+79990000001", code="11111")
    client = sandbox.client()
    await client.connect()
    await client.send_code_request(alice.phone)
    with pytest.raises(errors.PhoneCodeInvalidError):
        await client.sign_in(alice.phone, "22222")


async def test_string_session_reconnects_without_login(sandbox: Sandbox) -> None:
    alice = sandbox.create_user("+79990000001")
    first = await sandbox.login(alice)
    saved = first.session.save()
    await first.disconnect()
    sign_ins = sandbox.calls("auth.signIn")

    again = sandbox.client(StringSession(saved))
    await again.connect()
    assert await again.is_user_authorized()
    assert (await again.get_me()).id == alice.id
    assert sandbox.calls("auth.signIn") == sign_ins


async def test_sqlite_session_file_reconnects_without_login(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    alice = sandbox.create_user("+79990000001")
    path = tmp_path / "reader.session"
    first = await sandbox.login(alice, SQLiteSession(str(path)))
    await first.disconnect()
    assert path.exists()

    again = sandbox.client(SQLiteSession(str(path)))
    await again.connect()
    assert (await again.get_me()).id == alice.id
    assert sandbox.calls("auth.signIn") == 1
    await again.disconnect()


async def test_client_reconnects_after_the_server_drops_it(sandbox: Sandbox) -> None:
    news = sandbox.create_channel("news_ru", "Новости")
    sandbox.post(news, "пост")
    alice = sandbox.create_user("+79990000001")
    client = await sandbox.login(alice)
    assert sandbox.drop_connections(alice) == 1
    [message] = await client.get_messages("news_ru", limit=1)
    assert message.raw_text == "пост"


async def test_catch_up_with_a_sqlite_session_delivers_posts_missed_while_offline(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    news = sandbox.create_channel("news_ru", "Новости")
    alice = sandbox.create_user("+79990000001")
    path = str(tmp_path / "reader.session")
    first = await sandbox.login(alice, SQLiteSession(path))
    await first(functions.channels.JoinChannelRequest("news_ru"))
    sandbox.post(news, "до отключения")
    await first.get_messages("news_ru", limit=1)
    await first.disconnect()
    sandbox.post(news, "пока офлайн")

    again = sandbox.client(SQLiteSession(path), catch_up=True)
    new = collect(again, events.NewMessage, lambda e: e.raw_text)
    await again.connect()
    await again.catch_up()
    assert await asyncio.wait_for(new.get(), 5) == "пока офлайн"
    await again.disconnect()
