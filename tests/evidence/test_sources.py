"""Captures of imported posts, the admins' notice of a restored archive, and check-config."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner

from monitor.bot.notices import HealthNotifier
from monitor.cli import app
from monitor.clock import SystemClock
from monitor.imports.desktop import import_export, load_export
from monitor.store.channels import ChannelRepo
from monitor.store.engine import Database
from monitor.store.evidence import EvidenceRepo, evidence_step
from monitor.store.posts import PostRepo

EXPORT = Path(__file__).resolve().parents[1] / "data" / "telegram_desktop_export" / "result.json"
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


async def test_an_import_captures_each_message_from_the_export_file(database: Database) -> None:
    export = load_export(EXPORT)
    await import_export(
        export,
        channels=ChannelRepo(database),
        posts=PostRepo(database),
        now=NOW,
        find_hits=lambda _t: (),
        hooks=(evidence_step(),),
    )
    first = next(iter(export.posts))
    stored = await PostRepo(database).find_post(first.channel_telegram_id, first.message_id)
    assert stored is not None
    assert stored.id is not None
    [capture] = await EvidenceRepo(database).list_captures([stored.id])
    record = json.loads(capture.record)
    assert (capture.source, record["source"]) == ("import", "import")
    assert record["raw"]["id"] == first.message_id
    assert record["account"] == f"Telegram Desktop export {EXPORT}"
    entries = await EvidenceRepo(database).list_entries(1, 10_000)
    assert len(entries) == await PostRepo(database).count_posts()


async def test_admins_are_told_of_a_restored_archive() -> None:
    told: list[tuple[int, str]] = []

    async def notify(chat_id: int, html: str) -> None:
        told.append((chat_id, html))

    notifier = HealthNotifier(notify, [11, 22], SystemClock(), flood_wait_alert_s=3600)
    assert await notifier.evidence_restored("evidence: the archive does not continue <x>")
    assert [chat for chat, _ in told] == [11, 22]
    assert "does not continue &lt;x&gt;" in told[0][1]


def test_check_config_says_when_no_tsa_is_configured(clean_env: Path) -> None:
    env = {
        "TELEGRAM_API_ID": "12345",
        "TELEGRAM_API_HASH": "0123456789abcdef0123456789abcdef",
        "BOT_TOKEN": "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "ADMIN_IDS": "1",
    }
    result = CliRunner().invoke(app, ["check-config"], env=env)
    assert result.exit_code == 0, result.output
    assert "note: EVIDENCE_TSA_URLS is not set: evidence seals get no trusted timestamp" in (
        result.output
    )
    bad = CliRunner().invoke(app, ["check-config"], env={**env, "EVIDENCE_TSA_URLS": "ftp://x"})
    assert bad.exit_code == 1
    assert "EVIDENCE_TSA_URLS: 'ftp://x' is not an http(s) URL" in bad.output
    good = CliRunner().invoke(
        app, ["check-config"], env={**env, "EVIDENCE_TSA_URLS": "https://freetsa.org/tsr"}
    )
    assert good.exit_code == 0
    assert "EVIDENCE_TSA_URLS" not in good.output
