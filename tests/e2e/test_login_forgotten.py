"""`login` on a session the server no longer knows (AuthKeyNotFound) logs in afresh; other
commands name the fix in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.errors import SessionUnknownError
from monitor.sandbox.api import Sandbox
from monitor.telegram.connect import connect_client
from monitor.telegram.login import login_user, private_session_path


async def test_login_on_a_session_the_server_forgot_logs_in_afresh(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    sandbox.create_user("+380671234500", username="reader_acc", code="24680")
    session = private_session_path(tmp_path / "reader")
    client = sandbox.client(str(session))
    await login_user(client, "+380671234500", lambda: "24680", lambda: "", print)
    await client.disconnect()
    sandbox.server.auth_keys.clear()  # the server forgot every key (a reset, a logout)

    client = sandbox.client(str(session))
    with pytest.raises(SessionUnknownError, match=r"run `python bot.py login` to log in again"):
        await connect_client(client, None)  # what `run` and `channels add` say
    await client.disconnect()

    said: list[str] = []
    client = sandbox.client(str(session))
    try:
        name = await login_user(client, "+380671234500", lambda: "24680", lambda: "", said.append)
    finally:
        await client.disconnect()
    assert name == "reader_acc"
    assert said == [
        "The Telegram server no longer knows this session (logged out elsewhere or reset): "
        "logging in afresh."
    ]
    client = sandbox.client(str(session))  # the new key is in the session file
    try:
        again = await login_user(client, "+380671234500", lambda: "x", lambda: "", said.append)
    finally:
        await client.disconnect()
    assert again == "reader_acc"
    assert len(said) == 1
