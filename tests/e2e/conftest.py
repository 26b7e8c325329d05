"""End-to-end fixtures: the real Telethon reader client through the sandbox, a real migrated archive."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from telethon import TelegramClient

from monitor.clock import SystemClock
from monitor.domain import Hit, Span
from monitor.matching import Matcher, compile_matcher, load_default_packs
from monitor.reader.collector import Collector, PollConfig
from monitor.reader.ingest import Ingest
from monitor.reader.polling import IntervalPolicy
from monitor.sandbox.api import Sandbox
from monitor.sandbox.world import Account
from monitor.store.channels import ChannelRepo
from monitor.store.engine import Database
from monitor.store.posts import PostRepo
from monitor.telegram.reader import ChannelReader

if TYPE_CHECKING:
    from tests.e2e.bot_stack import BotStack

READER_PHONE = "+380501112233"


def summons_hits(text: str) -> Sequence[Hit]:
    """A small matcher of our own for reader tests (the real packs are tested in tests/matching)."""
    start = text.lower().find("повестк")
    if start < 0:
        return []
    return [Hit("summons.test", "summons", (Span(start, start + 8, text[start : start + 8]),))]


FAST = PollConfig(
    requests_per_minute=6000,
    policy=IntervalPolicy(minimum_s=1, maximum_s=60, jitter=0.0),
    initial_interval_s=1,
    backfill_days=30,
    backfill_limit=500,
    recheck_hours=48,
)


@dataclass
class ReaderStack:
    """One run of the reader: a logged-in client and a collector over the archive."""

    sandbox: Sandbox
    database: Database
    session_path: Path
    account: Account
    config: PollConfig = FAST
    client: TelegramClient | None = None
    collector: Collector | None = None
    clients: list[TelegramClient] = field(default_factory=list)

    async def start(self) -> Collector:
        """(Re)start: a fresh client on the same session file, a fresh collector on the same archive."""
        await self.stop()
        self.client = await self.sandbox.login(self.account, str(self.session_path))
        posts = PostRepo(self.database)
        self.collector = Collector(
            ChannelReader(self.client),
            ChannelRepo(self.database),
            posts,
            Ingest(posts, summons_hits),
            self.config,
            SystemClock(),
        )
        return self.collector

    async def stop(self) -> None:
        if self.client is not None and self.client.is_connected():
            await self.client.disconnect()
        self.client = None

    @property
    def posts(self) -> PostRepo:
        return PostRepo(self.database)

    @property
    def channels(self) -> ChannelRepo:
        return ChannelRepo(self.database)


@pytest.fixture
async def reader(
    sandbox: Sandbox, database: Database, tmp_path: Path
) -> AsyncIterator[ReaderStack]:
    account = sandbox.create_user(READER_PHONE, first_name="Reader")
    stack = ReaderStack(sandbox, database, tmp_path / "reader.session", account)
    await stack.start()
    try:
        yield stack
    finally:
        await stack.stop()


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    """The default packs, compiled once per test module (compiling takes about 0.7 s)."""
    return compile_matcher(load_default_packs())


@pytest.fixture
async def stack(
    sandbox: Sandbox, database: Database, matcher: Matcher, tmp_path: Path
) -> AsyncIterator[BotStack]:
    """Reader, bot and delivery worker through the sandbox, as `run` wires them."""
    from tests.e2e.bot_stack import start_stack  # bot_stack imports this module's FAST

    stack = await start_stack(sandbox, database, matcher, tmp_path)
    try:
        yield stack
    finally:
        await stack.stop()
