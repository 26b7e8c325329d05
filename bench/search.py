"""Search benchmark: build an archive from the bundled real posts, time FTS5 search against LIKE.

    python bench/search.py                  # 1,000,000 posts (takes minutes)
    python bench/search.py --posts 50000    # a quick run

Builds the archive through the real ingest path (PostRepo.save_posts with the matcher and the
search-index hook), then measures search latency p50/p95 of typical queries through
SearchRepo.search, a `LIKE '%stem%'` scan of the same database in the same run, the ingest
rate and the database size per million posts. Prints the machine and a table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import re
import sqlite3
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor.domain import Channel, Post
from monitor.matching import compile_matcher, load_default_packs
from monitor.search.query import Sort, default_lemmatizer, parse_query
from monitor.store import migrate
from monitor.store.channels import ChannelRepo
from monitor.store.engine import Database
from monitor.store.posts import PostRepo
from monitor.store.search import SearchRepo

FEEDS = Path(__file__).resolve().parents[1] / "monitor" / "sandbox" / "feeds" / "ru-news-channels"
CHANNELS = 50
BATCH = 500
START = datetime(2023, 1, 1, tzinfo=UTC)

# Draft-notice posts mixed in at about 1 %, so that typical queries find what analysts look for.
DRAFT_POSTS = (
    "В {city} сегодня раздают повестки прямо у входа в супермаркет, будьте осторожны.",
    "Жителям {city} вручают повестку в военкомат под роспись, явка обязательна.",
    "Облава в {city}: военкомат вместе с росгвардией проверяет документы у мужчин.",
    "В {city} мужчинам на блокпостах выдают повестки, говорят о мобилизации.",
    "У {city} окупанти роздають повістки чоловікам на блокпостах.",
    "У {city} військкомат проводить облави, вручають повістки біля ринку.",
    "Мобілізація у {city}: чоловікам приходять повістки до військкомату.",
    "Из {city} пишут: ТЦК вручает повестки прямо в автобусах.",
)
CITIES = ("Мелитополь", "Бердянск", "Энергодар", "Мариуполь", "Херсон", "Донецк", "Луганск")

QUERIES = (
    ("повестка", Sort.RELEVANCE),
    ("повістки", Sort.DATE),
    ("военкомат OR ТЦК", Sort.RELEVANCE),
    ('"вручают повестку"', Sort.DATE),
    ("облава -росгвардия", Sort.RELEVANCE),
    ("блокпост", Sort.DATE),
    ("призывник", Sort.DATE),
    ("мелитополь повестка", Sort.RELEVANCE),
    ("мелитополь повестка", Sort.DATE),
    ("повестка channel:bench7", Sort.DATE),
    ("мобилизация since:2024-01-01 until:2024-03-31", Sort.RELEVANCE),
    ("москва", Sort.DATE),
    ("москва", Sort.RELEVANCE),
    ("category:summons hit:yes", Sort.DATE),
    ("category:roundup since:2024-06-01", Sort.DATE),
)
# LIKE is case-sensitive for Cyrillic in SQLite: lower-case stems miss capitalised forms.
LIKE_STEMS = ("повестк", "повістк", "военкомат", "облав", "москв", "блокпост", "призывник")


def load_texts() -> list[str]:
    texts = []
    for path in sorted(FEEDS.glob("*.json")):
        for item in json.loads(path.read_text(encoding="utf-8")):
            text = re.sub(r"\*\*|__|\[([^\]]*)\]\([^)]*\)", r"\1", item.get("text") or "")
            if text.strip():
                texts.append(text)
    return texts


def vary(texts: Sequence[str], i: int, rng: random.Random) -> str:
    """A post made from a real one: sentences dropped or reordered, a city and a number added."""
    if rng.random() < 0.01:
        return rng.choice(DRAFT_POSTS).format(city=rng.choice(CITIES))
    sentences = re.split(r"(?<=[.!?])\s+", texts[i % len(texts)])
    if len(sentences) > 2 and rng.random() < 0.5:
        sentences.pop(rng.randrange(len(sentences)))
    if len(sentences) > 1 and rng.random() < 0.3:
        rng.shuffle(sentences)
    return " ".join(sentences) + f" {rng.choice(CITIES)}, {rng.randint(1, 999)}."


async def build(db: Database, search: SearchRepo, total: int) -> float:
    channels = ChannelRepo(db)
    posts = PostRepo(db)
    now = datetime(2025, 1, 1, tzinfo=UTC)
    for c in range(CHANNELS):
        await channels.upsert_channel(Channel(5000 + c, f"Bench {c}", f"bench{c}"), now=now)
    texts, rng = load_texts(), random.Random(7)
    hooks = [search.index_hook()]
    find_hits = compile_matcher(load_default_packs()).find_hits
    started = time.perf_counter()
    step = timedelta(seconds=2 * 365 * 86400 / total)
    per_channel = total // CHANNELS + 1
    for c in range(CHANNELS):
        for first in range(0, per_channel, BATCH):
            batch = [
                Post(
                    5000 + c,
                    m + 1,
                    START + step * (m * CHANNELS + c),
                    vary(texts, m * CHANNELS + c, rng),
                    views=rng.randint(100, 100_000),
                )
                for m in range(first, min(first + BATCH, per_channel))
                if m * CHANNELS + c < total
            ]
            if batch:
                await posts.save_posts(5000 + c, batch, now=now, find_hits=find_hits, hooks=hooks)
        print(f"  channel {c + 1}/{CHANNELS} stored", file=sys.stderr, flush=True)
    return total / (time.perf_counter() - started)


def percentile(samples: Sequence[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def time_search(search: SearchRepo, runs: int) -> list[tuple[str, int, float, float]]:
    rows = []
    for text, sort in QUERIES:
        query = parse_query(text)
        matches = await search.count(query)
        await search.search(query, sort=sort, limit=10)  # warm-up: lemma caches, page cache
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            await search.search(query, sort=sort, limit=10)
            samples.append((time.perf_counter() - started) * 1000)
        rows.append(
            (f"{text} [{sort.value}]", matches, percentile(samples, 0.5), percentile(samples, 0.95))
        )
    return rows


def time_like(path: Path, runs: int) -> list[tuple[str, int, float, float]]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    rows = []
    try:
        for stem in LIKE_STEMS:
            sql = (
                "SELECT id FROM posts WHERE text LIKE ? AND deleted_at IS NULL "
                "ORDER BY date DESC LIMIT 10"
            )
            matches = conn.execute(
                "SELECT count(*) FROM posts WHERE text LIKE ?", (f"%{stem}%",)
            ).fetchone()[0]
            samples = []
            for _ in range(runs):
                started = time.perf_counter()
                conn.execute(sql, (f"%{stem}%",)).fetchall()
                samples.append((time.perf_counter() - started) * 1000)
            rows.append(
                (f"LIKE '%{stem}%'", matches, percentile(samples, 0.5), percentile(samples, 0.95))
            )
    finally:
        conn.close()
    return rows


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"cpu: {cpu} ({os.cpu_count()} cores); python {platform.python_version()}; "
        f"sqlite {sqlite3.sqlite_version}; {platform.system()} {platform.release()}; "
        f"load average {os.getloadavg()[0]:.2f} (other processes share the cores)"
    )


async def run(args: argparse.Namespace) -> None:
    path = args.db
    db = Database.open(f"sqlite+aiosqlite:///{path}")
    search = SearchRepo(db, default_lemmatizer())
    try:
        rate = None
        if not args.reuse:
            print(f"building an archive of {args.posts:,} posts in {path} ...", file=sys.stderr)
            rate = await build(db, search, args.posts)
        rows = await time_search(search, args.runs)
    finally:
        await db.close()
    checkpoint = sqlite3.connect(path)
    checkpoint.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    stored = checkpoint.execute("SELECT count(*) FROM posts").fetchone()[0]
    checkpoint.close()
    like = time_like(path, max(3, args.runs // 6))
    report(args, rows, like, rate, stored, path)


def report(args, rows, like, rate, stored, path: Path) -> None:  # type: ignore[no-untyped-def]
    size = path.stat().st_size
    print(f"\n{machine()}")
    print(
        f"archive: {stored:,} posts, {size / 2**20:,.0f} MiB ({size / stored * 1e6 / 2**30:.2f} GiB per 1M posts)"
    )
    if rate is not None:
        print(
            f"ingest: {rate:,.0f} posts/s (save + match with the default packs + index, batches of {BATCH})"
        )
    fts = [r for r in rows]
    print(f"\n{'query':<58} {'matches':>9} {'p50 ms':>8} {'p95 ms':>8}")
    for name, matches, p50, p95 in [*fts, *like]:
        print(f"{name:<58} {matches:>9,} {p50:>8.1f} {p95:>8.1f}")
    overall = [p95 for *_, p95 in fts]
    print(
        f"\nFTS search: worst p95 {max(overall):.1f} ms over {len(fts)} queries x {args.runs} runs"
    )
    print(f"LIKE scan:  best p50 {min(p50 for _, _, p50, _ in like):.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30, help="timed runs per query")
    parser.add_argument("--db", type=Path, default=Path("bench/results/search.db"))
    parser.add_argument("--reuse", action="store_true", help="time an existing archive")
    args = parser.parse_args()
    args.db.parent.mkdir(parents=True, exist_ok=True)
    if not args.reuse:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{args.db}{suffix}").unlink(missing_ok=True)
    migrate.upgrade(f"sqlite+aiosqlite:///{args.db}")  # Alembic runs its own event loop
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
