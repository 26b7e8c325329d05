"""The bot end to end: the real Telethon bot client and analysts through the sandbox, the real
reader (Collector) feeding a migrated archive with the outbox hook, the real pattern packs."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from telethon import TelegramClient, events

from monitor.alerts.worker import DeliveryConfig
from monitor.app import (
    BotRuntime,
    ReaderService,
    media_alert_hook,
    reader_bot,
    reader_service,
    save_hooks,
)
from monitor.clock import SystemClock
from monitor.config import Settings
from monitor.domain import SubscriberStatus, SubscriptionKind
from monitor.matching import Matcher
from monitor.reader.channel_ref import parse_channel_ref
from monitor.reader.collector import Collector
from monitor.sandbox.api import API_HASH, API_ID, Sandbox
from monitor.sandbox.world import Account
from monitor.sandbox.world import Channel as SandboxChannel
from monitor.store.deliveries import DeliveryRepo
from monitor.store.engine import Database
from monitor.store.posts import PostRepo
from monitor.store.subscribers import SubscriberRepo
from tests.e2e.conftest import FAST

BOT_USERNAME = "draftwatch_test_bot"


async def eventually(check: Callable[[], bool], *, within: float = 15.0, what: str = "") -> float:
    """Wait until `check()` holds; returns the seconds it took, fails after `within` seconds."""
    start = time.monotonic()
    while not check():
        if time.monotonic() - start > within:
            raise AssertionError(f"timed out after {within} s waiting for {what or check}")
        await asyncio.sleep(0.02)
    return time.monotonic() - start


@dataclass
class Analyst:
    """A real Telethon user client that writes to the bot and records what it receives."""

    account: Account
    client: TelegramClient
    inbox: list[tuple[float, str, Any]] = field(default_factory=list)

    @classmethod
    async def login(
        cls, sandbox: Sandbox, phone: str, name: str, account: Account | None = None
    ) -> Analyst:
        account = account or sandbox.create_user(phone, first_name=name, username=name.lower())
        client = await sandbox.login(account)
        analyst = cls(account, client)

        async def on_message(event: Any) -> None:
            analyst.inbox.append((time.monotonic(), event.raw_text, event.message))

        client.add_event_handler(on_message, events.NewMessage(incoming=True))
        return analyst

    async def say(self, text: str) -> None:
        await self.client.send_message(BOT_USERNAME, text)

    def texts(self) -> list[str]:
        return [text for _, text, _ in self.inbox]


@dataclass
class BotStack:
    sandbox: Sandbox
    database: Database
    matcher: Matcher
    bot_account: Account
    admin: Account
    settings: Settings
    reader: ReaderService
    runtime: BotRuntime
    task: asyncio.Task[None]
    delivery: DeliveryConfig
    _reader_scope: AsyncExitStack
    _bot_scope: AsyncExitStack

    @property
    def collector(self) -> Collector:
        return self.reader.collector

    @property
    def deliveries(self) -> DeliveryRepo:
        return DeliveryRepo(self.database)

    async def analysts(self, count: int, *subscriptions: str) -> list[Analyst]:
        """Approved analysts with real clients, each subscribed (category names), known to the bot."""
        repo = SubscriberRepo(self.database)
        out = []
        for n in range(count):
            name = f"Analyst{n}"
            account = self.sandbox.create_user(
                f"+38063{n:07d}", first_name=name, username=f"a{n}_x"
            )
            sub = await repo.register(
                account.id, username=account.username, display_name=name, is_admin=False,
                timezone="Europe/Kyiv", now=datetime.now(UTC),
            )  # fmt: skip
            assert sub.id is not None
            await repo.set_status(account.id, SubscriberStatus.APPROVED)
            for category in subscriptions:
                await repo.save_subscription(
                    sub.id, SubscriptionKind.CATEGORY, category, [], now=datetime.now(UTC)
                )
            analyst = await Analyst.login(self.sandbox, "", name, account=account)
            await analyst.say("/start")
            out.append(analyst)
        for analyst in out:
            await eventually(lambda a=analyst: bool(a.inbox), what="welcome")  # type: ignore[misc]
        return out

    async def watch(self, username: str, title: str, *, join: bool = False) -> SandboxChannel:
        channel = self.sandbox.create_channel(username, title)
        watched, _ = await self.collector.add(parse_channel_ref(f"@{username}"))
        if join:  # its posts then arrive live, without waiting for a poll
            await self.collector.reader.join(watched)
        return channel

    async def read(self, channel: SandboxChannel, message_id: int) -> None:
        """Poll until the reader has stored this post (a channel is polled when it is due)."""
        posts = PostRepo(self.database)
        for _ in range(100):
            await self.collector.poll_cycle()
            if await posts.find_post(channel.id, message_id) is not None:
                return
            await asyncio.sleep(0.1)
        raise AssertionError(f"post {message_id} of @{channel.username} was never stored")

    async def restart(self, tmp_path: Path, *, admin_ids: tuple[int, ...]) -> None:
        """Stop the bot and start it again on the same session and archive, as a new process
        with other settings (ADMIN_IDS) would."""
        await self._stop_bot()
        self.settings = replace(self.settings, admin_ids=admin_ids)
        self._bot_scope = AsyncExitStack()
        self.runtime, self.task = await _start_bot(
            self._bot_scope, self.reader, self.settings, self.matcher, self.delivery
        )

    async def _stop_bot(self) -> None:
        self.task.cancel()
        await self.runtime.stop()
        await asyncio.gather(self.task, return_exceptions=True)
        await self._bot_scope.aclose()

    async def stop(self) -> None:
        await self._stop_bot()
        await self._reader_scope.aclose()


async def _start_bot(
    scope: AsyncExitStack,
    reader: ReaderService,
    settings: Settings,
    matcher: Matcher,
    delivery: DeliveryConfig,
) -> tuple[BotRuntime, asyncio.Task[None]]:
    """The bot beside the reader, as `run` starts it (monitor.app.reader_bot)."""
    runtime = await scope.enter_async_context(
        reader_bot(reader, settings, matcher, delivery=delivery)
    )
    return runtime, asyncio.create_task(runtime.run())


async def start_stack(
    sandbox: Sandbox,
    database: Database,
    matcher: Matcher,
    tmp_path: Path,
    *,
    delivery: DeliveryConfig | None = None,
    flood_wait_alert_s: int = 3600,
) -> BotStack:
    """Reader and bot built by monitor.app, as `run` builds them, on sessions logged in here."""
    bot_account = sandbox.create_bot(BOT_USERNAME)
    admin = sandbox.create_user("+380500000001", first_name="Admin", username="admin_user")
    reader_account = sandbox.create_user("+380500000002", first_name="Reader")
    reader_session = tmp_path / "reader.session"
    await (await sandbox.login(reader_account, str(reader_session))).disconnect()
    host, port = sandbox.address
    settings = Settings(
        api_id=API_ID,
        api_hash=API_HASH,
        telegram_server=f"{host}:{port}",
        telegram_server_key=sandbox.public_key_path,
        telegram_dc_id=sandbox.dc_id,
        reader_session=reader_session,
        bot_session=tmp_path / "bot.session",
        bot_token=bot_account.bot_token or "",
        admin_ids=(admin.id,),
        timezone="Europe/Kyiv",
        flood_wait_alert_s=flood_wait_alert_s,
        media_dir=tmp_path / "media",
    )
    reader_scope = AsyncExitStack()
    reader = await reader_scope.enter_async_context(
        reader_service(
            settings,
            SystemClock(),
            database,
            find_hits=matcher.find_hits,
            hooks=save_hooks(database),  # as `run` does
            poll=FAST,
            media_alerts=media_alert_hook(),
        )
    )
    delivery = delivery or DeliveryConfig(idle_s=0.1)
    bot_scope = AsyncExitStack()
    try:
        runtime, task = await _start_bot(bot_scope, reader, settings, matcher, delivery)
    except BaseException:
        await reader_scope.aclose()
        raise
    return BotStack(
        sandbox, database, matcher, bot_account, admin, settings, reader,
        runtime, task, delivery, reader_scope, bot_scope,
    )  # fmt: skip
