"""Logging the reader in through the sandbox: codes, 2FA, banned numbers, private session files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from monitor.errors import AlreadyRunningError, LoginError
from monitor.reader.lockfile import ProcessLock, holder_pid
from monitor.sandbox.api import Sandbox
from monitor.telegram.login import login_user, private_session_path


async def _login(
    sandbox: Sandbox, tmp_path: Path, phone: str, codes: list[str], passwords: list[str]
) -> tuple[str, list[str]]:
    said: list[str] = []
    session = private_session_path(tmp_path / "reader")
    client = sandbox.client(str(session))
    try:
        name = await login_user(
            client, phone, lambda: codes.pop(0), lambda: passwords.pop(0), said.append
        )
    finally:
        await client.disconnect()
    return name, said


async def test_login_with_a_wrong_code_then_the_right_one_and_2fa(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    sandbox.create_user(
        "+380671234567",
        first_name="Analyst",
        username="reader_acc",
        code="24680",
        password="hunter2",
    )
    name, said = await _login(
        sandbox, tmp_path, "+380671234567", ["11111", "24680"], ["wrong", "hunter2"]
    )
    assert name == "reader_acc"
    assert said == [
        "That code is wrong (1 of 3); check the Telegram app and try again.",
        "That 2FA password is wrong (1 of 3).",
    ]
    session = tmp_path / "reader.session"
    assert session.stat().st_mode & 0o777 == 0o600
    # Logged in: a second run asks for nothing.
    again, said_again = await _login(sandbox, tmp_path, "+380671234567", [], [])
    assert (again, said_again) == ("reader_acc", [])


async def test_three_wrong_codes_give_up_with_the_next_step(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    sandbox.create_user("+380671234568", code="24680")
    with pytest.raises(LoginError, match=r"wrong 3 times: run `python bot.py login` again"):
        await _login(sandbox, tmp_path, "+380671234568", ["1", "2", "3"], [])


@pytest.mark.parametrize(
    ("error", "message"),
    [
        ("PHONE_NUMBER_BANNED", "banned"),
        ("PHONE_NUMBER_INVALID", "country code"),
        ("API_ID_INVALID", "my.telegram.org"),
    ],
)
async def test_refusals_say_what_to_do(
    sandbox: Sandbox, tmp_path: Path, error: str, message: str
) -> None:
    sandbox.fail("auth.sendCode", error)
    with pytest.raises(LoginError, match=message):
        await _login(sandbox, tmp_path, "+380671234569", [], [])


def test_a_second_process_on_the_same_session_is_refused(tmp_path: Path) -> None:
    lock_path = tmp_path / "reader.session.lock"
    with ProcessLock(lock_path):
        assert holder_pid(lock_path) == os.getpid()
        with pytest.raises(AlreadyRunningError, match=rf"in use by process {os.getpid()}"):
            ProcessLock(lock_path).acquire()
    assert holder_pid(lock_path) is None
    with ProcessLock(lock_path):  # released: free again
        pass
