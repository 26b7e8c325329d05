"""The media worker built from Settings: its folder, kinds, size limit and OCR, and the matcher,
index terms and outbox its OCR texts go through (composition for monitor.app; reads files)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from monitor.clock import Clock
from monitor.config import Settings
from monitor.media.files import MediaFiles
from monitor.media.worker import Matching, MediaConfig, MediaSource, MediaWorker, Recognise
from monitor.search.query import default_lemmatizer, lemma_terms
from monitor.store.engine import Database
from monitor.store.media import MediaRepo
from monitor.store.posts import HitFinder, SaveHook

logger = logging.getLogger(__name__)


def media_files(settings: Settings) -> MediaFiles:
    return MediaFiles(settings.media_folder)


def media_worker(
    settings: Settings,
    db: Database,
    clock: Clock,
    source: MediaSource | None,
    *,
    find_hits: HitFinder,
    alerts: SaveHook | None,
) -> MediaWorker:
    """The media queue's worker: MEDIA_KINDS, MEDIA_MAX_BYTES, and OCR unless OCR=no (or no
    Tesseract: downloads go on, each image's OCR failure names the command that installs it)."""
    lemmatizer = default_lemmatizer()

    def terms(text: str) -> str:
        return " ".join(lemma_terms(lemmatizer.index_terms, text))

    return MediaWorker(
        MediaRepo(db),
        media_files(settings),
        source,
        clock,
        Matching(find_hits, terms, alerts),
        config=MediaConfig(
            kinds=settings.media_kinds, max_bytes=settings.media_max_bytes, ocr=settings.ocr
        ),
        recognise=ocr_reader() if settings.ocr else None,
        ocr_available=ocr_available,
    )


def ocr_available() -> bool:
    """Whether Tesseract and its language packs are there (checked at the worker's start)."""
    from monitor.media import ocr

    return ocr.availability() is None


def read_photo(settings: Settings) -> Callable[[str], bytes | None]:
    """SHA-256 -> an archived photo's bytes, None when it is not on disk (the alert goes
    without it)."""
    files = media_files(settings)

    def read(sha256: str) -> bytes | None:
        try:
            return files.read(sha256)
        except (OSError, ValueError) as e:
            logger.warning("alert photo unreadable sha256=%s: %s", sha256[:12], e)
            return None

    return read


def ocr_reader() -> Recognise:
    from monitor.media.reading import tesseract_reader  # PIL and numpy: only when OCR runs

    return tesseract_reader()
