"""Benchmark: one poll cycle of N sandbox channels over M reader accounts (the pool), with the
sandbox's rate rules in force: cycle time, FLOOD_WAITs (must be 0), memory per 1,000 channels.

Run: .venv/bin/python bench/accounts.py [--channels 5000] [--accounts 10]
Baseline in the same run: one account alone over its share (N / M channels).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

from monitor.clock import SystemClock
from monitor.config import Settings
from monitor.domain import Channel
from monitor.pool_service import reader_pool
from monitor.reader.accounts import account_session, assign
from monitor.reader.collector import PollConfig
from monitor.reader.polling import IntervalPolicy
from monitor.reader.pool import PoolConfig
from monitor.sandbox.api import API_HASH, API_ID, Sandbox
from monitor.sandbox.world import Channel as SandboxChannel
from monitor.store import migrate
from monitor.store.accounts import AccountRepo
from monitor.store.channels import ChannelRepo
from monitor.store.engine import Database
from monitor.telegram.login import private_session_path

PER_ACCOUNT = 2400  # history reads per minute per account: under the sandbox's 3000/min
POLL = PollConfig(
    requests_per_minute=PER_ACCOUNT,
    policy=IntervalPolicy(minimum_s=1, maximum_s=1, jitter=0.0),
    initial_interval_s=1,
    backfill_days=0,
    backfill_limit=0,
    recheck_hours=48,
)


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def not_sandbox(snapshot: tracemalloc.Snapshot) -> int:
    """Bytes allocated by everything but the in-process sandbox (the reader side's memory)."""
    keep = snapshot.filter_traces([tracemalloc.Filter(False, "*/monitor/sandbox/*")])
    return sum(s.size for s in keep.statistics("filename"))


async def one_cycle(
    tg: Sandbox, db: Database, settings: Settings, names: list[str], *, trace: bool
) -> tuple[float, int, int, float]:
    """(cycle seconds, channels polled, getHistory calls, reader-side MB) for the pool of `names`."""
    channels = await ChannelRepo(db).list_channels()
    now = datetime.now(UTC)
    for channel in channels:
        await ChannelRepo(db).record_poll(channel.telegram_id, now=now, next_poll_at=now)
    if trace:
        tracemalloc.start()
        before = not_sandbox(tracemalloc.take_snapshot())
    async with reader_pool(
        settings,
        SystemClock(),
        db,
        find_hits=lambda text: [],
        poll=POLL,
        pool=PoolConfig(resolves_per_hour=30),
        names=names,
    ) as pool:
        await pool.assign()
        for name in names:  # only the channels of these accounts
            pool.members[name].view.owned &= {c.telegram_id for c in channels}
        calls = tg.calls("messages.getHistory")
        started = time.perf_counter()
        report = await pool.poll_cycle()
        elapsed = time.perf_counter() - started
        used = 0.0
        if trace:
            used = (not_sandbox(tracemalloc.take_snapshot()) - before) / 2**20
            tracemalloc.stop()
        return elapsed, report.polled, tg.calls("messages.getHistory") - calls, used


async def prepare(
    tg: Sandbox, workdir: Path, channels_n: int, names: list[str]
) -> tuple[Database, Settings, list[SandboxChannel]]:
    url = f"sqlite+aiosqlite:///{workdir / 'archive.db'}"
    await asyncio.to_thread(migrate.upgrade, url)
    db = Database.open(url)
    host, port = tg.address
    settings = Settings(
        api_id=API_ID,
        api_hash=API_HASH,
        reader_session=workdir / "reader.session",
        database_url=url,
        telegram_server=f"{host}:{port}",
        telegram_server_key=tg.public_key_path,
        telegram_dc_id=tg.dc_id,
    )
    users = {}
    for i, name in enumerate(names):
        users[name] = tg.create_user(f"+38050{i:07d}", first_name=name)
        session = private_session_path(account_session(settings.reader_session, name))
        await (await tg.login(users[name], str(session))).disconnect()
    made = [tg.create_channel(f"bench_{i:05d}", f"Канал {i}") for i in range(channels_n)]
    rows = [Channel(telegram_id=c.id, title=c.title, username=c.username) for c in made]
    owners = assign(rows, names)
    repo, accounts = ChannelRepo(db), AccountRepo(db)
    now = datetime.now(UTC)
    for made_channel, row in zip(made, rows, strict=True):
        # Known channels (resolved earlier, each by its own account): the cycle needs no resolve.
        owner = owners[row.telegram_id]
        await repo.upsert_channel(row, now=now)
        await accounts.save_peer(owner, row.telegram_id, tg.access_hash(made_channel, users[owner]))
        tg.post(made_channel, "Утренняя сводка")
        tg.post(made_channel, "Повестки вручают у проходной")
    return db, settings, made


async def main(channels_n: int, accounts_n: int) -> None:
    names = ["default", *(f"acc{i}" for i in range(1, accounts_n))]
    workdir = Path(tempfile.mkdtemp(prefix="bench-accounts-"))
    async with Sandbox() as tg:
        db, settings, made = await prepare(tg, workdir, channels_n, names)
        rss_before = rss_mb()
        elapsed, polled, calls, _ = await one_cycle(tg, db, settings, names, trace=False)
        rss_after = rss_mb()
        floods = tg.flood_waits()
        for channel in made:
            tg.post(channel, "Вечерняя сводка")
        _, _, _, traced = await one_cycle(tg, db, settings, names, trace=True)
        for channel in made:
            tg.post(channel, "Ночная сводка")
        # Baseline: the first account alone over its own share, in the same run.
        base_elapsed, base_polled, _, _ = await one_cycle(tg, db, settings, names[:1], trace=False)
        floods = tg.flood_waits()
        await db.close()
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    print(f"channels: {channels_n} over {accounts_n} accounts, {PER_ACCOUNT} reads/min each")
    print(
        f"one cycle: {elapsed:.1f} s, {polled} polled, {calls} messages.getHistory, "
        f"FLOOD_WAIT over the whole run: {floods}"
    )
    print(
        f"baseline: one account alone over its share: {base_polled} polled in {base_elapsed:.1f} s"
    )
    per_k = 1000 / channels_n
    print(
        f"memory per 1,000 channels: reader side (tracemalloc, sandbox excluded) "
        f"{traced * per_k:.1f} MB; process RSS growth over the cycle {(rss_after - rss_before) * per_k:.1f} MB"
    )
    assert polled == channels_n, f"only {polled} of {channels_n} polled"
    assert floods == 0, f"{floods} FLOOD_WAITs"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--channels", type=int, default=5000)
    parser.add_argument("--accounts", type=int, default=10)
    args = parser.parse_args()
    asyncio.run(main(args.channels, args.accounts))
