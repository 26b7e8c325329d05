"""The media queue's worker: downloads pending items (rows, not memory, so a restart loses none)
into the content-addressed archive, retries with backoff, honours flood waits, skips what the
settings leave out, then reads images with OCR off the event loop and stores what the text
matches (does I/O through a MediaSource, MediaFiles and the media repository)."""

from __future__ import annotations

import asyncio
import errno
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO, Protocol

from monitor.clock import Clock
from monitor.domain import Channel, Hit, OcrState, StoredMedia
from monitor.errors import (
    DcRateLimitedError,
    DraftwatchError,
    MediaUnavailableError,
    RateLimitedError,
    SessionDeadError,
)
from monitor.media.files import FileTooLargeError, MediaFiles, StoredFile
from monitor.store.media import MediaJob, MediaRepo, OcrResult
from monitor.store.posts import SaveHook

logger = logging.getLogger(__name__)


class MediaSource(Protocol):
    """The Telegram edge (monitor.telegram.media implements it)."""

    async def download(
        self, channel: Channel, message_id: int, into: BinaryIO, *, max_bytes: int | None
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class Reading:
    """What OCR read in one image."""

    text: str
    confidence: float | None = None


class OcrFailedError(Exception):
    """OCR could not read an image: a bad image (`reason` says what) or, `unavailable`, no
    Tesseract (or no language data): the image is read again once OCR works."""

    def __init__(self, reason: str, *, unavailable: bool = False) -> None:
        self.reason = reason
        self.unavailable = unavailable
        super().__init__(reason)


# How the row's failure starts when OCR itself was missing (MediaRepo.requeue_ocr_unavailable).
OCR_UNAVAILABLE = "OCR unavailable: "


Recognise = Callable[[bytes], Reading]  # sync and CPU bound: run in a thread


@dataclass(frozen=True, slots=True)
class MediaConfig:
    """Which media are kept, how big, and the queue's patience (from Settings)."""

    kinds: frozenset[str] = frozenset({"photo", "document", "video", "voice"})
    max_bytes: int = 50 * 1024 * 1024
    ocr: bool = True
    batch: int = 2  # rows claimed per cycle (each may be downloaded and read by OCR)
    max_attempts: int = 6
    backoff_base_s: float = 30.0
    backoff_max_s: float = 6 * 3600.0

    def backoff(self, attempts: int) -> float:
        return float(min(self.backoff_max_s, self.backoff_base_s * 2 ** max(0, attempts - 1)))


@dataclass(slots=True)
class MediaStats:
    downloaded: int = 0
    deduplicated: int = 0
    skipped: int = 0
    retried: int = 0
    failed: int = 0
    flood_waits: int = 0
    ocr_done: int = 0
    ocr_failed: int = 0
    alerts_planned: int = 0
    last_errors: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Matching:
    """What the OCR text goes through: the ingest's matcher, the index's terms, the outbox."""

    find_hits: Callable[[str], Sequence[Hit]]
    index_terms: Callable[[str], str]
    alerts: SaveHook | None = None


class MediaWorker:
    """One cycle at a time (a scheduler job): claim due rows, fetch, store, OCR, match."""

    def __init__(
        self,
        repo: MediaRepo,
        files: MediaFiles,
        source: MediaSource | None,
        clock: Clock,
        matching: Matching,
        *,
        config: MediaConfig | None = None,
        recognise: Recognise | None = None,
        ocr_available: Callable[[], bool] | None = None,
    ) -> None:
        self.config = config or MediaConfig()
        self._ocr_available = ocr_available
        self._repo = repo
        self._files = files
        self._source = source
        self._clock = clock
        self._matching = matching
        self._recognise = recognise if self.config.ocr else None
        self.stats = MediaStats()
        self._started = False
        # A FLOOD_WAIT on reading messages holds every download; one on a DC's files
        # (upload.getFile) holds the files on that DC only.
        self._paused_until: datetime | None = None
        self._dc_held: dict[int, datetime] = {}

    async def start(self) -> None:
        """Before the first cycle: temp files of a crash removed, interrupted rows pending."""
        await asyncio.to_thread(self._files.clean_temp)
        released = await self._repo.release_interrupted()
        if released:
            logger.info("media: %d interrupted downloads queued again", released)
        if self._recognise is not None and (
            self._ocr_available is None or await asyncio.to_thread(self._ocr_available)
        ):
            again = await self._repo.requeue_ocr_unavailable(OCR_UNAVAILABLE)
            if again:
                logger.info("media: OCR works now: %d images it missed are read again", again)
        self._started = True

    async def run_once(self) -> int:
        """Claim due rows and handle each; then OCR images downloaded but not yet read."""
        if not self._started:
            await self.start()
        now = self._clock.now()
        jobs = []
        if self._paused_until is None or self._paused_until <= now:
            held = frozenset(self._held_dcs(now))
            jobs = await self._repo.claim_due(now=now, limit=self.config.batch, skip_dcs=held)
        for job in jobs:
            until = self._held_until(job.media)
            if until is not None:
                # Telegram's wait is the account's (or the DC's): these wait too, without
                # spending an attempt.
                await self._repo.defer(job.media.id, "waiting out a FloodWait", until=until)
                continue
            await self._handle(job)
        for media in await self._repo.list_ocr_pending(limit=self.config.batch):
            await self._ocr(media)
        return len(jobs)

    def _held_dcs(self, now: datetime) -> list[int]:
        return [dc for dc, until in self._dc_held.items() if until > now]

    def _held_until(self, media: StoredMedia) -> datetime | None:
        """When the wait holding this item ends (None: it may be downloaded now)."""
        now = self._clock.now()
        waits = [self._paused_until] if self._paused_until is not None else []
        if media.dc_id is not None and media.dc_id in self._dc_held:
            waits.append(self._dc_held[media.dc_id])
        later = [w for w in waits if w > now]
        return max(later) if later else None

    async def _handle(self, job: MediaJob) -> None:
        media = job.media
        try:
            skip = self._skip_reason(media)
            if skip is not None:
                await self._repo.mark_skipped(media.id, skip)
                self.stats.skipped += 1
                return
            stored = await self._fetch(job)
        except SessionDeadError:
            raise
        except DcRateLimitedError as e:
            until = self._clock.now() + timedelta(seconds=e.retry_after)
            self._dc_held[e.dc_id] = until
            await self._repo.defer(
                media.id, f"FloodWait {e.retry_after} s on DC {e.dc_id}", until=until, dc_id=e.dc_id
            )
            self.stats.flood_waits += 1
            logger.warning(
                "media: flood wait %d s on DC %d media=%d", e.retry_after, e.dc_id, media.id
            )
            return
        except RateLimitedError as e:
            until = self._clock.now() + timedelta(seconds=e.retry_after)
            self._paused_until = until
            await self._repo.defer(media.id, f"FloodWait {e.retry_after} s", until=until)
            self.stats.flood_waits += 1
            logger.warning("media: flood wait %d s media=%d", e.retry_after, media.id)
            return
        except FileTooLargeError as e:
            await self._repo.mark_skipped(media.id, str(e))
            self.stats.skipped += 1
            return
        except MediaUnavailableError as e:
            await self._problem(media, e.reason, permanent=e.permanent)
            return
        except OSError as e:
            reason = _os_reason(e)
            await self._problem(media, reason, permanent=False)
            return
        except DraftwatchError as e:
            await self._problem(media, str(e), permanent=False)
            return
        except Exception as e:  # one bad item never stops the queue (house rule 8)
            logger.exception("media: download crashed media=%d", media.id)
            await self._problem(media, f"{type(e).__name__}: {e}", permanent=False)
            return
        await self._done(media, stored)

    def _skip_reason(self, media: StoredMedia) -> str | None:
        if media.kind not in self.config.kinds and media.kind != "photo":
            return f"{media.kind} is not in MEDIA_KINDS ({','.join(sorted(self.config.kinds))})"
        if media.size is not None and media.size > self.config.max_bytes:
            return f"{media.size} bytes, over MEDIA_MAX_BYTES ({self.config.max_bytes})"
        return None

    async def _fetch(self, job: MediaJob) -> StoredFile:
        media, limit = job.media, self.config.max_bytes
        if media.local_path is not None:
            return await asyncio.to_thread(self._copy_local, media.local_path, limit)
        if self._source is None:
            raise MediaUnavailableError("no Telegram connection to download from")
        with self._files.writing() as temp:
            await self._source.download(job.channel, media.message_id, temp.handle, max_bytes=limit)
            if temp.handle.tell() == 0:
                raise MediaUnavailableError("Telegram sent an empty file (0 bytes)")
            return await asyncio.to_thread(self._files.commit, temp)

    def _copy_local(self, local_path: str, limit: int) -> StoredFile:
        if not local_path:
            raise MediaUnavailableError(
                "the export does not include this file (File not included, or a path outside its folder)",
                permanent=True,
            )
        path = Path(local_path)
        if not path.is_file():
            raise MediaUnavailableError(f"{path} is missing beside result.json", permanent=True)
        if path.stat().st_size == 0:
            raise MediaUnavailableError(f"{path} is empty (0 bytes)", permanent=True)
        return self._files.store_copy(path, max_bytes=limit)

    async def _done(self, media: StoredMedia, stored: StoredFile) -> None:
        if media.is_image:
            ocr = OcrState.PENDING if self._recognise is not None else OcrState.OFF
        else:
            ocr = OcrState.NONE
        await self._repo.mark_done(
            media.id, sha256=stored.sha256, size=stored.size, now=self._clock.now(), ocr=ocr
        )
        self.stats.downloaded += 1
        if not stored.new:
            self.stats.deduplicated += 1
        logger.info(
            "media stored media=%d kind=%s bytes=%d sha256=%s%s",
            media.id,
            media.kind,
            stored.size,
            stored.sha256[:12],
            "" if stored.new else " (already archived)",
        )
        if ocr is OcrState.PENDING:
            fresh = await self._repo.get_media(media.id)
            if fresh is not None:
                await self._ocr(fresh)

    async def _problem(self, media: StoredMedia, reason: str, *, permanent: bool) -> None:
        attempts = media.attempts + 1
        self.stats.last_errors = [*self.stats.last_errors[-9:], reason]
        if permanent or attempts >= self.config.max_attempts:
            await self._repo.mark_failed(media.id, reason)
            self.stats.failed += 1
            logger.warning("media failed media=%d reason=%s", media.id, reason)
            return
        retry_at = self._clock.now() + timedelta(seconds=self.config.backoff(attempts))
        await self._repo.mark_retry(media.id, reason, retry_at=retry_at)
        self.stats.retried += 1
        logger.warning(
            "media retry media=%d attempt=%d at=%s reason=%s",
            media.id,
            attempts,
            retry_at.isoformat(),
            reason,
        )

    async def _ocr(self, media: StoredMedia) -> None:
        """Read the image in a thread (never on the event loop), match it, store it all."""
        if self._recognise is None or media.sha256 is None:
            return
        recognise = self._recognise
        try:
            data = await asyncio.to_thread(self._files.read, media.sha256)
            reading = await asyncio.to_thread(recognise, data)
        except OcrFailedError as e:
            prefix = OCR_UNAVAILABLE if e.unavailable else "OCR: "
            await self._repo.mark_ocr_failed(media.id, f"{prefix}{e.reason}")
            self.stats.ocr_failed += 1
            logger.warning("media: OCR failed media=%d reason=%s", media.id, e.reason)
            return
        except OSError as e:
            await self._repo.mark_ocr_failed(media.id, f"OCR: {_os_reason(e)}")
            self.stats.ocr_failed += 1
            return
        except Exception as e:  # a bug in reading one image never stops the queue
            logger.exception("media: OCR crashed media=%d", media.id)
            await self._repo.mark_ocr_failed(media.id, f"OCR crashed: {type(e).__name__}: {e}")
            self.stats.ocr_failed += 1
            return
        matching = self._matching
        result = OcrResult(
            reading.text,
            reading.confidence,
            matching.index_terms(reading.text),
            tuple(_guarded_hits(matching.find_hits, reading.text)),
        )
        hits = await self._repo.save_ocr(
            media.id, result, now=self._clock.now(), alerts=matching.alerts
        )
        self.stats.ocr_done += 1
        logger.info(
            "media OCR media=%d post=%d chars=%d hits=%s",
            media.id,
            media.post_id,
            len(reading.text),
            ",".join(h.rule_id for h in hits) or "-",
        )


def _guarded_hits(find_hits: Callable[[str], Sequence[Hit]], text: str) -> Sequence[Hit]:
    try:
        return find_hits(text)
    except Exception:  # the OCR text is kept; the log names it
        logger.exception("matching the OCR text failed text=%r", text[:80])
        return ()


def _os_reason(error: OSError) -> str:
    if error.errno == errno.ENOSPC:
        return f"the disk of MEDIA_DIR is full: {error.strerror}; free space, it is tried again"
    if error.errno in (errno.EACCES, errno.EPERM):
        return f"MEDIA_DIR cannot be written: {error.strerror} ({error.filename})"
    return f"{type(error).__name__}: {error.strerror or error}"
