"""Streamed import of big exports: bounded memory, the header anywhere, a late fault stores nothing."""

from __future__ import annotations

import asyncio
import functools
import tracemalloc
from pathlib import Path

import pytest
from typer.testing import CliRunner

from monitor.cli import app
from monitor.errors import ImportFileError
from monitor.imports.desktop import IMPORT_BATCH, load_export
from monitor.sandbox.desktop_export import SERVICE_EVERY, TEXTS, write_export
from monitor.store.engine import Database
from tests.imports.test_desktop import (  # the import and counts of the fixture's tests
    _counts,
    _import,
)
from tests.stand_in_matcher import find_hits

MESSAGES = 20_000
SERVICE = len(range(0, MESSAGES, SERVICE_EVERY))  # 800
TABLES = ("channels", "posts", "post_versions", "hits", "posts_fts")  # as _counts counts


@pytest.mark.timeout(300)  # storing 19,200 posts takes 20-40 s here, more on a busy machine
async def test_a_big_export_is_stored_in_batches_and_importing_again_changes_nothing(
    database: Database, tmp_path: Path
) -> None:
    export = load_export(write_export(tmp_path / "result.json", messages=MESSAGES).path)
    assert (export.post_count, export.skipped) == (MESSAGES - SERVICE, SERVICE)
    progress: list[int] = []
    same_texts = functools.cache(find_hits)  # the export repeats a dozen texts

    async def run() -> tuple[int, int, int, int, int]:
        result = await _import(database, export, progress=progress.append, hit_finder=same_texts)
        return result.total, result.new, result.edited, result.hits, result.unchanged

    expected_hits = sum(
        len(find_hits(TEXTS[i % len(TEXTS)])) for i in range(MESSAGES) if i % SERVICE_EVERY
    )
    assert await run() == (19_200, 19_200, 0, expected_hits, 0)
    assert sum(progress) == 19_200
    assert max(progress) == IMPORT_BATCH
    stored = await _counts(database)
    assert stored == dict(zip(TABLES, (1, 19_200, 19_200, expected_hits, 19_200), strict=True))
    assert await run() == (19_200, 0, 0, 0, 19_200)
    assert await _counts(database) == stored


def _break_near_the_end(path: Path) -> str:
    """Two commas after the last message's id; the line and column json.loads would name."""
    content = path.read_text(encoding="utf-8")
    at = content.rindex(f'"id": {MESSAGES},') + len(f'"id": {MESSAGES},')
    path.write_text(content[:at] + "," + content[at:], encoding="utf-8")
    line, column = content.count("\n", 0, at) + 1, at - content.rfind("\n", 0, at)
    return f"line {line}, column {column}: is not valid JSON"


@pytest.mark.parametrize("fault", ["message", "json"])
def test_a_fault_near_the_end_of_a_big_file_stores_nothing(
    db_url: str, clean_env: Path, monkeypatch: pytest.MonkeyPatch, fault: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", db_url)
    path = clean_env / "result.json"
    if fault == "message":
        changes = {MESSAGES - 3: {"text": ["Мобилизация", 42]}}
        write_export(path, messages=MESSAGES, changes=changes)
        expected = f"message #{MESSAGES - 3} (id {MESSAGES - 2}): a part of `text` is neither"
    else:
        write_export(path, messages=MESSAGES)
        expected = _break_near_the_end(path)
    result = CliRunner().invoke(app, ["import", str(path)])
    assert result.exit_code == 2
    assert expected in result.output.replace("\n", " ")
    assert _stored(db_url) == dict.fromkeys(TABLES, 0)


def _stored(db_url: str) -> dict[str, int]:
    async def work() -> dict[str, int]:
        db = Database.open(db_url)
        try:
            return await _counts(db)
        finally:
            await db.close()

    return asyncio.run(work())


def test_the_header_may_follow_the_messages(tmp_path: Path) -> None:
    written = write_export(
        tmp_path / "result.json", messages=60, title="Бердянск 24", header_last=True
    )
    export = load_export(written.path)
    assert (export.telegram_id, export.title, export.post_count, export.skipped) == (
        1623456789,
        "Бердянск 24",
        57,
        3,
    )
    assert [p.message_id for p in export.posts][:3] == [2, 3, 4]


def test_a_malformed_header_after_the_messages_is_reported(tmp_path: Path) -> None:
    path = write_export(tmp_path / "result.json", messages=60, channel_id=0, header_last=True).path
    with pytest.raises(ImportFileError, match="top level: `id` is not a channel id: 0"):
        load_export(path)


def test_checking_and_reading_a_big_export_hold_one_message_at_a_time(tmp_path: Path) -> None:
    path = write_export(tmp_path / "result.json", messages=MESSAGES).path
    tracemalloc.start()
    try:
        export = load_export(path)
        read = sum(1 for _post in export.posts)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert read == MESSAGES - SERVICE
    # The file is over 10 MB; decoding it whole took about five times that.
    assert path.stat().st_size > 10_000_000
    assert peak < 1_000_000
