"""The one place that builds a TelegramClient and, when asked, points it at a non-default server (reads the key file)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from telethon import TelegramClient
from telethon.crypto import rsa
from telethon.sessions import Session

from monitor.config import Settings


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
        rsa.add_key(server_key.read_text(), old=False)
        host, port = server
        client.session.set_dc(dc_id, host, port)
    return client


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
