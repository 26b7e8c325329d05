"""200 channels polled within one cycle without a FLOOD_WAIT; the watchdog's reconnect."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from monitor.app import WATCHDOG_QUIET_S, reader_service
from monitor.clock import SystemClock
from monitor.domain import Channel
from monitor.reader.channel_ref import parse_channel_ref
from monitor.sandbox.api import Sandbox
from monitor.store.engine import Database
from tests.e2e.conftest import ReaderStack, summons_hits
from tests.e2e.test_service import service_settings

CHANNELS = 200


async def test_200_channels_are_each_polled_within_the_cycle_without_flood_wait(
    sandbox: Sandbox, reader: ReaderStack
) -> None:
    created = [sandbox.create_channel(f"region_{i:03d}", f"Регион {i}") for i in range(CHANNELS)]
    for channel in created:
        # Known channels (id and access hash in the archive): adding 200 needs no resolve at all.
        await reader.channels.upsert_channel(
            Channel(
                telegram_id=channel.id,
                access_hash=sandbox.access_hash(channel, reader.account),
                username=channel.username,
                title=channel.title,
            ),
            now=datetime.now(UTC),
        )
        sandbox.post(channel, "Утренняя сводка")
        sandbox.post(channel, "Повестки вручают у проходной завода")
    assert reader.collector is not None
    started = time.monotonic()
    report = await reader.collector.poll_cycle()
    elapsed = time.monotonic() - started
    assert report.polled == CHANNELS
    assert report.new_posts == 2 * CHANNELS
    assert report.new_hits == CHANNELS
    assert report.errors == 0
    assert sandbox.flood_waits() == 0
    assert sandbox.calls("contacts.resolveUsername") == 0
    polled = [c for c in await reader.channels.list_channels() if c.last_polled_at is not None]
    assert len(polled) == CHANNELS
    print(f"\n200-channel cycle: {elapsed:.2f} s, {CHANNELS / elapsed:.0f} channels/s")


async def test_watchdog_reconnects_after_a_quiet_spell_and_reading_goes_on(
    sandbox: Sandbox, reader: ReaderStack, database: Database, db_url: str
) -> None:
    channel = sandbox.create_channel("mariupol_now", "Мариуполь сейчас")
    await reader.stop()
    async with reader_service(
        service_settings(sandbox, db_url, reader.session_path),
        SystemClock(),
        database,
        find_hits=summons_hits,
    ) as service:
        collector = service.collector
        await collector.add(parse_channel_ref("@mariupol_now"))
        await service.watchdog()
        assert service.health.reconnects == 0  # not quiet: nothing to do
        collector.last_success = time.monotonic() - WATCHDOG_QUIET_S - 1
        await service.watchdog()
        assert service.health.reconnects == 1
        sandbox.post(channel, "После переподключения")
        stored = await reader.channels.get_channel(channel.id)
        report = await collector.poll_one(stored)
        assert report.new_posts == 1
