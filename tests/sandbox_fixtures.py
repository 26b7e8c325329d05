"""Sandbox fixtures: one server RSA key per test session, a running Sandbox per test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from monitor.sandbox.api import Sandbox
from monitor.sandbox.crypto import ServerKey, generate_server_key


@pytest.fixture(scope="session")
def sandbox_server_key() -> ServerKey:
    """Generated once per test session: key generation is the only slow step."""
    return generate_server_key()


@pytest.fixture
async def sandbox(
    sandbox_server_key: ServerKey, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Sandbox]:
    """A running local Telegram on a free port, empty world; fails if a client called a method it lacks."""
    async with Sandbox(sandbox_server_key, key_dir=tmp_path_factory.mktemp("sandbox-key")) as tg:
        yield tg
        assert not tg.rules.unsupported, (
            f"methods the sandbox does not implement: {dict(tg.rules.unsupported)}"
        )
