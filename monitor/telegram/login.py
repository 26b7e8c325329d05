"""Logging the reader account in: phone, code, 2FA password, with clear errors; private session files (does I/O)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from telethon import TelegramClient, errors

from monitor.errors import LoginError, RateLimitedError, SessionUnknownError
from monitor.private_files import private_dir
from monitor.reader.lockfile import session_file
from monitor.telegram.connect import connect_client

ATTEMPTS = 3


def private_session_path(path: Path) -> Path:
    """The session file Telethon will use (it appends .session), created 0600 before Telethon opens it."""
    target = session_file(path)
    private_dir(target.parent)
    os.close(os.open(target, os.O_RDWR | os.O_CREAT, 0o600))
    target.chmod(0o600)
    return target


async def login_user(
    client: TelegramClient,
    phone: str,
    ask_code: Callable[[], str],
    ask_password: Callable[[], str],
    tell: Callable[[str], None],
) -> str:
    """Log the client in (a no-op when the session is already logged in); returns the account's name.

    Connects the client unless the caller did (`connect_client` translates connection errors).
    """
    if not client.is_connected():
        await connect_for_login(client, None, tell)
    if not await client.is_user_authorized():
        await _send_code(client, phone)
        if await _enter_code(client, phone, ask_code, tell):
            await _enter_password(client, ask_password, tell)
    me = await client.get_me()
    return str(me.username or me.first_name or me.id)


async def connect_for_login(
    client: TelegramClient, server: tuple[str, int] | None, tell: Callable[[str], None]
) -> None:
    """Connect; a session the server no longer knows gets a fresh auth key (login is the
    command that fixes a dead session), with a line saying so."""
    try:
        await connect_client(client, server)
    except SessionUnknownError:
        tell(
            "The Telegram server no longer knows this session (logged out elsewhere or reset): "
            "logging in afresh."
        )
        await client.disconnect()
        # Telethon keeps the key in its sender and copies it to the session on connect; with
        # both cleared, connect() makes a new key (Telethon does not do this itself: it cannot
        # tell a forgotten key from a temporary server fault).
        client._sender.auth_key.key = None
        client.session.auth_key = None
        client.session.save()
        await connect_client(client, server)


async def _send_code(client: TelegramClient, phone: str) -> None:
    try:
        await client.send_code_request(phone)
    except errors.PhoneNumberInvalidError as e:
        raise LoginError(
            f"{phone} is not a valid phone number: write it with the country code, e.g. +380..."
        ) from e
    except errors.PhoneNumberBannedError as e:
        raise LoginError(f"Telegram has banned {phone}: use another account for the reader") from e
    except errors.ApiIdInvalidError as e:
        raise LoginError(
            "TELEGRAM_API_ID / TELEGRAM_API_HASH are not valid: copy them again from my.telegram.org"
        ) from e
    except errors.FloodWaitError as e:
        raise RateLimitedError(int(e.seconds), "auth.sendCode") from e


async def _enter_code(
    client: TelegramClient, phone: str, ask_code: Callable[[], str], tell: Callable[[str], None]
) -> bool:
    """Sign in with the code; True when the account also needs its 2FA password."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            await client.sign_in(phone, ask_code().strip())
            return False
        except errors.SessionPasswordNeededError:
            return True
        except errors.PhoneCodeInvalidError:
            tell(
                f"That code is wrong ({attempt} of {ATTEMPTS}); check the Telegram app and try again."
            )
        except errors.PhoneCodeExpiredError as e:
            raise LoginError("the login code expired: run `python bot.py login` again") from e
    raise LoginError(f"the code was wrong {ATTEMPTS} times: run `python bot.py login` again")


async def _enter_password(
    client: TelegramClient, ask_password: Callable[[], str], tell: Callable[[str], None]
) -> None:
    for attempt in range(1, ATTEMPTS + 1):
        try:
            await client.sign_in(password=ask_password())
            return
        except errors.PasswordHashInvalidError:
            tell(f"That 2FA password is wrong ({attempt} of {ATTEMPTS}).")
    raise LoginError(
        f"the 2FA password was wrong {ATTEMPTS} times: run `python bot.py login` again"
    )
