"""Alerts keep flowing while another process holds the archive's write lock (an import beside
`run`): every writer waits its turn, no background task dies, every alert is delivered once."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from monitor.domain import AlertStatus
from monitor.matching import Matcher
from monitor.sandbox.api import Sandbox
from monitor.store import engine
from monitor.store.engine import Database
from tests.e2e.bot_stack import BotStack, eventually, start_stack

SUMMONS = (
    "В Мелитополе мужчинам вручают повестки прямо на улице у рынка",
    "В Энергодаре раздают повестки на блокпосту, мужчин везут в военкомат",
    "Повестки в Бердянске: ходят по квартирам с участковым",
)
HOLD_S = 1.2  # each write transaction of the other process: longer than the busy timeout below


@pytest.fixture
async def stack(
    sandbox: Sandbox,
    database: Database,
    matcher: Matcher,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[BotStack]:
    # A busy timeout far shorter than 15 s, so that a few seconds of someone else's lock show
    # what a long import did (the archive's connections are opened after this, by the stack).
    monkeypatch.setattr(engine, "SQLITE_BUSY_TIMEOUT_MS", 200)
    stack = await start_stack(sandbox, database, matcher, tmp_path)
    yield stack
    await stack.stop()


async def hold_write_lock(url: str, times: int) -> None:
    """A second process, as an import is: write transactions back to back, each held HOLD_S."""
    other = Database.open(url)
    try:
        for _ in range(times):
            async with other.write.begin() as session:
                await session.execute(text("UPDATE channels SET title = title"))
                await asyncio.sleep(HOLD_S)
    finally:
        await other.close()


async def test_alerts_are_delivered_while_another_process_holds_the_write_lock(
    sandbox: Sandbox, database: Database, stack: BotStack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    analysts = await stack.analysts(2, "summons")
    channel = await stack.watch("melitopol_now", "Мелитополь сейчас")
    holder = asyncio.create_task(hold_write_lock(database.url, times=3))
    await asyncio.sleep(0.1)  # the other process has the lock: the worker's next plan waits
    for text_ in SUMMONS:  # saved by the poll while the lock is held: the save waits too
        await stack.read(channel, sandbox.post(channel, text_))
    await holder
    for analyst in analysts:
        await eventually(
            lambda a=analyst: sum(t.startswith(("🔔", "📦")) for t in a.texts()) >= 1,  # type: ignore[misc]
            what="the alerts",
        )
    assert not stack.task.done()  # the bot itself never stopped
    for _ in range(100):
        counts = await stack.deliveries.count_alerts()
        if counts[AlertStatus.PENDING] == 0:
            break
        await asyncio.sleep(0.1)
    assert counts[AlertStatus.SENT] == len(SUMMONS) * len(analysts)
    assert counts[AlertStatus.PENDING] == 0
    assert "still waiting" in caplog.text  # the writers did wait for the other process
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_a_worker_that_dies_is_restarted_and_the_admin_is_told_once(
    sandbox: Sandbox,
    database: Database,
    stack: BotStack,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(engine, "WRITE_PATIENCE_S", 0.5)  # the worker gives up, and dies
    sandbox.send_private(stack.admin, stack.bot_account, "/start")
    [analyst] = await stack.analysts(1, "summons")
    channel = await stack.watch("melitopol_now", "Мелитополь сейчас")

    def notices() -> list[str]:
        return [
            m.text
            for m in sandbox.received_by(stack.admin, stack.bot_account)
            if "failed" in m.text
        ]

    await hold_write_lock(database.url, times=3)
    await eventually(lambda: bool(notices()), what="the admin's notice")
    for text_ in SUMMONS:
        await stack.read(channel, sandbox.post(channel, text_))
    await eventually(
        lambda: sum(t.startswith(("🔔", "📦")) for t in analyst.texts()) >= 1,
        what="the alerts, sent by the restarted worker",
    )
    [notice] = notices()  # once for the streak, however many times it failed
    assert notice.startswith("⚠️ draftwatch's delivery worker failed: ArchiveBusyError: the archive")
    assert "restarted in 1 s" in notice
    assert "Traceback" not in notice
    assert "task failed task=delivery worker failures=1" in caplog.text
    assert not stack.task.done()
