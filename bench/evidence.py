"""Benchmark: what evidence capture costs on the ingest rate, and `evidence export` / `verify`
of 10,000 posts.

Run: .venv/bin/python bench/evidence.py [--posts 10000] [--rounds 3]
Baseline in the same run: the same ingest (search index step, same texts, same raw messages)
without the capture step, on its own fresh archive, alternating rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor.domain import CaptureSource, Channel, Post, RawMessage
from monitor.evidence.export import EvidenceSources, export_bag
from monitor.evidence.notary import Notary
from monitor.evidence.verify import verify_bag
from monitor.reader.ingest import Ingest
from monitor.sandbox.tsa import start_tsa
from monitor.search.query import default_lemmatizer
from monitor.store import migrate
from monitor.store.channels import ChannelRepo
from monitor.store.engine import Database
from monitor.store.evidence import EvidenceRepo, evidence_step
from monitor.store.posts import PostRepo, SaveHook
from monitor.store.search import SearchRepo

FEEDS = Path(__file__).resolve().parents[1] / "monitor" / "sandbox" / "feeds" / "ru-news-channels"
CHANNEL = Channel(telegram_id=1001, title="Bench", username="bench_channel")
NOW = datetime(2026, 12, 1, tzinfo=UTC)
BATCH = 200  # as a poll page / an import batch


def texts() -> list[str]:
    out: list[str] = []
    for path in sorted(FEEDS.glob("*.json")):
        out += [p["text"] for p in json.loads(path.read_text(encoding="utf-8")) if p["text"]]
    return out


def posts(n: int, corpus: list[str]) -> list[Post]:
    """Posts with a raw message shaped like Telethon's to_dict() of a channel post."""
    out = []
    for i in range(1, n + 1):
        text = corpus[i % len(corpus)] + ("\nповестка" if i % 10 == 0 else "")
        date = NOW - timedelta(minutes=n - i)
        raw = {
            "_": "Message", "id": i, "peer_id": {"_": "PeerChannel", "channel_id": CHANNEL.telegram_id},
            "date": date.isoformat(), "message": text, "out": False, "mentioned": False,
            "media_unread": False, "silent": False, "post": True, "from_scheduled": False,
            "legacy": False, "edit_hide": False, "pinned": False, "noforwards": False,
            "views": 1000 + i, "forwards": 3, "replies": None, "edit_date": None,
            "post_author": None, "grouped_id": None, "reactions": None, "ttl_period": None,
            "entities": [{"_": "MessageEntityBold", "offset": 0, "length": 5}],
        }  # fmt: skip
        message = RawMessage(raw, CaptureSource.POLL, "1 (bench)")
        out.append(Post(CHANNEL.telegram_id, i, date, text, views=1000 + i, raw=message))
    return out


async def fresh(workdir: Path, name: str) -> Database:
    url = f"sqlite+aiosqlite:///{workdir / name}"
    await asyncio.to_thread(migrate.upgrade, url)
    db = Database.open(url)
    await ChannelRepo(db).upsert_channel(CHANNEL, now=NOW)
    return db


async def ingest_rate(db: Database, items: list[Post], capture: bool) -> float:
    hooks: list[SaveHook] = [SearchRepo(db, default_lemmatizer()).index_hook()]
    if capture:
        hooks.append(evidence_step())
    ingest = Ingest(PostRepo(db), lambda _t: (), hooks)
    started = time.perf_counter()
    for start in range(0, len(items), BATCH):
        await ingest.save(CHANNEL.telegram_id, items[start : start + BATCH], now=NOW)
    return len(items) / (time.perf_counter() - started)


async def main(n: int, rounds: int) -> None:
    corpus = texts()
    items = posts(n, corpus)
    workdir = Path(tempfile.mkdtemp(prefix="bench-evidence-"))
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, SQLite file in {workdir}")  # fmt: skip
    print(f"ingest of {n} posts in batches of {BATCH} (search index on; no matcher):")
    with_capture: list[float] = []
    without: list[float] = []
    for r in range(rounds):
        for capture in (False, True) if r % 2 == 0 else (True, False):
            db = await fresh(workdir, f"ingest-{r}-{capture}.db")
            rate = await ingest_rate(db, items, capture)
            (with_capture if capture else without).append(rate)
            if r < rounds - 1 or not capture:
                await db.close()
            else:
                evidence_db = db
    best_without, best_with = max(without), max(with_capture)
    print(f"  without captures: {best_without:8.0f} posts/s (best of {rounds})")
    print(f"  with captures:    {best_with:8.0f} posts/s (best of {rounds})")
    per_post_ms = (1 / best_with - 1 / best_without) * 1000
    print(f"  capture overhead: {per_post_ms:.3f} ms per post, "
          f"{(1 - best_with / best_without) * 100:.1f} % of the ingest rate")  # fmt: skip

    tsa = await start_tsa(now=datetime.now(UTC))
    try:
        notary = Notary(EvidenceRepo(evidence_db), (tsa.url,), workdir / "last-seal")
        sources = EvidenceSources(
            SearchRepo(evidence_db, default_lemmatizer()),
            PostRepo(evidence_db),
            EvidenceRepo(evidence_db),
        )
        started = time.perf_counter()
        await notary.seal(now=datetime.now(UTC))
        seal_s = time.perf_counter() - started
        started = time.perf_counter()
        summary = await export_bag(
            sources, notary, "", workdir / "bag", now=datetime.now(UTC),
            tsa_ca_pems=[tsa.stamper.keys.ca_pem],
        )  # fmt: skip
        export_s = time.perf_counter() - started
    finally:
        await tsa.close()
    started = time.perf_counter()
    report = verify_bag(workdir / "bag")
    verify_s = time.perf_counter() - started
    size = sum(p.stat().st_size for p in (workdir / "bag").rglob("*") if p.is_file())
    print(f"seal of {n} custody entries with one RFC 3161 token (sandbox TSA): {seal_s:.2f} s")
    print(f"evidence export of {summary.posts} posts ({summary.captures} captures, "
          f"{summary.seals} seal, {summary.tokens} token): {export_s:.1f} s, "
          f"{size / 1e6:.1f} MB")  # fmt: skip
    print(f"evidence verify: {verify_s:.1f} s, ok={report.ok}")
    await evidence_db.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main(args.posts, args.rounds))
