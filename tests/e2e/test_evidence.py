"""Evidence end to end through the sandbox (real Telethon reader and bot): posts read, one
edited, one deleted; a seal timestamped by the sandbox TSA; `evidence export`; the bag passes
BagIt, `evidence verify` and `openssl ts -verify`; tampering is caught; the analysts who got
the alerts hear of the edit and the deletion once each, across a restart; /evidence sends a
post's bag as a zip."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import subprocess
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import bagit
import pytest
from typer.testing import CliRunner

from monitor.cli import app
from monitor.evidence.followups import send_followups
from monitor.evidence.notary import Notary
from monitor.evidence.verify import verify_bag
from monitor.sandbox.api import Sandbox
from monitor.store.evidence import EvidenceRepo
from monitor.store.followups import FollowUpRepo
from tests.e2e.bot_stack import Analyst, BotStack, eventually
from tests.media.images import plain_photo, summons_photo

SUMMONS = "В Мелитополе мужчинам вручают повестки прямо на улице у центрального рынка"
SECOND = "Военкомат Мелитополя: повестки разносят по квартирам на Кирова"
EDITED = "В Мелитополе мужчинам вручают повестки у школы №5, с полицией"


def alerts_for(analyst: Analyst, text: str) -> list[object]:
    """The alert messages (not the follow-ups replying to them) that show `text`."""
    return [
        m for _, t, m in analyst.inbox if text[:30] in " ".join(t.split()) and m.reply_to is None
    ]


def replies_to(analyst: Analyst, message_id: int) -> list[str]:
    return [
        t
        for _, t, m in analyst.inbox
        if m.reply_to is not None and m.reply_to.reply_to_msg_id == message_id
    ]


def openssl_ts_verify(seal: Path, ca: Path) -> str:
    done = subprocess.run(
        ["openssl", "ts", "-verify", "-data", str(seal / "seal.json"),
         "-in", str(seal / "tsa-1.tsr"), "-CAfile", str(ca),
         "-untrusted", str(seal / "tsa-1-certs.pem")],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    return done.stdout.strip() or done.stderr.strip()


async def send_all(stack: BotStack) -> int:
    repo = FollowUpRepo(stack.database)
    runtime = stack.runtime
    return await send_followups(repo, runtime.sender, runtime.limiter, now=datetime.now(UTC))


@pytest.mark.slow
async def test_evidence_of_an_edited_and_a_deleted_post_end_to_end(
    stack: BotStack, sandbox: Sandbox, db_url: str, clean_env: Path, tmp_path: Path
) -> None:
    tsa = await sandbox.start_tsa()
    analysts = await stack.analysts(2, "summons")
    channel = await stack.watch("melitopol_news", "Новости Мелитополя")
    first = sandbox.post(channel, SUMMONS)
    second = sandbox.post(channel, SECOND)
    quiet = sandbox.post(channel, "Погода в Мелитополе: солнечно, +12")
    await stack.read(channel, quiet)
    for analyst in analysts:
        await eventually(
            lambda a=analyst: bool(alerts_for(a, SUMMONS)) and bool(alerts_for(a, SECOND)),  # type: ignore[misc]
            what="both alerts",
        )

    sandbox.edit_post(channel, first, EDITED)
    sandbox.delete_posts(channel, [second])
    await stack.collector.recheck()  # the channel is not joined: the re-check sees both
    assert await send_all(stack) == 4  # 2 analysts x (edit, deletion)

    for analyst in analysts:
        # The two posts may share one alert message (a batch): the replies go to it then.
        alerts = {m.id for m in alerts_for(analyst, SUMMONS) + alerts_for(analyst, SECOND)}  # type: ignore[attr-defined]
        replies = [r for a in alerts for r in replies_to(analyst, a)]
        assert len(replies) == 2, replies
        [edit] = [r for r in replies if "Edited" in r]
        [gone] = [r for r in replies if "Deleted" in r]
        assert "у школы №5" in edit
        assert "SHA-256" in edit
        assert "Deleted" in gone
        assert "It stayed up about" in gone
        assert "Its capture is kept: SHA-256" in gone

    # Once, never twice: another re-check and a restart of the bot send nothing more.
    await stack.collector.recheck()
    await stack.restart(tmp_path, admin_ids=stack.settings.admin_ids)
    assert await send_all(stack) == 0
    await asyncio.sleep(0.5)
    for analyst in analysts:
        assert len([t for t in analyst.texts() if "Edited" in t or "Deleted" in t]) == 2

    notary = Notary(EvidenceRepo(stack.database), (tsa.url,), tmp_path / "last-seal")
    assert await notary.seal(now=datetime.now(UTC)) is not None
    assert notary.health.timestamps_pending == 0

    out = tmp_path / "bag"
    env = {
        "DATABASE_URL": db_url,
        "EVIDENCE_TSA_URLS": tsa.url,
        "EVIDENCE_TSA_CA": str(sandbox.tsa_ca_path),
        "READER_SESSION": str(tmp_path / "cli-reader.session"),
    }
    result = await asyncio.to_thread(
        CliRunner().invoke, app, ["evidence", "export", "повестки", "--out", str(out)], env=env
    )
    assert result.exit_code == 0, result.output
    assert "2 posts, 4 captures, 4 custody entries" in result.output

    bagit.Bag(str(out)).validate()  # a standard BagIt validator accepts it
    report = verify_bag(out)
    assert report.ok, report.problems
    seals = sorted((out / "data" / "seals").iterdir())
    assert seals
    for seal in seals:
        verdict = await asyncio.to_thread(openssl_ts_verify, seal, sandbox.tsa_ca_path)
        assert verdict == "Verification: OK"

    captures = sorted((out / "data" / "posts").glob(f"{channel.id}-{second}/captures/*.json"))
    records = [json.loads(p.read_bytes()) for p in captures]
    assert [(r["kind"], r["source"]) for r in records] == [
        ("version", "poll"),
        ("deletion", "recheck"),
    ]
    assert records[0]["raw"]["message"] == SECOND
    assert records[0]["raw"]["_"] == "Message"
    assert records[1]["raw"]["_"] == "channels.getMessages"
    assert records[0]["account"].endswith("(Reader)")
    edited = json.loads(
        sorted((out / "data/posts").glob(f"{channel.id}-{first}/captures/*.json"))[1].read_bytes()
    )
    assert (edited["version"], edited["source"], edited["raw"]["message"]) == (2, "recheck", EDITED)

    capture = captures[0]
    data = bytearray(capture.read_bytes())
    data[40] ^= 0x01
    capture.write_bytes(bytes(data))
    problems = [str(p) for p in verify_bag(out).problems]
    assert any(p.startswith(str(capture.relative_to(out))) for p in problems), problems

    # /evidence: the post's bag as a zip, which verifies on its own.
    analyst = analysts[0]
    await analyst.say(f"/evidence https://t.me/melitopol_news/{second}")
    await eventually(
        lambda: any(getattr(m, "document", None) for _, _, m in analyst.inbox),
        within=30,
        what="the bundle",
    )
    [message] = [m for _, _, m in analyst.inbox if getattr(m, "document", None)]
    assert message.file.name == f"evidence-melitopol_news-{second}.zip"
    blob = await analyst.client.download_media(message, file=bytes)
    unpacked = tmp_path / "unzipped"
    zipfile.ZipFile(io.BytesIO(blob)).extractall(unpacked)
    bundle = unpacked / f"evidence-melitopol_news-{second}"
    report = verify_bag(bundle, [tsa.stamper.keys.ca_pem])  # `evidence verify --ca tsa-ca.pem`
    assert report.ok, report.problems
    assert report.captures == 2


async def test_a_photo_downloaded_after_its_post_was_sealed_is_in_the_custody_chain_and_the_bag(
    stack: BotStack, sandbox: Sandbox, db_url: str, clean_env: Path, tmp_path: Path
) -> None:
    tsa = await sandbox.start_tsa()
    channel = await stack.watch("tokmak_foto", "Токмак фото")
    image = summons_photo()
    message_id = sandbox.post(channel, "ось що роздають сьогодні біля ринку 👇", photo=image)
    await stack.read(channel, message_id)
    notary = Notary(EvidenceRepo(stack.database), (tsa.url,), tmp_path / "last-seal")
    assert await notary.seal(now=datetime.now(UTC)) is not None  # the post's capture: no media
    for _ in range(20):  # the media job, as the scheduler runs it
        if await stack.reader.fetch_media() == 0:
            break
    digest = hashlib.sha256(image).hexdigest()

    out = tmp_path / "bag"
    env = {
        "DATABASE_URL": db_url,
        "EVIDENCE_TSA_URLS": tsa.url,
        "EVIDENCE_TSA_CA": str(sandbox.tsa_ca_path),
        "READER_SESSION": str(tmp_path / "cli-reader.session"),
        "MEDIA_DIR": str(stack.settings.media_folder),
    }
    result = await asyncio.to_thread(
        CliRunner().invoke, app, ["evidence", "export", "ринку", "--out", str(out)], env=env
    )
    assert result.exit_code == 0, result.output
    post = out / "data" / "posts" / f"{channel.id}-{message_id}"
    [photo] = sorted((post / "media").iterdir())
    assert photo.read_bytes() == image
    assert photo.name == f"01-{digest[:16]}.jpg"
    assert "ПОВЕСТКА" in (post / "ocr" / f"{photo.name}.txt").read_text()
    entries = [json.loads(p.read_bytes()) for p in (out / "data" / "custody").glob("*[0-9].json")]
    [captured] = [e for e in entries if e["kind"] == "media_captured"]
    assert captured["subject"]["sha256"] == digest
    assert captured["subject"]["message_id"] == message_id
    assert (out / "data" / "custody" / f"{captured['seq']}.proof.json").is_file()  # sealed
    verified = await asyncio.to_thread(
        CliRunner().invoke, app, ["evidence", "verify", str(out)], env=env
    )
    assert verified.exit_code == 0, verified.output
    assert "captures, 1 media files, " in verified.output

    # Another photo in its place, with the bag's manifests made again: the custody log says no.
    photo.write_bytes(plain_photo())
    bagit.Bag(str(out)).save(manifests=True)
    problems = [str(p) for p in verify_bag(out).problems]
    assert problems == [
        f"{photo.relative_to(out)}: its SHA-256 is in no media_captured custody entry of the bag"
    ]
