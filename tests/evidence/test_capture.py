"""Capture records and the custody chain, written in the post-saving transaction (real SQLite)."""

from __future__ import annotations

import itertools
import json
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from monitor.domain import CaptureSource, Channel, Post, RawMessage
from monitor.evidence.canonical import canonical, record_hash, sha256_hex
from monitor.evidence.merkle import MerkleTree, leaf_hash, root_from_proof
from monitor.reader.ingest import Ingest
from monitor.store.channels import ChannelRepo
from monitor.store.engine import Database
from monitor.store.evidence import EvidenceRepo, evidence_step
from monitor.store.posts import PostRepo
from tests.conftest import NOW

CHANNEL = Channel(telegram_id=1234567, title="Новости Мелитополя", username="melitopol_news")
ACCOUNT = "4242 (reader)"


def post(message_id: int, text: str, source: CaptureSource = CaptureSource.POLL) -> Post:
    raw = RawMessage(
        {"_": "Message", "id": message_id, "message": text, "grouped_id": 2**60, "x": "AAE="},
        source,
        ACCOUNT,
    )
    return Post(CHANNEL.telegram_id, message_id, NOW, text, raw=raw)


@pytest.fixture
async def ingest(database: Database) -> Ingest:
    await ChannelRepo(database).upsert_channel(CHANNEL, now=NOW)
    return Ingest(PostRepo(database), lambda _t: (), (evidence_step(),))


async def test_new_edited_and_deleted_posts_each_get_a_capture_and_a_chained_entry(
    ingest: Ingest, database: Database
) -> None:
    saved = await ingest.save(CHANNEL.telegram_id, [post(10, "Повестки вручают у рынка")], now=NOW)
    later = NOW + timedelta(minutes=5)
    await ingest.save(CHANNEL.telegram_id, [post(10, "Повестки вручают у школы")], now=later)
    await ingest.save(CHANNEL.telegram_id, [post(10, "Повестки вручают у школы")], now=later)
    gone = RawMessage({"_": "UpdateDeleteChannelMessages", "messages": [10]}, CaptureSource.LIVE)
    await ingest.delete(CHANNEL.telegram_id, [10], now=later + timedelta(hours=1), raw=gone)

    repo = EvidenceRepo(database)
    captures = await repo.list_captures([saved.new_posts[0]])
    assert [(c.kind, c.version, c.source) for c in captures] == [
        ("version", 1, "poll"),
        ("version", 2, "poll"),  # the unchanged re-read adds nothing
        ("deletion", None, "live"),
    ]
    first = json.loads(captures[0].record)
    assert first["raw"]["message"] == "Повестки вручают у рынка"
    assert first["raw"]["grouped_id"] == str(2**60)  # beyond I-JSON's exact integers
    assert first["account"] == ACCOUNT
    assert first["media_sha256"] == []
    for capture in captures:  # the stored hash is the SHA-256 of the stored canonical text
        assert capture.sha256 == sha256_hex(capture.record.encode())
        assert canonical(json.loads(capture.record)) == capture.record.encode()

    entries = await repo.list_entries(1, 100)
    assert [e.kind for e in entries] == ["capture", "capture", "deletion_seen"]
    assert entries[0].prev_hash is None
    for before, entry in itertools.pairwise(entries):
        assert entry.prev_hash == before.hash
    for entry, capture in zip(entries, captures, strict=True):
        assert entry.hash == record_hash(entry.body)
        assert entry.body["subject"]["capture_sha256"] == capture.sha256  # type: ignore[index]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE evidence_captures SET sha256 = 'x'",
        "DELETE FROM evidence_captures",
        "UPDATE evidence_custody SET body = '{}'",
        "DELETE FROM evidence_custody",
        "DELETE FROM evidence_seals",
    ],
)
async def test_the_database_refuses_to_change_evidence(
    ingest: Ingest, database: Database, statement: str
) -> None:
    await ingest.save(CHANNEL.telegram_id, [post(11, "Повестки")], now=NOW)
    await EvidenceRepo(database).seal(now=NOW, reason="test")
    with pytest.raises(IntegrityError, match="evidence is append-only"):
        async with database.write.begin() as session:
            await session.execute(text(statement))


async def test_a_seal_covers_the_new_entries_with_proofs_to_its_root(
    ingest: Ingest, database: Database
) -> None:
    repo = EvidenceRepo(database)
    await ingest.save(CHANNEL.telegram_id, [post(i, f"пост {i}") for i in range(1, 6)], now=NOW)
    first = await repo.seal(now=NOW, reason="interval")
    assert first is not None
    assert (first.first_seq, first.last_seq) == (1, 5)
    assert await repo.seal(now=NOW, reason="interval") is None  # nothing new
    await ingest.save(CHANNEL.telegram_id, [post(6, "пост 6")], now=NOW)
    second = await repo.seal(now=NOW, reason="shutdown")
    assert second is not None
    assert (second.first_seq, second.last_seq, second.body["prev_seal"]) == (6, 6, first.hash)

    entries = await repo.list_entries(1, 5)
    leaves = [leaf_hash(e.canonical) for e in entries]
    tree = MerkleTree(leaves)
    assert tree.root.hex() == first.root
    for i, leaf in enumerate(leaves):
        assert root_from_proof(leaf, i, 5, tree.proof(i)) == bytes.fromhex(first.root)
    assert root_from_proof(leaves[1], 0, 5, tree.proof(1)) != bytes.fromhex(first.root)
