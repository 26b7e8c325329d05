"""Search gives the same posts on SQLite (FTS5) and PostgreSQL (tsvector + GIN) for the same queries.

The shared corpus: the seeded search archive (tests/search_archive.py) and the 199 posts of
the dev set, stored in both archives; the queries: the search tests' own, and words, pairs,
OR, exclusions and phrases of two to four words drawn from the corpus (fixed seed).
"""

from __future__ import annotations

import json
import random
import re
import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from monitor.domain import Post
from monitor.search.query import Sort, parse_query
from monitor.store.channels import ChannelRepo
from monitor.store.engine import Database
from monitor.store.posts import PostRepo
from monitor.store.search import SearchRepo
from tests.backends import PostgresServer
from tests.conftest import sqlite_url
from tests.search_archive import LEMMATIZER, NOW, RU, day, find_hits, seed
from tests.store.test_search import INFLECTED, OPERATORS

DEVSET = Path(__file__).parents[1] / "data" / "devset_posts.jsonl"
RANKED = 20
_WORD = re.compile(r"[^\W\d_]{3,}")


def _devset() -> list[str]:
    return [json.loads(line)["text"] for line in DEVSET.read_text("utf-8").splitlines()]


def _queries(texts: list[str]) -> list[str]:
    chance = random.Random(18)
    words = [_WORD.findall(t) for t in texts]
    pool = [w for ws in words for w in ws]
    queries = [q for q, _ in INFLECTED + OPERATORS]
    queries += chance.sample(pool, 20)
    queries += [f"{chance.choice(pool)} {chance.choice(pool)}" for _ in range(6)]
    queries += [f"{chance.choice(pool)} OR {chance.choice(pool)}" for _ in range(5)]
    queries += [f"{chance.choice(pool)} -{chance.choice(pool)}" for _ in range(5)]
    for size, count in ((2, 10), (3, 8), (4, 5)):
        for _ in range(count):
            post = chance.choice([ws for ws in words if len(ws) > size])
            at = chance.randrange(len(post) - size)
            queries.append('"' + " ".join(post[at : at + size]) + '"')
    queries += ['"' + " ".join(chance.sample(pool, 2)) + '"' for _ in range(4)]
    for _ in range(16):  # two words of a post 2 to 7 words apart, either order: NEAR's edge
        post = chance.choice([ws for ws in words if len(ws) > 8])
        at, apart = chance.randrange(len(post) - 8), chance.randrange(2, 8)
        pair = [post[at], post[at + apart]]
        queries.append('"' + " ".join(pair if chance.random() < 0.5 else pair[::-1]) + '"')
    return queries


async def _store(db: Database, texts: list[str]) -> SearchRepo:
    seeded = await seed(db)
    await ChannelRepo(db).upsert_channel(RU, now=NOW)
    batch = [
        Post(RU.telegram_id, 100 + i, day(1) + timedelta(hours=i), body)
        for i, body in enumerate(texts)
    ]
    hooks = [seeded.search.index_hook()]
    await PostRepo(db).save_posts(RU.telegram_id, batch, now=NOW, find_hits=find_hits, hooks=hooks)
    return SearchRepo(db, LEMMATIZER)


async def _answers(repo: SearchRepo, query: str) -> tuple[int, list[int], set[int]]:
    """How many match, all of them newest first, and the best RANKED (as a set: bm25 and
    ts_rank order differently) when that is all of them. (Results are highlighted, which
    lemmatizes their text: pages are kept short.)"""
    parsed = parse_query(query)
    count = await repo.count(parsed)
    newest = await repo.search(parsed, sort=Sort.DATE, limit=min(count, 100) or 1)
    best: set[int] = set()
    if count <= RANKED:
        page = await repo.search(parsed, sort=Sort.RELEVANCE, limit=RANKED)
        best = {r.post.message_id for r in page.results}
    return count, [r.post.message_id for r in newest.results], best


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    return postgres_server.fresh()


async def test_sqlite_and_postgresql_find_the_same_posts(
    tmp_path: Path, migrated_template: Path, postgres_url: str
) -> None:
    texts = _devset()
    path = tmp_path / "archive.db"
    shutil.copyfile(migrated_template, path)
    lite, pg = Database.open(sqlite_url(path)), Database.open(postgres_url)
    try:
        on_sqlite, on_pg = await _store(lite, texts), await _store(pg, texts)
        queries = _queries(texts)
        differ, found = [], 0
        for query in queries:
            expected = await _answers(on_sqlite, query)
            found += bool(expected[0])
            if await _answers(on_pg, query) != expected:
                differ.append(query)
    finally:
        await lite.close()
        await pg.close()
    assert differ == []
    assert found > len(queries) // 2, "most queries should find something, or nothing is tested"


async def test_reindex_rebuilds_the_index_on_either_backend(database: Database) -> None:
    seeded = await seed(database)
    assert await seeded.search.rebuild_index() == 7, "every stored post is indexed again"
    assert await seeded.search.index_looks_complete()
    page = await seeded.search.search(parse_query("повестка"), sort=Sort.DATE)
    assert [r.post.message_id for r in page.results] == [2, 1, 3, 5]
