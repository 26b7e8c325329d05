"""Benchmark: the alert outbox without Telegram — the cost the save hook adds to saving posts, and
planning + rendering throughput of the delivery worker (rate limits off, a null sender).

Run: .venv/bin/python bench/outbox.py [--subscribers 500] [--posts 50]
Baseline in the same run: the same posts saved without the hook.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor.alerts.planning import BurstPolicy, make_expression_hits
from monitor.alerts.worker import DeliveryConfig, DeliveryWorker
from monitor.clock import SystemClock
from monitor.domain import Channel, Post, SubscriberStatus, SubscriptionKind
from monitor.matching import compile_matcher, load_default_packs
from monitor.store import migrate
from monitor.store.channels import ChannelRepo
from monitor.store.deliveries import DeliveryRepo
from monitor.store.engine import Database
from monitor.store.outbox import make_outbox_hook
from monitor.store.posts import PostRepo
from monitor.store.subscribers import SubscriberRepo

START = datetime(2024, 11, 25, 9, 0, tzinfo=UTC)


class NullSender:
    """Accepts everything at once: measures our side only."""

    def __init__(self) -> None:
        self.sent = 0

    async def send(self, chat_id: int, html: str, *, random_id: int, buttons: object = ()) -> int:
        self.sent += 1
        return self.sent

    async def edit(self, chat_id: int, message_id: int, html: str, buttons: object = ()) -> None:
        return None


def story(n: int) -> str:
    codes = " ".join(str(n * p) for p in (7919, 104729, 1299709))
    return f"Сводка {n}: в Мелитополе раздают повестки мужчинам у рынка. Номер {codes}"


async def setup(url: str, subscribers: int) -> Database:
    db = Database.open(url)
    repo = SubscriberRepo(db)
    for channel_id in (1, 2):
        await ChannelRepo(db).upsert_channel(
            Channel(
                telegram_id=channel_id, title=f"Канал {channel_id}", username=f"chan{channel_id}"
            ),
            now=START - timedelta(days=1),
        )
    for user in range(1, subscribers + 1):
        sub = await repo.register(
            user, username=None, display_name=f"A{user}", is_admin=False, timezone="UTC", now=START
        )
        assert sub.id is not None
        await repo.set_status(user, SubscriberStatus.APPROVED)
        await repo.save_subscription(sub.id, SubscriptionKind.CATEGORY, "summons", [], now=START)
    return db


async def save_all(db: Database, channel_id: int, posts: int, *, hook: bool) -> float:
    matcher = compile_matcher(load_default_packs())
    hooks = [make_outbox_hook(make_expression_hits())] if hook else []
    repo = PostRepo(db)
    started = time.perf_counter()
    for n in range(1, posts + 1):
        post = Post(channel_id, n, date=START, text=story(n + 1000 * channel_id))
        await repo.save_posts(
            channel_id, [post], now=START, find_hits=matcher.find_hits, hooks=hooks
        )
    return time.perf_counter() - started


async def deliver_all(db: Database) -> tuple[float, int, int]:
    sender = NullSender()
    config = DeliveryConfig(
        overall_per_s=1e9, per_chat_per_s=1e9, burst=BurstPolicy(), max_messages_per_cycle=1000
    )
    worker = DeliveryWorker(DeliveryRepo(db), sender, SystemClock(), config)
    started = time.perf_counter()
    while await worker.run_once():
        pass
    counts = await DeliveryRepo(db).count_alerts()
    return time.perf_counter() - started, sender.sent, sum(counts.values())


async def main(subscribers: int, posts: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        await asyncio.to_thread(migrate.upgrade, url)  # Alembic's env runs its own event loop
        db = await setup(url, subscribers)
        try:
            baseline = await save_all(db, 1, posts, hook=False)
            hooked = await save_all(db, 2, posts, hook=True)
            elapsed, messages, alerts = await deliver_all(db)
        finally:
            await db.close()
    print(
        f"machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}"
    )
    print(f"{subscribers} subscribers, {posts} matching posts")
    print(f"save without hook (baseline): {baseline / posts * 1000:.1f} ms/post")
    print(f"save with outbox hook:        {hooked / posts * 1000:.1f} ms/post ({alerts} alerts)")
    print(
        f"plan + render + record, null sender: {alerts} alerts in {messages} messages, "
        f"{elapsed:.2f} s ({messages / elapsed:.0f} messages/s, {alerts / elapsed:.0f} alerts/s)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subscribers", type=int, default=500)
    parser.add_argument("--posts", type=int, default=50)
    args = parser.parse_args()
    asyncio.run(main(args.subscribers, args.posts))
