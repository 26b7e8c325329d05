"""The one place that builds and connects a TelegramClient and, when asked, points it at a non-default server (reads the key file)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyasn1.error import PyAsn1Error  # type: ignore[import-untyped]  # rsa's DER parser; no stubs
from telethon import TelegramClient, errors
from telethon.crypto import rsa
from telethon.sessions import Session

from monitor.config import Settings
from monitor.errors import (
    ConfigError,
    ConfigProblem,
    SessionDeadError,
    SessionUnknownError,
    TelegramUnreachableError,
)
from monitor.telegram.live import LiveFeed, OnDeletion, OnPost
from monitor.telegram.reader import ChannelReader


def make_client(
    session: str | Path | Session,
    api_id: int,
    api_hash: str,
    *,
    server: tuple[str, int] | None = None,
    server_key: Path | None = None,
    dc_id: int = 2,
    **kwargs: Any,
) -> TelegramClient:
    """A TelegramClient for real Telegram, or for the MTProto server at `server` with `server_key`.

    With `server` set, the session's DC is pinned to it (`set_dc`) and the server's public key
    is added to Telethon's key table (`add_key`); nothing else changes.
    """
    if isinstance(session, Path):
        session = str(session)
    client = TelegramClient(session, api_id, api_hash, **kwargs)
    if server is not None:
        if server_key is None:
            raise ValueError(
                "server_key is required with server: the PEM of the server's public key"
            )
        _add_server_key(server_key)
        host, port = server
        client.session.set_dc(dc_id, host, port)
    return client


def _add_server_key(path: Path) -> None:
    """Trust the server's RSA key, or ConfigError(TELEGRAM_SERVER_KEY) when it is not one."""
    try:
        rsa.add_key(path.read_text(encoding="ascii"), old=False)
    # UnicodeDecodeError and binascii.Error are ValueErrors; PyAsn1Error is malformed DER.
    except (OSError, ValueError, IndexError, PyAsn1Error) as e:
        raise _bad_key(path, e) from e


def _bad_key(path: Path, error: Exception) -> ConfigError:
    return ConfigError(
        [
            ConfigProblem(
                "TELEGRAM_SERVER_KEY",
                f"{path} is not a readable PEM RSA public key ({type(error).__name__}): "
                "point it at the server's public key PEM",
            )
        ]
    )


async def connect_client(client: TelegramClient, server: tuple[str, int] | None) -> None:
    """`client.connect()`, or TelegramUnreachableError naming the server and the fix."""
    try:
        await client.connect()
    except errors.AuthKeyNotFound as e:  # the server answered -404: it forgot this key
        raise SessionUnknownError(str(getattr(client.session, "filename", "") or "")) from e
    except (
        OSError
    ) as e:  # Telethon's "Connection to Telegram failed 5 time(s)" is a ConnectionError
        where = None if server is None else f"{server[0]}:{server[1]}"
        raise TelegramUnreachableError(where, str(e) or type(e).__name__) from e


def make_client_from_settings(
    settings: Settings, session: str | Path | Session, **kwargs: Any
) -> TelegramClient:
    """`make_client` with the API credentials and server taken from `settings`."""
    api_id, api_hash = settings.require_reader()
    return make_client(
        session,
        api_id,
        api_hash,
        server=settings.server_address,
        server_key=settings.telegram_server_key,
        dc_id=settings.telegram_dc_id,
        **kwargs,
    )


@dataclass(frozen=True, slots=True)
class ReaderConnection:
    """The reader account's connected, logged-in client, seen as a ChannelReader."""

    reader: ChannelReader
    _client: TelegramClient

    def live_feed(self, on_post: OnPost, on_deletion: OnDeletion) -> LiveFeed:
        """Live updates of joined channels, attached (detach it before the connection closes)."""
        feed = LiveFeed(self._client, on_post, on_deletion, account=self.reader.account)
        feed.attach()
        return feed

    async def reconnect(self) -> None:
        await self._client.disconnect()
        await self._client.connect()


@asynccontextmanager
async def reader_connection(settings: Settings, session: Path) -> AsyncIterator[ReaderConnection]:
    """Connect the reader account on `session`; SessionDeadError when it is not logged in."""
    client = make_client_from_settings(
        settings, str(session), flood_sleep_threshold=0, entity_cache_limit=2000
    )
    await connect_client(client, settings.server_address)
    try:
        if not await client.is_user_authorized():
            raise SessionDeadError(str(session), "not logged in")
        yield ReaderConnection(ChannelReader(client, session_name=str(session)), client)
    finally:
        await client.disconnect()
