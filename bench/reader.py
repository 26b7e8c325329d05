"""Benchmark: the reader polling 200 sandbox channels — cycle time, requests per cycle, RSS over a long run.

Run: .venv/bin/python bench/reader.py [--channels 200] [--cycles 30]
Baseline in the same run: the same polls through Telethon's own iter_messages(reverse=True).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from monitor.clock import SystemClock
from monitor.domain import Channel
from monitor.matching import compile_matcher, load_default_packs
from monitor.reader.collector import Collector, PollConfig
from monitor.reader.ingest import Ingest
from monitor.reader.polling import IntervalPolicy
from monitor.sandbox.api import Sandbox
from monitor.store import migrate
from monitor.store.channels import ChannelRepo
from monitor.store.engine import Database
from monitor.store.posts import PostRepo
from monitor.telegram.convert import posts_from_messages
from monitor.telegram.reader import ChannelReader, input_peer

BUDGET = 2400
FEEDS = Path(__file__).resolve().parents[1] / "monitor" / "sandbox" / "feeds" / "ru-news-channels"


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def texts() -> list[str]:
    out: list[str] = []
    for path in sorted(FEEDS.glob("*.json")):
        out += [p["text"] for p in json.loads(path.read_text(encoding="utf-8")) if p["text"]]
    return out


async def main(channels_n: int, cycles: int) -> None:
    corpus = texts()
    workdir = Path(tempfile.mkdtemp(prefix="bench-reader-"))
    url = f"sqlite+aiosqlite:///{workdir / 'archive.db'}"
    await asyncio.to_thread(migrate.upgrade, url)  # Alembic's env.py runs its own event loop
    db = Database.open(url)
    async with Sandbox() as tg:
        account = tg.create_user("+380500000001", first_name="Bench")
        client = await tg.login(account, str(workdir / "reader.session"))
        channels = [tg.create_channel(f"bench_{i:03d}", f"Канал {i}") for i in range(channels_n)]
        repo = ChannelRepo(db)
        for ch in channels:
            await repo.upsert_channel(
                Channel(
                    telegram_id=ch.id,
                    access_hash=tg.access_hash(ch, account),
                    username=ch.username,
                    title=ch.title,
                ),
                now=datetime.now(UTC),
            )
        posts = PostRepo(db)
        matcher = compile_matcher(load_default_packs())
        config = PollConfig(
            requests_per_minute=BUDGET,  # under the sandbox's default 3000 getHistory/min
            policy=IntervalPolicy(minimum_s=1, maximum_s=1, jitter=0.0),
            initial_interval_s=1,
            backfill_days=0,
            backfill_limit=0,
            recheck_hours=48,
        )
        collector = Collector(
            ChannelReader(client),
            repo,
            posts,
            Ingest(posts, matcher.find_hits),
            config,
            SystemClock(),
        )
        rss_start = rss_mb()
        times: list[float] = []
        n = 0
        for _cycle in range(cycles):
            for ch in channels:
                for _ in range(2):
                    tg.post(ch, corpus[n % len(corpus)])
                    n += 1
            for ch in await repo.list_channels():  # every channel due now
                await repo.record_poll(
                    ch.telegram_id, now=datetime.now(UTC), next_poll_at=datetime.now(UTC)
                )
            calls = tg.calls("messages.getHistory")
            started = time.perf_counter()
            report = await collector.poll_cycle()
            times.append(time.perf_counter() - started)
            per_cycle_calls = tg.calls("messages.getHistory") - calls
            assert report.polled == channels_n, report
        rss_end = rss_mb()

        # Baseline: Telethon's iterator for the same kind of poll (one new post per channel).
        for ch in channels:
            tg.post(ch, corpus[n % len(corpus)])
            n += 1
        stored = await repo.list_channels()
        calls = tg.calls("messages.getHistory")
        started = time.perf_counter()
        for ch in stored:
            msgs = [
                m
                async for m in client.iter_messages(
                    input_peer(ch), min_id=ch.last_seen_id, reverse=True
                )
            ]
            posts_from_messages(ch.telegram_id, msgs)
        baseline_s = time.perf_counter() - started
        baseline_calls = tg.calls("messages.getHistory") - calls
        flood = tg.flood_waits()
        await client.disconnect()
    await db.close()

    times.sort()
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"channels: {channels_n}, cycles: {cycles}, posts stored: {n - channels_n}")
    print(
        f"cycle time at {BUDGET} requests/min: median {times[len(times) // 2]:.2f} s, max {times[-1]:.2f} s "
        f"= {channels_n / times[len(times) // 2]:.0f} channel polls/s incl. storing and matching"
    )
    print(
        f"requests per cycle: draftwatch {per_cycle_calls} getHistory; baseline iter_messages {baseline_calls} "
        f"({baseline_calls / per_cycle_calls:.1f}x), baseline fetch-only time {baseline_s:.2f} s"
    )
    default_rpm = 60
    print(
        f"cycle time at the default budget ({default_rpm}/min, burst 10): {(channels_n - 10) * 60 / default_rpm:.0f} s "
        f"for {channels_n} channels"
    )
    print(f"FLOOD_WAITs sent by the sandbox: {flood}")
    print(
        f"RSS: {rss_start:.0f} MB after set-up, {rss_end:.0f} MB after {cycles} cycles (+{rss_end - rss_start:.0f} MB)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--channels", type=int, default=200)
    parser.add_argument("--cycles", type=int, default=10)
    args = parser.parse_args()
    asyncio.run(main(args.channels, args.cycles))
