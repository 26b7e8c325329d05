"""SIGKILL the bot process 20 times during delivery, restarting it each time: afterwards every
subscriber has every alert exactly once, by the sandbox's record (slow: about a minute)."""

from __future__ import annotations

import asyncio
import logging
import os
import random
import signal
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.alerts.planning import make_expression_hits
from monitor.domain import AlertStatus, Channel, Post, SubscriberStatus, SubscriptionKind
from monitor.matching import Matcher
from monitor.sandbox.api import API_HASH, API_ID, Sandbox
from monitor.sandbox.world import Account
from monitor.store.channels import ChannelRepo
from monitor.store.deliveries import DeliveryRepo
from monitor.store.engine import Database
from monitor.store.outbox import make_outbox_hook
from monitor.store.posts import PostRepo
from monitor.store.subscribers import SubscriberRepo
from tests.conftest import NOW
from tests.e2e.bot_stack import eventually

logger = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[2]
USERS = 30
KILLS = 20
POSTS_PER_ROUND = 2
CHANNEL = Channel(telegram_id=1_500_000_001, title="Мелитополь сейчас", username="melitopol_now")


def story(n: int) -> str:
    codes = " ".join(str(n * p) for p in (7919, 104729, 1299709, 15485863))
    return f"Сообщение {n}: в Мелитополе раздают повестки у рынка. Номер {codes}"


class BotProcess:
    """`python bot.py bot` (or other `args`) against the sandbox, as an operator would run it;
    `start` returns once a stderr line contains `ready`."""

    def __init__(
        self,
        env: dict[str, str],
        args: tuple[str, ...] = ("--env-file", "/nonexistent.env", "bot"),
        ready: str = "bot started",
    ) -> None:
        self.env = env
        self.args = args
        self.ready = ready
        self.process: asyncio.subprocess.Process | None = None
        self.log: list[str] = []
        self._drainer: asyncio.Future[None] | None = None

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "bot.py", *self.args,
            cwd=ROOT, env=self.env, stderr=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        assert self.process.stderr is not None
        async with asyncio.timeout(60):
            while True:
                line = (await self.process.stderr.readline()).decode()
                self.log.append(line)
                if not line:
                    raise AssertionError("bot exited:\n" + "".join(self.log[-30:]))
                if self.ready in line:
                    break
        self._drainer = asyncio.ensure_future(self._drain())

    async def _drain(self) -> None:
        assert self.process is not None
        assert self.process.stderr is not None
        while line := await self.process.stderr.readline():
            self.log.append(line.decode())

    async def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(sig)
            await self.process.wait()


async def _subscribers(database: Database, users: list[Account]) -> None:
    repo = SubscriberRepo(database)
    for user in users:
        sub = await repo.register(
            user.id, username=None, display_name=user.first_name, is_admin=False,
            timezone="Europe/Kyiv", now=NOW,
        )  # fmt: skip
        assert sub.id is not None
        await repo.set_status(user.id, SubscriberStatus.APPROVED)
        await repo.save_subscription(sub.id, SubscriptionKind.CATEGORY, "summons", [], now=NOW)


@pytest.mark.slow
@pytest.mark.timeout(600)  # 21 bot start-ups (imports, pack compilation) on a loaded 2-core CI
async def test_sigkill_during_delivery_20_times_every_alert_exactly_once(
    sandbox: Sandbox, database: Database, db_url: str, matcher: Matcher, tmp_path: Path
) -> None:
    bot = sandbox.create_bot("draftwatch_crash_bot")
    users = [sandbox.create_user(f"+38066{n:07d}", first_name=f"Analyst {n}") for n in range(USERS)]
    await _subscribers(database, users)
    await ChannelRepo(database).upsert_channel(CHANNEL, now=NOW)
    host, port = sandbox.address
    env = {
        **os.environ,
        "TELEGRAM_API_ID": str(API_ID),
        "TELEGRAM_API_HASH": API_HASH,
        "BOT_TOKEN": bot.bot_token or "",
        "BOT_SESSION": str(tmp_path / "bot.session"),
        "ADMIN_IDS": str(users[0].id),
        "DATABASE_URL": db_url,
        "TELEGRAM_SERVER": f"{host}:{port}",
        "TELEGRAM_SERVER_KEY": str(sandbox.public_key_path),
        "TELEGRAM_DC_ID": str(sandbox.dc_id),
        "LOG_LEVEL": "INFO",
    }
    process = BotProcess(env)
    try:
        await process.start()
        for user in users:  # they write first, so the bot knows them (as in real life)
            sandbox.send_private(user, bot, "/start")
        await eventually(
            lambda: all(sandbox.received_by(u, bot) for u in users), within=60, what="welcomes"
        )

        posts = PostRepo(database)
        hook = make_outbox_hook(make_expression_hits())
        links: list[str] = []
        rng = random.Random(6)
        for round_ in range(KILLS):
            batch = []
            for _ in range(POSTS_PER_ROUND):
                n = len(links) + 1
                batch.append(Post(CHANNEL.telegram_id, n, date=datetime.now(UTC), text=story(n)))
                links.append(CHANNEL.post_link(n))
            await posts.save_posts(
                CHANNEL.telegram_id, batch, now=datetime.now(UTC), find_hits=matcher.find_hits,
                hooks=[hook],
            )  # fmt: skip
            if round_:
                await process.start()
            await asyncio.sleep(rng.uniform(0.05, 1.5))
            await process.kill()

        await process.start()
        deliveries = DeliveryRepo(database)
        start = time.monotonic()
        while (await deliveries.count_alerts())[AlertStatus.PENDING]:
            assert time.monotonic() - start < 180, "delivery did not finish"
            await asyncio.sleep(0.5)
        await process.kill(signal.SIGTERM)

    finally:  # never leave a bot process behind, whatever failed
        if process.process is not None and process.process.returncode is None:
            await process.kill()

    counts = await deliveries.count_alerts()
    assert counts[AlertStatus.SENT] == USERS * len(links)
    for user in users:
        seen = Counter(
            url
            for m in sandbox.received_by(user, bot)
            for e in m.entities
            if (url := getattr(e, "url", None))
        )
        assert set(seen) == set(links), f"user {user.id} missed alerts"
        assert set(seen.values()) == {1}, f"user {user.id} got an alert twice: {seen}"
    assert sandbox.flood_waits() == 0
    duplicates = "".join(process.log).count("already delivered")
    messages = len(sandbox.sent_by(bot))
    print(
        f"\nCRASH {KILLS} kills, {USERS * len(links)} alerts, {messages} messages, "
        f"{duplicates} resends answered RANDOM_ID_DUPLICATE"
    )
