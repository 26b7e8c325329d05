"""`python bot.py run` with two reader accounts: the pool reads every channel; a banned account's
channels are read by the other, and the archive shows the account dead."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.app import run_service
from monitor.clock import SystemClock
from monitor.domain import Channel
from monitor.reader.accounts import account_session
from monitor.reader.health import status_path
from monitor.sandbox.api import Sandbox
from monitor.sandbox.world import Account
from monitor.store.accounts import AccountRepo
from monitor.store.channels import ChannelRepo
from monitor.store.engine import Database
from monitor.store.posts import PostRepo
from monitor.telegram.login import private_session_path
from tests.e2e.test_service import _eventually, service_settings


@pytest.mark.parametrize("with_bot", [False, True], ids=["reader-only", "with-bot"])
async def test_run_with_two_accounts_survives_a_ban(
    sandbox: Sandbox, database: Database, db_url: str, tmp_path: Path, with_bot: bool
) -> None:
    # One username look-up a second per account: the handed-over channels are looked up again
    # quickly (the default, 30 an hour, would spread them over minutes).
    settings = replace(
        service_settings(sandbox, db_url, tmp_path / "data" / "reader.session"),
        resolves_per_hour=3600,
    )
    bot = sandbox.create_bot("draftwatch_pool_bot")
    admin = sandbox.create_user("+380502000099", first_name="Admin")
    if with_bot:
        assert bot.bot_token is not None
        settings = replace(
            settings,
            bot_token=bot.bot_token,
            bot_session=tmp_path / "bot.session",
            admin_ids=(admin.id,),
        )
    users = {
        "default": sandbox.create_user("+380502000001", first_name="Reader"),
        "lviv": sandbox.create_user("+380502000002", first_name="Lviv"),
    }
    for name, user in users.items():
        session = private_session_path(account_session(settings.reader_session, name))
        client = await sandbox.login(user, str(session))
        await client.disconnect()
    channels = [sandbox.create_channel(f"zaporizhzhia_{i}", f"Запорожье {i}") for i in range(6)]
    for channel in channels:  # watched, never resolved: each account resolves its own share
        await ChannelRepo(database).upsert_channel(
            Channel(telegram_id=channel.id, username=channel.username, title=channel.title),
            now=datetime.now(UTC),
        )
        sandbox.post(channel, "Сводка")
    posts = PostRepo(database)

    async def each_has(n: int) -> bool:
        return all([await posts.count_posts(c.id) >= n for c in channels])

    stop = asyncio.Event()
    task = asyncio.create_task(run_service(settings, SystemClock(), stop))
    try:
        await _eventually(lambda: each_has(1), 30)
        if with_bot:  # the admin writes first, so that the bot may write to them
            sandbox.send_private(admin, bot, "/start")
            await _eventually(lambda: _answered(sandbox, admin, bot), 15)
        sandbox.ban(users["lviv"])
        for channel in channels:
            sandbox.post(channel, "Повестки раздают у вокзала")
        await _eventually(lambda: each_has(2), 30)
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)
    health = {h.name: h for h in await AccountRepo(database).list_health()}
    assert health["lviv"].state == "dead"
    assert health["lviv"].reason == "UserDeactivatedBanError"
    assert health["default"].state == "healthy"
    assert health["default"].user == "Reader"
    assert json.loads(status_path(settings).read_text(encoding="utf-8"))["state"] == "stopped"
    assert all([await posts.count_posts(c.id) == 2 for c in channels])
    told = [m.text for m in sandbox.received_by(admin, bot)]
    lost = [t for t in told if t.startswith("🔁 Reader account lviv stopped")]
    assert len(lost) == (1 if with_bot else 0), told
    if with_bot:
        assert lost[0].startswith("🔁 Reader account lviv stopped (UserDeactivatedBanError); its ")
        assert lost[0].endswith(
            "channels moved to the other accounts. If its session died: "
            "python bot.py login --account lviv"
        )


async def _answered(sandbox: Sandbox, admin: Account, bot: Account) -> bool:
    """The bot answered the admin (it knows them now)."""
    return len(sandbox.received_by(admin, bot)) > 0
