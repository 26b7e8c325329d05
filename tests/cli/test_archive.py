"""CLI search, export and reindex: what the user sees on the terminal and in the file."""

from __future__ import annotations

import asyncio
import csv
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from monitor.cli import app
from monitor.domain import Post
from monitor.store.engine import Database
from monitor.store.posts import PostRepo
from tests.search_archive import NOW, RU, seed

runner = CliRunner()


async def _seed(url: str) -> None:
    db = Database.open(url)
    try:
        await seed(db)
    finally:
        await db.close()


@pytest.fixture
def archive(db_url: str, clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    asyncio.run(_seed(db_url))
    monkeypatch.setenv("DATABASE_URL", db_url)
    return clean_env


def test_search_prints_a_table_of_matches(archive: Path) -> None:
    result = runner.invoke(app, ["search", "повістки", "--sort", "date"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "https://t.me/dvizh_mel/2" in result.output
    assert "https://t.me/zp_online/3" in result.output
    assert "Погода" not in result.output
    assert result.output.index("dvizh_mel/2") < result.output.index("dvizh_mel/1")


def test_search_as_jsonl(archive: Path) -> None:
    result = runner.invoke(app, ["search", "облава", "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.output.splitlines()]
    assert [(r["channel"], r["message_id"], r["categories"]) for r in records] == [
        ("@zp_online", 4, "raid")
    ]


def test_a_malformed_query_gets_a_friendly_message(archive: Path) -> None:
    result = runner.invoke(app, ["search", 'повестка "вручают'])
    assert result.exit_code == 2
    assert 'a "phrase" is missing its closing quote' in result.output
    assert "Traceback" not in result.output


def test_export_streams_every_match_to_csv(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "hits.csv"
    result = runner.invoke(app, ["export", "hit:yes", "--format", "csv", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "5 posts written" in result.output
    with out.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [int(r["message_id"]) for r in rows] == [2, 1, 3, 4, 5]
    assert rows[0]["text"].endswith("Явка обязательна.")
    assert rows[0]["edited"].startswith("2024-11-23")


def test_reindex_reports_the_posts_indexed(archive: Path) -> None:
    result = runner.invoke(app, ["reindex"])
    assert result.exit_code == 0, result.output
    assert "7 posts indexed" in result.output


def test_search_says_when_the_index_needs_a_rebuild(archive: Path, db_url: str) -> None:
    async def save_unindexed() -> None:
        db = Database.open(db_url)
        try:
            post = Post(RU.telegram_id, 99, datetime(2024, 11, 24, tzinfo=UTC), "Облава у рынка")
            await PostRepo(db).save_posts(RU.telegram_id, [post], now=NOW)
        finally:
            await db.close()

    asyncio.run(save_unindexed())
    result = runner.invoke(app, ["search", "облава"])
    assert result.exit_code == 0, result.output
    assert "run `python bot.py reindex`" in result.output
    assert runner.invoke(app, ["reindex"]).exit_code == 0
    again = runner.invoke(app, ["search", "облава", "--format", "jsonl"])
    assert "reindex" not in again.output
    assert '"message_id": 99' in again.output


def test_export_to_stdout_with_out_dash(archive: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["export", "hit:yes", "--format", "jsonl", "--out", "-"])
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "-").exists()
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["message_id"] for r in records] == [2, 1, 3, 4, 5]
    assert "5 posts written to stdout" in result.stderr


def test_export_without_out_names_a_file_and_says_where(archive: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["export", "hit:yes"])
    assert result.exit_code == 0, result.output
    [written] = list(tmp_path.glob("draftwatch-export-*.csv"))
    assert f"5 posts written to {written}" in result.output
    with written.open(encoding="utf-8") as fh:
        assert len(list(csv.DictReader(fh))) == 5
