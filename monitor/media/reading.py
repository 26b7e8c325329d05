"""OCR for the media worker: monitor.media.ocr's `recognise` as a worker.Recognise, its errors
as OcrFailedError with the reason stored on the media row (CPU bound; runs Tesseract)."""

from __future__ import annotations

from monitor.errors import ImageRejected, OcrUnavailable
from monitor.media import ocr
from monitor.media.worker import OcrFailedError, Reading, Recognise


def tesseract_reader(*, clean: bool = True, languages: str = ocr.DEFAULT_LANGUAGES) -> Recognise:
    """What the worker calls in a thread for each downloaded image."""

    def read(data: bytes) -> Reading:
        try:
            found = ocr.recognise(data, clean=clean, languages=languages)
        except ImageRejected as e:
            raise OcrFailedError(f"image rejected: {e.reason}") from e
        except OcrUnavailable as e:
            raise OcrFailedError(
                f"{e.reason}: install it with `{e.command}`", unavailable=True
            ) from e
        confidence = found.confidence if found.confidence >= 0 else None
        return Reading(found.text, confidence)

    return read
