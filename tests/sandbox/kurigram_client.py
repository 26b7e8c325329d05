"""kurigram (a Pyrogram fork with its own TL layer, crypto and sessions) pointed at the sandbox:
a second client the sandbox's authors did not write, to disagree with where Telethon would not."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Any

import rsa as pyrsa
from pyrogram import Client
from pyrogram.crypto import rsa as kuri_rsa
from pyrogram.storage.sqlite_storage import SQLiteStorage
from telethon.crypto.rsa import _compute_fingerprint

from monitor.sandbox.api import API_HASH, API_ID, Sandbox
from monitor.sandbox.world import Account

# Pure-Python AES without TgCrypto: kurigram says so once at import; it is not a test failure.
logging.getLogger("pyrogram.crypto.aes").setLevel(logging.ERROR)


class SandboxStorage(SQLiteStorage):
    """kurigram's own in-memory storage, pinned to the sandbox's address.

    A new kurigram session writes Telegram's DC 2 address itself (Client.load_session); this
    storage keeps the sandbox's instead, which is all kurigram needs to talk to it.
    """

    def __init__(self, name: str, address: tuple[str, int]) -> None:
        super().__init__(name, workdir=Path(tempfile.gettempdir()), in_memory=True)
        self._address = address

    async def server_address(self, value: Any = object) -> Any:
        return await super().server_address(self._address[0] if value is not object else value)

    async def port(self, value: Any = object) -> Any:
        return await super().port(self._address[1] if value is not object else value)


def trust_sandbox_key(sandbox: Sandbox) -> None:
    """Add the sandbox's public key to kurigram's table, keyed by its signed fingerprint."""
    key = pyrsa.PublicKey.load_pkcs1(sandbox.public_key_path.read_bytes())
    fingerprint = int(_compute_fingerprint(key))
    signed = fingerprint - (1 << 64) if fingerprint >= 1 << 63 else fingerprint
    kuri_rsa.server_public_keys[signed] = kuri_rsa.PublicKey(key.n, key.e)


async def kurigram_login(sandbox: Sandbox, account: Account) -> Client:
    """A started kurigram Client logged in as a sandbox user (phone and code) or bot (token)."""
    trust_sandbox_key(sandbox)
    name = f"kurigram-{account.id}"
    credentials: dict[str, Any] = (
        {"bot_token": account.bot_token}
        if account.bot_token
        else {
            "phone_number": account.phone,
            "phone_code": account.login_code,
            "password": account.password,
        }
    )
    client = Client(
        name,
        api_id=API_ID,
        api_hash=API_HASH,
        storage_engine=SandboxStorage(name, sandbox.address),
        **credentials,
    )
    await client.start()
    return client
