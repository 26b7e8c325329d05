"""Search results show media: the bot's card shows what OCR read when that is what matched;
the CSV/JSONL record lists each item (kind, size, hash or state) and its OCR text."""

from __future__ import annotations

from datetime import UTC, datetime

from monitor.domain import Channel, MediaState, OcrState, Post, StoredMedia
from monitor.search.query import SearchResult
from monitor.search.render import result_card, result_record

CHANNEL = Channel(telegram_id=1001, title="Мелітополь", username="mel")
POST = Post(1001, 5, datetime(2024, 11, 25, 9, tzinfo=UTC), "ось що роздають біля ринку", id=1)
PHOTO = StoredMedia(
    id=7, post_id=1, position=0, message_id=5, kind="photo", state=MediaState.DONE,
    mime="image/jpeg", size=48213, sha256="ab" * 32, ocr_state=OcrState.DONE,
    ocr_text="ПОВІСТКА\nВам необхідно з'явитися",
)  # fmt: skip
VIDEO = StoredMedia(
    id=8, post_id=1, position=1, message_id=6, kind="video", state=MediaState.SKIPPED,
    mime="video/mp4", size=90_000_000, failure="over MEDIA_MAX_BYTES",
)  # fmt: skip


def test_the_card_shows_the_photo_text_when_only_the_photo_matched() -> None:
    card = result_card(SearchResult(POST, CHANNEL, (), (), media=(PHOTO,)), number=1)
    assert "📷 <i>ПОВІСТКА Вам необхідно з'явитися</i>" in card


def test_the_record_lists_every_item_and_its_ocr_text() -> None:
    record = result_record(SearchResult(POST, CHANNEL, (), (), media=(PHOTO, VIDEO)))
    assert record["media_files"] == (
        f"photo image/jpeg 48213 B sha256:{'ab' * 32} | "
        "video video/mp4 90000000 B skipped (over MEDIA_MAX_BYTES)"
    )
    assert record["ocr_text"] == PHOTO.ocr_text
