"""Seals, timestamps from the sandbox TSA (retried when it fails), and a restored archive."""

from __future__ import annotations

import stat
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.domain import CaptureSource, Channel, Post, RawMessage
from monitor.evidence.canonical import canonical
from monitor.evidence.notary import Notary, read_last_seal
from monitor.evidence.timestamps import check_token
from monitor.reader.ingest import Ingest
from monitor.sandbox.tsa import TsaServer, start_tsa
from monitor.store.channels import ChannelRepo
from monitor.store.engine import Database
from monitor.store.evidence import EvidenceRepo, evidence_step
from monitor.store.posts import PostRepo

NOW = datetime.now(UTC).replace(microsecond=0)
CHANNEL = Channel(telegram_id=555, title="Крым 24", username="crimea_24")


@pytest.fixture
async def tsa() -> AsyncIterator[TsaServer]:
    server = await start_tsa(now=NOW)
    yield server
    await server.close()


async def save(database: Database, *ids: int) -> None:
    await ChannelRepo(database).upsert_channel(CHANNEL, now=NOW)
    ingest = Ingest(PostRepo(database), lambda _t: (), (evidence_step(),))
    posts = [
        Post(555, i, NOW, f"Повестки {i}", raw=RawMessage({"id": i}, CaptureSource.POLL, "r"))
        for i in ids
    ]
    await ingest.save(555, posts, now=NOW)


async def test_a_seal_is_timestamped_and_its_hash_kept_beside_the_archive(
    database: Database, tsa: TsaServer, tmp_path: Path
) -> None:
    notary = Notary(EvidenceRepo(database), (tsa.url,), tmp_path / "archive.db.last-seal")
    await save(database, 1, 2, 3)
    seal = await notary.seal(now=NOW)
    assert seal is not None
    assert read_last_seal(tmp_path / "archive.db.last-seal") == seal.hash
    assert stat.S_IMODE((tmp_path / "archive.db.last-seal").stat().st_mode) == 0o600
    [stamp] = await EvidenceRepo(database).list_timestamps([seal.id])
    assert check_token(stamp.token, canonical(seal.body), [tsa.stamper.keys.ca_pem]).problem is None
    assert notary.health.line().endswith("0 timestamp(s) pending")


async def test_a_tsa_that_is_down_is_retried_later_and_nothing_is_lost(
    database: Database, tsa: TsaServer, tmp_path: Path
) -> None:
    notary = Notary(EvidenceRepo(database), (tsa.url,), tmp_path / "seal", tsa_timeout_s=2)
    await save(database, 1)
    tsa.mode = "down"
    first = await notary.seal(now=NOW)
    await save(database, 2)
    await notary.seal(now=NOW + timedelta(days=1))
    assert "2 timestamp(s) pending, last TSA error: TSA http://127.0.0.1" in notary.health.line()
    tsa.mode = "ok"
    assert await notary.stamp_pending(now=NOW + timedelta(days=1, minutes=5)) == 2
    assert notary.health.timestamps_pending == 0
    assert first is not None
    assert len(await EvidenceRepo(database).list_timestamps([first.id])) == 1


async def test_a_restored_archive_starts_a_new_segment_that_says_so(
    database: Database, tmp_path: Path
) -> None:
    file = tmp_path / "seal"
    notary = Notary(EvidenceRepo(database), (), file)
    await save(database, 1)
    assert await notary.check_continuity(now=NOW) is None  # no seal yet: nothing to compare
    await notary.seal(now=NOW)
    assert await notary.check_continuity(now=NOW) is None  # continues: nothing to say
    file.write_text("ab" * 32 + "\n")  # the seal of a newer archive than this one
    message = await notary.check_continuity(now=NOW)
    assert message is not None
    assert "restored from an older backup" in message
    assert "new chain segment (2)" in message
    entries = await EvidenceRepo(database).list_entries(1, 100)
    assert entries[-1].kind == "segment_start"
    assert entries[-1].segment == 2
    assert entries[-1].body["subject"]["expected_last_seal"] == "ab" * 32  # type: ignore[index]
    assert await notary.check_continuity(now=NOW) is None  # said once: the new seal is on file
