"""CLI: `status` shows the media queue, OCR and disk use; `search` and `export` show media
(kind, size, hash, OCR text)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from monitor.cli import app
from monitor.domain import MediaItem, OcrState, Post
from monitor.media.files import MediaFiles
from monitor.search.query import default_lemmatizer, lemma_terms
from monitor.store.channels import ChannelRepo
from monitor.store.engine import Database
from monitor.store.media import MediaRepo, OcrResult
from monitor.store.posts import PostRepo
from monitor.store.search import SearchRepo
from tests.conftest import NOW
from tests.outbox_world import MELITOPOL, find_hits

runner = CliRunner()
OCR_TEXT = "ПОВЕСТКА\nВам надлежит явиться в военный комиссариат"
CAPTION = "ось що роздають сьогодні біля ринку"


async def _seed(url: str, media_dir: Path) -> str:
    db = Database.open(url)
    try:
        await ChannelRepo(db).upsert_channel(MELITOPOL, now=NOW)
        posts = [
            Post(
                MELITOPOL.telegram_id, 5, NOW, CAPTION, media=(MediaItem(5, "photo", "image/jpeg"),)
            ),
            Post(
                MELITOPOL.telegram_id, 6, NOW, "відео", media=(MediaItem(6, "video", "video/mp4"),)
            ),
        ]
        index = SearchRepo(db, default_lemmatizer()).index_hook()
        await PostRepo(db).save_posts(
            MELITOPOL.telegram_id, posts, now=NOW, find_hits=find_hits, hooks=[index]
        )
        repo = MediaRepo(db)
        photo, video = await repo.claim_due(now=NOW)
        stored = MediaFiles(media_dir).store_bytes(b"\xff\xd8 a summons photo")
        await repo.mark_done(
            photo.media.id, sha256=stored.sha256, size=stored.size, now=NOW, ocr=OcrState.PENDING
        )
        terms = " ".join(lemma_terms(default_lemmatizer().index_terms, OCR_TEXT))
        await repo.save_ocr(
            photo.media.id, OcrResult(OCR_TEXT, 90.0, terms, tuple(find_hits(OCR_TEXT))), now=NOW
        )
        await repo.mark_failed(video.media.id, "the post was deleted before its media was fetched")
        return stored.sha256
    finally:
        await db.close()


@pytest.fixture
def archive(db_url: str, clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    media_dir = clean_env / "media"
    sha = asyncio.run(_seed(db_url, media_dir))
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("MEDIA_DIR", str(media_dir))
    monkeypatch.setenv("OCR", "no")
    return sha


def test_status_shows_the_media_queue_ocr_and_disk_use(archive: str) -> None:
    result = runner.invoke(app, ["status"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    shown = " ".join(result.output.split())  # Rich wraps long lines at its width
    assert (
        "1 stored (1 files, 18 B on disk), 0 pending, 0 downloading, 1 failed, 0 skipped" in shown
    )
    assert "  OCR: off (OCR=no)" in result.output.splitlines()
    assert "images read by OCR: 1, to read 0, failed 0" in shown
    assert "(video): the post was deleted before its media was fetched" in shown


def test_search_finds_a_post_by_the_word_in_its_photo_and_shows_the_media(archive: str) -> None:
    result = runner.invoke(app, ["search", "повестка", "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    (record,) = [json.loads(line) for line in result.output.splitlines()]
    assert record["text"] == CAPTION
    assert record["media_files"] == f"photo image/jpeg 18 B sha256:{archive}"
    assert record["ocr_text"] == OCR_TEXT
    assert record["categories"] == "summons"
    table = runner.invoke(app, ["search", "комиссариат"], env={"COLUMNS": "250"})
    assert f"sha256:{archive}" in table.output
    assert "OCR: ПОВЕСТКА Вам надлежит" in table.output
