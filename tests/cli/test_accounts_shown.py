"""`channels list` and `status` show which account reads each channel and each account's health."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from monitor.cli import app
from monitor.domain import Channel
from monitor.reader.accounts import AccountHealth, assign
from monitor.store.accounts import AccountRepo
from monitor.store.channels import ChannelRepo
from monitor.store.engine import Database

CHANNELS = [
    Channel(telegram_id=500 + i, title=f"Канал {i}", username=f"kanal_{i}") for i in range(12)
]


async def _seed(url: str) -> None:
    db = Database.open(url)
    try:
        now = datetime.now(UTC)
        for channel in CHANNELS:
            await ChannelRepo(db).upsert_channel(channel, now=now)
        repo = AccountRepo(db)
        await repo.save_health(AccountHealth("default", user="Reader", checked_at=now))
        await repo.save_health(
            AccountHealth("kharkiv", "dead", "AuthKeyUnregisteredError", checked_at=now)
        )
    finally:
        await db.close()


def test_list_and_status_show_accounts_and_owners(
    clean_env: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = clean_env / "data"
    data.mkdir()
    for name in ("reader.session", "reader.kharkiv.session", "reader.odesa.session"):
        (data / name).touch(mode=0o600)
    monkeypatch.setenv("READER_SESSION", str(data / "reader.session"))
    monkeypatch.setenv("DATABASE_URL", db_url)
    asyncio.run(_seed(db_url))
    # kharkiv is dead; odesa is logged in but has not run yet: it will read its share.
    expected = assign(CHANNELS, ["default", "odesa"])
    mine = sum(1 for owner in expected.values() if owner == "default")
    assert 0 < mine < len(CHANNELS)

    listed = CliRunner().invoke(app, ["channels", "list"])
    assert listed.exit_code == 0, listed.output
    assert "account" in listed.output
    assert "@kanal_0" in listed.output
    assert "default" in listed.output

    status = CliRunner().invoke(app, ["status"])
    assert status.exit_code == 0, status.output
    assert "reader accounts:" in status.output
    assert f"default as Reader: healthy, {mine} channels" in status.output
    assert "kharkiv: dead (AuthKeyUnregisteredError), 0 channels" in status.output
    assert f"odesa: not checked yet, {len(CHANNELS) - mine} channels" in status.output
