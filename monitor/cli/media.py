"""CLI: the media part of `status`: the download queue, OCR and the disk the archive takes
(reads the archive and MEDIA_DIR)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from rich.console import Console

from monitor.cli.context import open_archive
from monitor.config import Settings
from monitor.domain import MediaState, OcrState

if TYPE_CHECKING:
    from monitor.store.media import MediaCounts


def human_bytes(size: int) -> str:
    """`512 B`, `48.2 KB`, `3.4 MB`, `1.2 GB`."""
    if size < 1024:
        return f"{size} B"
    value = float(size)
    for unit in ("KB", "MB", "GB"):
        value /= 1024
        if value < 1024 or unit == "GB":
            break
    return f"{value:.1f} {unit}"


def ocr_line(settings: Settings) -> str:
    """`OCR: on (Tesseract, rus+ukr)`, `OCR: off (OCR=no)`, or off with what to install."""
    if not settings.ocr:
        return "OCR: off (OCR=no)"
    from monitor.cli.ocr import ocr_state  # runs `tesseract --list-langs`: only when asked

    return ocr_state()


def print_media_status(console: Console, settings: Settings) -> None:
    """Queue counts by state, OCR state and counts, disk use, the latest failures."""
    from monitor.media.files import MediaFiles
    from monitor.store.media import MediaRepo

    async def go() -> MediaCounts:
        async with open_archive(settings) as db:
            return await MediaRepo(db).counts()

    counts = asyncio.run(go())
    disk = MediaFiles(settings.media_folder).disk_use()
    states = counts.states
    console.print(
        f"media ({settings.media_folder}): {states[MediaState.DONE]} stored "
        f"({disk.files} files, {human_bytes(disk.bytes)} on disk), "
        f"{states[MediaState.PENDING]} pending, {states[MediaState.DOWNLOADING]} downloading, "
        f"{states[MediaState.FAILED]} failed, {states[MediaState.SKIPPED]} skipped",
        highlight=False,
        soft_wrap=True,
    )
    ocr = counts.ocr
    console.print(f"  {ocr_line(settings)}", highlight=False, markup=False, soft_wrap=True)
    console.print(
        f"  images read by OCR: {ocr[OcrState.DONE]}, to read {ocr[OcrState.PENDING]}, "
        f"failed {ocr[OcrState.FAILED]}",
        highlight=False,
        soft_wrap=True,
    )
    for media_id, kind, reason in counts.failures:
        console.print(
            f"  media #{media_id} ({kind}): {reason}", highlight=False, markup=False, soft_wrap=True
        )
