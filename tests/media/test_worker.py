"""The media worker on a real archive with a MediaSource of our own (the Telegram edge is tested
end to end in tests/e2e/test_media.py): bad input is recorded on the row with a clear reason,
retried where it makes sense, and never stops the queue; nothing half-written stays on disk."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

import pytest

from monitor.domain import Channel, MediaItem, MediaState, OcrState, Post, StoredMedia
from monitor.errors import (
    DcRateLimitedError,
    MediaUnavailableError,
    RateLimitedError,
    TelegramError,
)
from monitor.media.files import MediaFiles
from monitor.media.reading import tesseract_reader
from monitor.media.setup import ocr_available
from monitor.media.worker import Matching, MediaConfig, MediaWorker
from monitor.store.deliveries import DeliveryRepo
from monitor.store.engine import Database
from monitor.store.media import MediaRepo
from tests.conftest import NOW
from tests.media.images import summons_photo
from tests.outbox_world import MELITOPOL, OutboxWorld, category, find_hits

Behaviour = Callable[[int, BinaryIO], None]


class Clock:
    def __init__(self) -> None:
        self.at = NOW

    def now(self):  # type: ignore[no-untyped-def]
        return self.at

    def monotonic(self) -> float:
        return 0.0

    async def sleep(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


class Source:
    """Our MediaSource: each message id behaves as the test says."""

    def __init__(self, behaviours: dict[int, Behaviour]) -> None:
        self.behaviours = behaviours
        self.calls: list[int] = []

    async def download(
        self, channel: Channel, message_id: int, into: BinaryIO, *, max_bytes: int | None
    ) -> None:
        self.calls.append(message_id)
        self.behaviours[message_id](message_id, into)


def writes(data: bytes) -> Behaviour:
    def run(_id: int, into: BinaryIO) -> None:
        into.write(data)

    return run


def fails(error: Exception, partial: bytes = b"") -> Behaviour:
    def run(_id: int, into: BinaryIO) -> None:
        into.write(partial)
        raise error

    return run


@pytest.fixture
async def world(database: Database) -> OutboxWorld:
    w = OutboxWorld(database)
    await w.channels()
    return w


async def queue(world: OutboxWorld, *items: MediaItem) -> None:
    posts = [Post(MELITOPOL.telegram_id, i.message_id, NOW, "", media=(i,)) for i in items]
    await world.posts.save_posts(MELITOPOL.telegram_id, posts, now=NOW, find_hits=find_hits)


def worker(
    world: OutboxWorld,
    tmp_path: Path,
    source: Source,
    clock: Clock,
    ocr_available: Callable[[], bool] | None = None,
    **config: object,
) -> MediaWorker:
    return MediaWorker(
        MediaRepo(world.db),
        MediaFiles(tmp_path / "media"),
        source,
        clock,
        Matching(find_hits, lambda text: text.lower(), world.hook),
        config=MediaConfig(**config),  # type: ignore[arg-type]
        recognise=tesseract_reader(),
        ocr_available=ocr_available,
    )


async def rows(world: OutboxWorld) -> dict[int, StoredMedia]:
    repo = MediaRepo(world.db)
    found = await repo.list_media(list(range(1, 50)))
    return {m.message_id: m for items in found.values() for m in items}


async def test_bad_input_is_recorded_per_row_and_the_queue_goes_on(
    world: OutboxWorld, tmp_path: Path
) -> None:
    good = summons_photo()
    await queue(
        world,
        MediaItem(1, "photo", "image/jpeg", len(good)),
        MediaItem(2, "video", "video/mp4", 10_000),  # kind off
        MediaItem(3, "document", "application/pdf", 90 * 1024 * 1024),  # over the limit
        MediaItem(4, "photo", "image/jpeg", None),  # the download is cut mid-way
        MediaItem(5, "photo", "image/jpeg", None),  # the disk is full
        MediaItem(6, "photo", "image/jpeg", None),  # deleted before it was fetched
        MediaItem(7, "photo", "image/jpeg", None),  # truncated: stored, OCR rejects it
        MediaItem(8, "photo", "image/jpeg", None),  # 0 bytes from Telegram
        MediaItem(9, "document", "application/octet-stream", None),  # no size given: fetched
        MediaItem(10, "photo", "image/jpeg", None),  # a flood wait
    )
    source = Source(
        {
            1: writes(good),
            4: fails(TelegramError("x", "connection: reset"), partial=good[:5000]),
            5: fails(OSError(errno.ENOSPC, "No space left on device")),
            6: fails(MediaUnavailableError("the post was deleted", permanent=True)),
            7: writes(good[: len(good) // 3]),
            8: writes(b""),
            9: writes(b"x" * 3000),
            10: fails(RateLimitedError(120, "upload.getFile")),
        }
    )
    clock = Clock()
    media = worker(
        world,
        tmp_path,
        source,
        clock,
        kinds=frozenset({"photo", "document"}),
        max_bytes=2048 * 1024,
        batch=20,
    )
    assert await media.run_once() == 10
    found = await rows(world)
    states = {i: (m.state, m.ocr_state, m.attempts) for i, m in found.items()}
    assert states == {
        1: (MediaState.DONE, OcrState.DONE, 1),
        2: (MediaState.SKIPPED, OcrState.NONE, 0),
        3: (MediaState.SKIPPED, OcrState.NONE, 0),
        4: (MediaState.PENDING, OcrState.PENDING, 1),
        5: (MediaState.PENDING, OcrState.PENDING, 1),
        6: (MediaState.FAILED, OcrState.NONE, 1),
        7: (MediaState.DONE, OcrState.FAILED, 1),
        8: (MediaState.PENDING, OcrState.PENDING, 1),
        9: (MediaState.DONE, OcrState.NONE, 1),
        10: (MediaState.PENDING, OcrState.PENDING, 0),
    }
    assert found[2].failure == "video is not in MEDIA_KINDS (document,photo)"
    assert found[3].failure == "94371840 bytes, over MEDIA_MAX_BYTES (2097152)"
    assert found[4].failure == "Telegram error on x: connection: reset"
    assert found[5].failure is not None
    assert found[5].failure.startswith("the disk of MEDIA_DIR is full")
    assert found[6].failure == "the post was deleted"
    assert found[7].failure is not None
    assert found[7].failure.startswith("OCR: image rejected:")
    assert found[8].failure == "Telegram sent an empty file (0 bytes)"
    assert found[10].failure == "FloodWait 120 s"
    assert found[10].next_try_at == NOW + timedelta(seconds=120)
    assert "ПОВЕСТКА" in (found[1].ocr_text or "")
    # Nothing half-written: only whole files under their hash, an empty tmp/.
    files = MediaFiles(tmp_path / "media")
    assert sorted(p.name for p in files.root.glob("??/??/*")) == sorted(
        m.sha256 for m in found.values() if m.sha256
    )
    assert list(files.temp_dir.iterdir()) == []
    # Retries come when due, not before.
    assert await media.run_once() == 0
    clock.at += timedelta(hours=1)
    source.behaviours.update({4: writes(good), 5: writes(good), 8: writes(good), 10: writes(good)})
    assert await media.run_once() == 4
    found = await rows(world)
    assert {found[i].state for i in (4, 5, 8, 10)} == {MediaState.DONE}
    assert len(list(files.root.glob("??/??/*"))) == 3  # good, the truncated one, the 3000 x


async def test_a_download_over_the_limit_is_skipped_not_retried(
    world: OutboxWorld, tmp_path: Path
) -> None:
    await queue(world, MediaItem(1, "document", "application/zip", None))
    from monitor.media.files import FileTooLargeError

    source = Source({1: fails(FileTooLargeError(1000), partial=b"x" * 1000)})
    media = worker(world, tmp_path, source, Clock(), max_bytes=1000)
    await media.run_once()
    found = await rows(world)
    assert (found[1].state, found[1].failure) == (
        MediaState.SKIPPED,
        "larger than MEDIA_MAX_BYTES (1000 bytes)",
    )


async def test_a_restart_mid_download_loses_nothing_and_stores_nothing_twice(
    world: OutboxWorld, tmp_path: Path
) -> None:
    await queue(world, MediaItem(1, "photo", "image/jpeg", None))
    repo = MediaRepo(world.db)
    assert len(await repo.claim_due(now=NOW)) == 1  # a process took it...
    files = MediaFiles(tmp_path / "media")
    with files.writing() as temp:  # ...wrote half of it, and died (the temp file stays)
        temp.handle.write(b"half")
        temp.handle.flush()
        leftover = temp.path
        leftover.rename(leftover.with_name("part-crashed"))
    assert [p.name for p in files.temp_dir.iterdir()] == ["part-crashed"]
    image = summons_photo()
    source = Source({1: writes(image)})
    media = worker(world, tmp_path, source, Clock())
    assert await media.run_once() == 1  # the new process: cleans up, takes the row again
    assert list(files.temp_dir.iterdir()) == []
    assert source.calls == [1]
    assert (await rows(world))[1].state is MediaState.DONE
    assert await media.run_once() == 0  # done is done
    assert len(list(files.root.glob("??/??/*"))) == 1


async def test_a_flood_wait_holds_every_download_without_spending_attempts(
    world: OutboxWorld, tmp_path: Path
) -> None:
    await queue(world, *(MediaItem(i, "photo", "image/jpeg", None) for i in (1, 2, 3)))
    source = Source(
        {1: fails(RateLimitedError(300, "upload.getFile")), 2: writes(b"2"), 3: writes(b"3")}
    )
    clock = Clock()
    media = worker(world, tmp_path, source, clock, batch=3)
    await media.run_once()
    assert source.calls == [1]  # the others were not even tried
    found = await rows(world)
    assert {i: (m.state, m.attempts, m.next_try_at) for i, m in found.items()} == {
        i: (MediaState.PENDING, 0, NOW + timedelta(seconds=300)) for i in (1, 2, 3)
    }
    clock.at += timedelta(seconds=301)
    source.behaviours[1] = writes(b"1")
    await media.run_once()
    assert {m.state for m in (await rows(world)).values()} == {MediaState.DONE}


async def test_a_bomb_or_an_unknown_format_is_kept_and_its_ocr_fails_with_the_reason(
    world: OutboxWorld, tmp_path: Path
) -> None:
    from tests.media.test_image import png_header

    await queue(
        world,
        MediaItem(1, "photo", "image/jpeg", None),  # a 200-megapixel PNG header
        MediaItem(2, "document", "image/x-unknown", None),  # an "image" no decoder knows
        MediaItem(3, "document", "application/x-foo", None),  # not an image: no OCR at all
    )
    source = Source(
        {1: writes(png_header(20_000, 10_000)), 2: writes(b"GIF89?not really"), 3: writes(b"??")}
    )
    media = worker(world, tmp_path, source, Clock(), batch=3)
    assert await media.run_once() == 3
    found = await rows(world)
    assert [(found[i].state, found[i].ocr_state) for i in (1, 2, 3)] == [
        (MediaState.DONE, OcrState.FAILED),
        (MediaState.DONE, OcrState.FAILED),
        (MediaState.DONE, OcrState.NONE),
    ]
    assert found[1].failure is not None
    assert "too many pixels (200 megapixels" in found[1].failure
    assert found[2].failure is not None
    assert found[2].failure.startswith("OCR: image rejected:")
    assert found[3].failure is None


async def test_a_flood_wait_on_one_dc_holds_only_the_files_on_that_dc(
    world: OutboxWorld, tmp_path: Path
) -> None:
    await queue(
        world,
        MediaItem(1, "photo", "image/jpeg", None, dc_id=4),
        MediaItem(2, "photo", "image/jpeg", None, dc_id=4),
        MediaItem(3, "photo", "image/jpeg", None, dc_id=2),
        MediaItem(4, "photo", "image/jpeg", None, dc_id=None),  # an import's: no DC known
    )
    source = Source(
        {
            1: fails(DcRateLimitedError(300, 4, "upload.getFile")),
            2: writes(b"2"),
            3: writes(b"3"),
            4: writes(b"4"),
        }
    )
    clock = Clock()
    media = worker(world, tmp_path, source, clock, batch=4)
    await media.run_once()
    assert source.calls == [1, 3, 4]  # DC 4's second file waits, untried; DC 2's goes on
    found = await rows(world)
    assert {i: (m.state, m.attempts) for i, m in found.items()} == {
        1: (MediaState.PENDING, 0),
        2: (MediaState.PENDING, 0),
        3: (MediaState.DONE, 1),
        4: (MediaState.DONE, 1),
    }
    assert found[1].failure == "FloodWait 300 s on DC 4"
    assert found[1].next_try_at == found[2].next_try_at == NOW + timedelta(seconds=300)

    await queue(world, MediaItem(5, "photo", "image/jpeg", None, dc_id=4))
    source.behaviours[5] = writes(b"5")
    clock.at += timedelta(seconds=100)
    await media.run_once()  # still within DC 4's wait: its new file is not even claimed
    assert source.calls == [1, 3, 4]
    assert (await rows(world))[5].state is MediaState.PENDING

    clock.at += timedelta(seconds=201)
    source.behaviours[1] = writes(b"1")
    await media.run_once()
    assert sorted(source.calls[3:]) == [1, 2, 5]
    assert {m.state for m in (await rows(world)).values()} == {MediaState.DONE}


async def test_images_missed_while_tesseract_was_missing_are_read_when_it_is_back(
    world: OutboxWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await world.subscriber(1, category("summons"))
    image = summons_photo()
    await queue(world, MediaItem(1, "photo", "image/jpeg", len(image)))
    source = Source({1: writes(image)})
    real_path = os.environ["PATH"]
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs"))  # no `tesseract` to run
    await worker(world, tmp_path, source, Clock()).run_once()
    (media,) = (await rows(world)).values()
    assert (media.state, media.ocr_state) == (MediaState.DONE, OcrState.FAILED)
    assert media.failure is not None
    assert media.failure.startswith(
        "OCR unavailable: Tesseract is not installed (no `tesseract` on PATH): install it with"
    )
    assert await DeliveryRepo(world.db).list_alerts() == []

    monkeypatch.setenv("PATH", real_path)  # Tesseract installed; the service starts again
    restarted = worker(world, tmp_path, source, Clock(), ocr_available=ocr_available)
    await restarted.run_once()
    (media,) = (await rows(world)).values()
    assert (media.ocr_state, media.failure) == (OcrState.DONE, None)
    assert "ПОВЕСТКА" in (media.ocr_text or "")
    assert [a.rule_ids for a in await DeliveryRepo(world.db).list_alerts()] == [("summons.ru",)]
    assert source.calls == [1]  # read from the archive, not downloaded again

    # Another start: nothing is read again, nobody is told twice.
    await worker(world, tmp_path, source, Clock(), ocr_available=ocr_available).run_once()
    assert len(await DeliveryRepo(world.db).list_alerts()) == 1


async def test_an_image_rejected_by_ocr_is_not_read_again_at_start(
    world: OutboxWorld, tmp_path: Path
) -> None:
    await queue(world, MediaItem(1, "photo", "image/jpeg", None))
    source = Source({1: writes(summons_photo()[:2000])})  # truncated: OCR rejects it
    await worker(world, tmp_path, source, Clock()).run_once()
    before = (await rows(world))[1]
    assert before.ocr_state is OcrState.FAILED
    await worker(world, tmp_path, source, Clock(), ocr_available=ocr_available).run_once()
    after = (await rows(world))[1]
    assert (after.ocr_state, after.failure) == (OcrState.FAILED, before.failure)
