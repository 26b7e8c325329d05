"""`users list|approve|deny`: access requests decided from a shell."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from typer.testing import CliRunner

from monitor.cli import app
from monitor.domain import SubscriberStatus
from monitor.store.engine import Database
from monitor.store.subscribers import SubscriberRepo
from tests.conftest import NOW

runner = CliRunner()


@pytest.fixture
def requests(db_url: str, clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    async def seed() -> None:
        db = Database.open(db_url)
        try:
            repo = SubscriberRepo(db)
            for uid, name in ((501, "Оксана"), (502, "Taras")):
                await repo.register(
                    uid, username=f"u{uid}", display_name=name, is_admin=False,
                    timezone="UTC", now=NOW,
                )  # fmt: skip
        finally:
            await db.close()

    asyncio.run(seed())
    monkeypatch.setenv("DATABASE_URL", db_url)
    return clean_env


def test_list_approve_deny(requests: Path, db_url: str) -> None:
    listed = runner.invoke(app, ["users", "list", "--pending"])
    assert listed.exit_code == 0
    assert listed.output.splitlines() == [
        "501  Оксана @u501: analyst, pending",
        "502  Taras @u502: analyst, pending",
    ]
    approved = runner.invoke(app, ["users", "approve", "501"])
    assert approved.exit_code == 0
    assert approved.output.startswith("Approved 501  Оксана @u501: analyst, approved.")
    denied = runner.invoke(app, ["users", "deny", "@u502"])
    assert denied.output.startswith("Denied 502  Taras @u502: analyst, denied.")
    again = runner.invoke(app, ["users", "approve", "502"])
    assert again.exit_code == 2
    assert "already decided, nothing changed" in again.output
    unknown = runner.invoke(app, ["users", "approve", "999"])
    assert unknown.exit_code == 2
    assert "No user 999 has written to the bot" in unknown.output
    assert runner.invoke(app, ["users", "list", "--pending"]).output == "Nobody.\n"

    async def status() -> SubscriberStatus:
        db = Database.open(db_url)
        try:
            return (await SubscriberRepo(db).get_subscriber(501)).status
        finally:
            await db.close()

    assert asyncio.run(status()) is SubscriberStatus.APPROVED
