"""`evidence export` and `evidence verify` on a real archive with the sandbox TSA: the bag is
valid BagIt, verifies, openssl accepts its tokens, and each kind of tampering is caught."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import bagit
import pytest

from monitor.domain import CaptureSource, Channel, Post, RawMessage
from monitor.evidence.canonical import canonical
from monitor.evidence.export import EvidenceSources, export_bag
from monitor.evidence.notary import Notary
from monitor.evidence.verify import verify_bag
from monitor.reader.ingest import Ingest
from monitor.sandbox.tsa import TsaServer, make_keys, start_tsa
from monitor.search.query import default_lemmatizer
from monitor.store.channels import ChannelRepo
from monitor.store.engine import Database
from monitor.store.evidence import EvidenceRepo, evidence_step
from monitor.store.posts import PostRepo
from monitor.store.search import SearchRepo

NOW = datetime.now(UTC).replace(microsecond=0)
CHANNEL = Channel(telegram_id=777, title="Мелитополь <сегодня>", username="melitopol_today")


@dataclass
class Exported:
    bag: Path
    tsa: TsaServer
    ca: Path


def post(message_id: int, text: str) -> Post:
    raw = RawMessage({"_": "Message", "id": message_id, "message": text}, CaptureSource.POLL, "r")
    return Post(CHANNEL.telegram_id, message_id, NOW - timedelta(hours=3), text, raw=raw)


async def export(
    database: Database,
    tsa: TsaServer,
    tmp: Path,
    name: str = "bag",
    query: str = "повестки channel:@melitopol_today",
    posts: int = 2,
) -> Path:
    await ChannelRepo(database).upsert_channel(CHANNEL, now=NOW)
    search = SearchRepo(database, default_lemmatizer())
    ingest = Ingest(PostRepo(database), lambda _t: (), (search.index_hook(), evidence_step()))
    await ingest.save(777, [post(1, "Повестки вручают у рынка"), post(2, "Повестки <b>")], now=NOW)
    notary = Notary(EvidenceRepo(database), (tsa.url,), tmp / "last-seal")
    await notary.seal(now=NOW)  # seal 1: the first two captures
    await ingest.save(777, [post(1, "Повестки вручают у школы")], now=NOW + timedelta(minutes=5))
    await ingest.delete(777, [2], now=NOW + timedelta(hours=1))
    sources = EvidenceSources(search, PostRepo(database), EvidenceRepo(database))
    out = tmp / name
    summary = await export_bag(
        sources,
        notary,
        query,  # a word and a filter: on SQLite (FTS5) and PostgreSQL alike
        out,
        now=NOW + timedelta(hours=2),
        tsa_ca_pems=[tsa.stamper.keys.ca_pem],
    )
    if posts == 2:
        assert (summary.posts, summary.captures, summary.seals, summary.tokens) == (2, 4, 2, 2)
    assert summary.posts == posts
    return out


@pytest.fixture
async def exported(database: Database, tmp_path: Path) -> AsyncIterator[Exported]:
    tsa = await start_tsa(now=NOW)
    try:
        bag = await export(database, tsa, tmp_path)
        ca, _ = tsa.stamper.keys.write(tmp_path / "keys")
        yield Exported(bag, tsa, ca)
    finally:
        await tsa.close()


def openssl_ts_verify(seal: Path, ca: Path) -> str:
    """What `openssl ts -verify` says of a seal's first token (the README's command)."""
    done = subprocess.run(
        ["openssl", "ts", "-verify", "-data", str(seal / "seal.json"),
         "-in", str(seal / "tsa-1.tsr"), "-CAfile", str(ca),
         "-untrusted", str(seal / "tsa-1-certs.pem")],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    return done.stdout.strip() or done.stderr.strip()


def problems(bag: Path, roots: list[bytes] | None = None) -> list[str]:
    return [str(p) for p in verify_bag(bag, roots or []).problems]


def tampered(exported: Exported, tmp_path: Path) -> Path:
    copy = tmp_path / "tampered"
    shutil.copytree(exported.bag, copy)
    return copy


def rebag(bag: Path) -> None:
    """A careful forger rewrites the manifests too: only the deeper checks are left."""
    bagit.Bag(str(bag)).save(manifests=True)


async def test_the_bag_is_valid_bagit_verifies_and_openssl_accepts_its_tokens(
    exported: Exported,
) -> None:
    bag = bagit.Bag(str(exported.bag))
    assert bag.is_valid()
    assert "sha256" in bag.algorithms
    report = verify_bag(exported.bag)
    assert report.ok, report.problems
    assert (report.captures, report.seals, report.tokens) == (4, 2, 2)
    for seal in sorted((exported.bag / "data" / "seals").iterdir()):
        assert openssl_ts_verify(seal, exported.ca) == "Verification: OK"


async def test_the_page_shows_versions_side_by_side_and_escapes_everything(
    exported: Exported,
) -> None:
    page = (exported.bag / "data/posts/777-1/post.html").read_text(encoding="utf-8")
    assert "Мелитополь &lt;сегодня&gt;" in page
    assert page.index("Повестки вручают у рынка") < page.index("Повестки вручают у школы")
    assert "https://t.me/melitopol_today/1" in page
    deleted = (exported.bag / "data/posts/777-2/post.html").read_text(encoding="utf-8")
    assert "Повестки &lt;b&gt;" in deleted
    assert "<b>" not in deleted
    assert "Deleted</strong>: seen gone at" in deleted
    assert "4.0 hours after it was posted" in deleted
    readme = (exported.bag / "data/README.txt").read_text(encoding="utf-8")
    assert "openssl ts -verify -data data/seals/<id>/seal.json" in readme
    assert "sha256sum -c manifest-sha256.txt" in readme


@pytest.mark.parametrize(
    "name",
    [
        "data/posts/777-1/captures/001-version-v1.json",
        "data/posts/777-2/post.html",
        "data/custody/1.json",
        "data/seals/1/tsa-1.tsr",
        "data/seals/2/seal.json",
        "data/README.txt",
    ],
)
async def test_a_flipped_byte_in_any_file_is_named(
    exported: Exported, tmp_path: Path, name: str
) -> None:
    bag = tampered(exported, tmp_path)
    data = bytearray((bag / name).read_bytes())
    data[len(data) // 2] ^= 0x01
    (bag / name).write_bytes(bytes(data))
    assert f"{name}: its SHA-256 differs from the manifest (the file was changed)" in problems(bag)


async def test_a_missing_or_an_extra_file_is_named(exported: Exported, tmp_path: Path) -> None:
    bag = tampered(exported, tmp_path)
    (bag / "data/custody/2.json").unlink()
    (bag / "data/posts/777-1/captures/extra.json").write_text("{}")
    found = problems(bag)
    assert "data/custody/2.json: listed in the manifest but missing" in found
    assert (
        "data/posts/777-1/captures/extra.json: not listed in the manifest (added after the export)"
        in found
    )


async def test_reordered_custody_entries_are_caught_even_with_new_manifests(
    exported: Exported, tmp_path: Path
) -> None:
    bag = tampered(exported, tmp_path)
    one, two = bag / "data/custody/1.json", bag / "data/custody/2.json"
    first, second = one.read_bytes(), two.read_bytes()
    one.write_bytes(second)
    two.write_bytes(first)
    rebag(bag)
    found = problems(bag)
    assert "data/custody/1.json: holds entry 2, not 1 (reordered?)" in found


async def test_an_edited_custody_entry_is_caught_even_with_new_manifests(
    exported: Exported, tmp_path: Path
) -> None:
    bag = tampered(exported, tmp_path)
    path = bag / "data/custody/3.json"
    entry = json.loads(path.read_bytes())
    entry["at"] = (NOW - timedelta(days=30)).isoformat()  # back-dated
    path.write_bytes(canonical(entry))
    rebag(bag)
    found = problems(bag)
    assert "data/custody/3.json: its inclusion proof does not lead to seal 2's root" in found
    assert "data/custody/4.json: its prev is not the hash of entry 3: the chain is broken" in found


async def test_a_token_for_another_root_is_caught(exported: Exported, tmp_path: Path) -> None:
    bag = tampered(exported, tmp_path)
    shutil.copyfile(bag / "data/seals/2/tsa-1.tsr", bag / "data/seals/1/tsa-1.tsr")
    rebag(bag)
    assert (
        "data/seals/1/tsa-1.tsr: the token stamps something other than this seal "
        "(a token for another root)"
    ) in problems(bag)


async def test_a_foreign_tsa_certificate_is_caught(exported: Exported) -> None:
    foreign = make_keys(now=NOW)
    found = problems(exported.bag, [foreign.ca_pem])
    assert len(found) == 2
    assert all("expired or foreign" in p for p in found)


async def test_an_expired_tsa_certificate_is_caught(database: Database, tmp_path: Path) -> None:
    trusted = make_keys(now=NOW)
    expired = make_keys(
        now=NOW - timedelta(days=400),
        valid_for=timedelta(days=30),
        ca=(trusted.ca_cert, trusted._ca_key),  # type: ignore[attr-defined]
    )
    tsa = await start_tsa(now=NOW, keys=expired)
    try:
        bag = await export(database, tsa, tmp_path)
    finally:
        await tsa.close()
    found = problems(bag)
    assert "data/seals/1/tsa-1.tsr: the TSA certificate does not chain" in found[0]
    assert "expired or foreign" in found[0]


async def test_a_capture_changed_with_new_manifests_is_in_no_custody_entry(
    exported: Exported, tmp_path: Path
) -> None:
    bag = tampered(exported, tmp_path)
    path = bag / "data/posts/777-2/captures/001-version-v1.json"
    record = json.loads(path.read_bytes())
    record["raw"]["message"] = "Ничего не было"
    record["raw_sha256"] = None
    path.write_bytes(canonical(record))
    rebag(bag)
    assert (
        "data/posts/777-2/captures/001-version-v1.json: its SHA-256 is in no custody entry "
        "of the bag (changed?)"
    ) in problems(bag)


async def test_the_verify_command_says_ok_or_names_the_failure_and_exits_1(
    exported: Exported, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from monitor.cli import app

    good = CliRunner().invoke(app, ["evidence", "verify", str(exported.bag)])
    assert good.exit_code == 0, good.output
    assert "OK: manifests, 4 captures, 4 custody entries, 2 seals, 2 timestamp tokens" in (
        good.output
    )
    bag = tampered(exported, tmp_path)
    (bag / "data/custody/1.json").write_bytes(b"{}")
    bad = CliRunner().invoke(app, ["evidence", "verify", str(bag)])
    assert bad.exit_code == 1
    assert "FAILED data/custody/1.json: its SHA-256 differs from the manifest" in bad.output
    assert "Traceback" not in bad.output
    missing = CliRunner().invoke(app, ["evidence", "verify", str(tmp_path / "nothing")])
    assert missing.exit_code == 2
    assert "no such folder" in missing.output


async def test_verify_record_logs_a_verification_entry(
    exported: Exported, database: Database, db_url: str, clean_env: Path
) -> None:
    import asyncio

    from typer.testing import CliRunner

    from monitor.cli import app

    result = await asyncio.to_thread(
        CliRunner().invoke,
        app,
        ["evidence", "verify", str(exported.bag), "--record"],
        env={"DATABASE_URL": db_url},
    )
    assert result.exit_code == 0, result.output
    entries = await EvidenceRepo(database).list_entries(1, 100)
    assert [e.kind for e in entries[-2:]] == ["export", "verification"]
    assert entries[-1].body["subject"]["ok"] is True  # type: ignore[index]


async def test_a_word_query_exports_only_the_posts_that_say_it(
    database: Database, tmp_path: Path
) -> None:
    tsa = await start_tsa(now=NOW)
    try:
        bag = await export(database, tsa, tmp_path, query="школы", posts=1)
    finally:
        await tsa.close()
    assert [p.name for p in (bag / "data" / "posts").iterdir()] == ["777-1"]
    assert verify_bag(bag).ok
