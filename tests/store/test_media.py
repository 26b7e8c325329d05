"""The media rows on a real migrated SQLite file: queued with the post, claimed, retried, and
what an OCR text adds to its post (hits with their source, search, one alert per subscriber)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from monitor.domain import MediaItem, MediaState, OcrState, Post
from monitor.search.query import default_lemmatizer, lemma_terms, parse_query
from monitor.store.deliveries import DeliveryRepo
from monitor.store.engine import Database
from monitor.store.media import MediaRepo, OcrResult
from monitor.store.search import SearchRepo
from tests.conftest import NOW
from tests.outbox_world import MELITOPOL, SUMMONS, OutboxWorld, category, find_hits

PHOTO_TEXT = "ПОВЕСТКА\nВам надлежит явиться в военный комиссариат"


@pytest.fixture
async def world(database: Database) -> OutboxWorld:
    w = OutboxWorld(database)
    await w.channels()
    return w


def photo(message_id: int, size: int = 1000) -> MediaItem:
    return MediaItem(message_id, "photo", "image/jpeg", size, 800, 600)


async def save(world: OutboxWorld, *posts: Post) -> None:
    index = SearchRepo(world.db, default_lemmatizer()).index_hook()
    await world.posts.save_posts(
        MELITOPOL.telegram_id, list(posts), now=NOW, find_hits=find_hits, hooks=[index, world.hook]
    )


def post(message_id: int, text: str, *media: MediaItem, grouped_id: int | None = None) -> Post:
    return Post(MELITOPOL.telegram_id, message_id, NOW, text, media=media, grouped_id=grouped_id)


def ocr_result(text: str) -> OcrResult:
    terms = " ".join(lemma_terms(default_lemmatizer().index_terms, text))
    hits = tuple(find_hits(text))
    return OcrResult(text, 91.0, terms, hits)


async def test_every_item_of_an_album_is_queued_with_the_post_once(world: OutboxWorld) -> None:
    album = post(10, "фото", photo(10), photo(11), photo(12), grouped_id=7)
    await save(world, album)
    await save(world, album)  # polled again: nothing new
    await save(world, post(13, "", photo(13), grouped_id=7))  # a late part, live
    found = await world.posts.find_post(MELITOPOL.telegram_id, 10)
    assert found is not None
    assert found.id is not None
    media = (await MediaRepo(world.db).list_media([found.id]))[found.id]
    assert [(m.message_id, m.position, m.state, m.ocr_state) for m in media] == [
        (10, 0, MediaState.PENDING, OcrState.PENDING),
        (11, 1, MediaState.PENDING, OcrState.PENDING),
        (12, 2, MediaState.PENDING, OcrState.PENDING),
        (13, 3, MediaState.PENDING, OcrState.PENDING),
    ]


async def test_claimed_rows_are_released_after_a_stop_and_retried_when_due(
    world: OutboxWorld,
) -> None:
    await save(world, post(10, "", photo(10)), post(11, "", photo(11)))
    repo = MediaRepo(world.db)
    first = await repo.claim_due(now=NOW, limit=1)
    assert [j.media.message_id for j in first] == [10]
    assert first[0].channel.telegram_id == MELITOPOL.telegram_id
    assert await repo.release_interrupted() == 1  # the process stopped mid-download
    await repo.mark_retry(first[0].media.id, "connection cut", retry_at=NOW + timedelta(minutes=1))
    assert [j.media.message_id for j in await repo.claim_due(now=NOW)] == [11]
    later = await repo.claim_due(now=NOW + timedelta(minutes=2))
    assert [(j.media.message_id, j.media.attempts) for j in later] == [(10, 1)]
    await repo.mark_failed(later[0].media.id, "the post was deleted")
    counts = await repo.counts()
    assert counts.states[MediaState.FAILED] == 1
    assert counts.states[MediaState.DOWNLOADING] == 1
    assert counts.ocr[OcrState.NONE] == 1  # a failed download leaves nothing to read
    assert counts.failures[0][2] == "the post was deleted"


async def test_a_photo_only_draft_notice_is_found_matched_and_alerted_once(
    world: OutboxWorld,
) -> None:
    sid = await world.subscriber(1, category("summons"))
    await save(world, post(10, "ось що роздають сьогодні біля ринку 👇", photo(10)))
    repo = MediaRepo(world.db)
    (job,) = await repo.claim_due(now=NOW)
    await repo.mark_done(job.media.id, sha256="a" * 64, size=1000, now=NOW, ocr=OcrState.PENDING)
    assert await DeliveryRepo(world.db).list_alerts() == []  # the caption matched nothing

    hits = await repo.save_ocr(job.media.id, ocr_result(PHOTO_TEXT), now=NOW, alerts=world.hook)

    assert [(h.rule_id, h.source, h.media_id) for h in hits] == [
        ("summons.ru", "media", job.media.id)
    ]
    span = hits[0].spans[0]
    assert PHOTO_TEXT[span.start : span.end] == "ПОВЕСТК"  # spans point into the OCR text
    alerts = await DeliveryRepo(world.db).list_alerts()
    assert [(a.subscriber_id, a.post_id, a.rule_ids) for a in alerts] == [
        (sid, job.media.post_id, ("summons.ru",))
    ]
    search = SearchRepo(world.db, default_lemmatizer())
    page = await search.search(parse_query("повестка"))
    assert [r.post.message_id for r in page.results] == [10]
    assert page.results[0].media[0].ocr_text == PHOTO_TEXT
    assert [(h.rule_id, h.source) for h in page.results[0].hits] == [("summons.ru", "media")]


async def test_a_caption_already_alerted_gets_no_second_alert_from_its_photo(
    world: OutboxWorld,
) -> None:
    await world.subscriber(1, category("summons"), category("roundup"))
    await save(world, post(10, SUMMONS, photo(10)))
    repo = MediaRepo(world.db)
    (job,) = await repo.claim_due(now=NOW)
    await repo.mark_done(job.media.id, sha256="b" * 64, size=9, now=NOW, ocr=OcrState.PENDING)
    hits = await repo.save_ocr(
        job.media.id, ocr_result(PHOTO_TEXT + "\nоблава"), now=NOW, alerts=world.hook
    )
    assert [h.rule_id for h in hits] == ["roundup.ru"]  # summons.ru keeps the caption's hit
    alerts = await DeliveryRepo(world.db).list_alerts()
    assert [a.rule_ids for a in alerts] == [("summons.ru",)]


async def test_an_edit_of_the_caption_keeps_the_photo_text_searchable(world: OutboxWorld) -> None:
    await save(world, post(10, "фото дня", photo(10)))
    repo = MediaRepo(world.db)
    (job,) = await repo.claim_due(now=NOW)
    await repo.mark_done(job.media.id, sha256="c" * 64, size=9, now=NOW, ocr=OcrState.PENDING)
    await repo.save_ocr(job.media.id, ocr_result(PHOTO_TEXT), now=NOW)
    edited = Post(MELITOPOL.telegram_id, 10, NOW, "фото дня (обновлено)", edit_date=NOW)
    await save(world, edited)
    search = SearchRepo(world.db, default_lemmatizer())
    assert [r.post.text for r in (await search.search(parse_query("комиссариат"))).results] == [
        "фото дня (обновлено)"
    ]
    assert await search.rebuild_index() == 1
    assert len((await search.search(parse_query("повестка"))).results) == 1
