"""Opening an untrusted image safely and cleaning a photo of a document up for OCR (pure, no I/O).

`open_image` turns bytes into a decoded Pillow image or raises ImageRejected naming the reason
(empty, unknown format, too many pixels, truncated, corrupt). `clean` is the step before
Tesseract: upright (EXIF), grayscale, scaled, lighting flattened, deskewed.
"""

from __future__ import annotations

import io
import re
import struct
import zlib
from typing import Final

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError

from monitor.errors import ImageRejected

# Formats a photo or a scan arrives in. Pillow reads many more (EPS would run Ghostscript):
# nothing else is even tried.
FORMATS: Final = ("JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF")
# A 600 dpi A4 scan is 35 megapixels; a 200-megapixel "photo" is a decompression bomb.
MAX_PIXELS: Final = 50_000_000
# What Pillow's decoders raise on damaged data besides OSError (fuzzing finds them all).
DECODE_ERRORS: Final = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    IndexError,
    KeyError,
    TypeError,
    struct.error,
    zlib.error,
)
# Photos whose longer side is under SMALL_SIDE (thumbnails, low-resolution copies) are scaled
# up towards TARGET_SIDE, at most MAX_UPSCALE times: their print is too small for Tesseract.
SMALL_SIDE: Final = 1100
TARGET_SIDE: Final = 1800
MAX_UPSCALE: Final = 3.0
# Paper lit more unevenly than this (darkest / brightest, see `evenness`) has its lighting
# flattened: a shadow across the sheet measures 0.5-0.8, an evenly lit one 0.9 and more.
EVEN_LIGHT: Final = 0.85
# Larger images are scaled down: they are slower to read and no more legible.
MAX_SIDE: Final = 3600
DESKEW_LIMIT: Final = 12.0  # degrees either way; photos held crooked, not turned sideways


def open_image(data: bytes) -> Image.Image:
    """Decode `data` (first frame of an animation) or raise ImageRejected with the reason."""
    if not data:
        raise ImageRejected("empty file (0 bytes)")
    try:
        image = Image.open(io.BytesIO(data), formats=FORMATS)
    except UnidentifiedImageError as e:
        formats = ", ".join(FORMATS)
        raise ImageRejected(f"unknown image format ({_magic(data)}; {formats} are read)") from e
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        # Pillow's own limit, checked on open: its message carries the pixel count.
        found = re.search(r"\((\d+) pixels\)", str(e))
        raise _too_many_pixels(int(found.group(1)) if found else None) from e
    except DECODE_ERRORS as e:
        raise ImageRejected(f"{_damage(e)} image header ({e})") from e
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise _too_many_pixels(width * height, f"{width}x{height}, ")
    try:
        image.load()
    except DECODE_ERRORS as e:
        raise ImageRejected(f"{_damage(e)} {image.format} data ({e})") from e
    return image


def _too_many_pixels(pixels: int | None, size: str = "") -> ImageRejected:
    count = f"{size}{pixels / 1e6:.0f} megapixels, " if pixels else ""
    return ImageRejected(
        f"too many pixels ({count}over the {MAX_PIXELS // 1_000_000}-megapixel limit): "
        "a decompression bomb?"
    )


def _damage(error: Exception) -> str:
    truncated = isinstance(error, EOFError) or "truncated" in str(error).lower()
    return "truncated" if truncated else "corrupt"


def _magic(data: bytes) -> str:
    """How the data starts, for the error message: a printable prefix or hex."""
    head = data[:8]
    if all(32 <= b < 127 for b in head):
        return f"starts with {head.decode('ascii')!r}"
    return f"starts with bytes {head.hex(' ')}"


def grayscale(image: Image.Image) -> Image.Image:
    """Upright (EXIF orientation) and 8-bit gray; transparency goes on white, as on paper."""
    upright = ImageOps.exif_transpose(image)
    if upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info:
        rgba = upright.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        upright = Image.alpha_composite(paper, rgba)
    return upright.convert("L")


def clean(image: Image.Image) -> Image.Image:
    """The clean-up before OCR: upright and gray, small photos scaled up, uneven lighting
    flattened, deskewed. No binarisation: Tesseract binarises itself (Otsu), and doing it here
    first lost text in blurred photos (bench/ocr.py)."""
    gray = flatten_lighting(scaled(grayscale(image)))
    angle = skew_angle(gray)
    if abs(angle) < 0.3:
        return gray
    return gray.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)


def scaled(gray: Image.Image) -> Image.Image:
    """Small photos scaled up (Tesseract wants capitals 20+ pixels tall), huge ones down.

    Only small ones: scaling a 1280-pixel photo (Telegram's size) up made Tesseract lose whole
    pages of ordinary-sized print (bench/ocr.py).
    """
    side = max(gray.size)
    factor = 1.0
    if side < SMALL_SIDE:
        factor = min(TARGET_SIDE / side, MAX_UPSCALE)
    elif side > MAX_SIDE:
        factor = MAX_SIDE / side
    if factor == 1.0:
        return gray
    size = (max(1, round(gray.width * factor)), max(1, round(gray.height * factor)))
    return gray.resize(size, Image.Resampling.LANCZOS)


def flatten_lighting(gray: Image.Image) -> Image.Image:
    """Where the paper's brightness varies (a shadow across the sheet, a lamp's hot spot), divide
    by it and stretch the contrast, so dim print is no longer taken for background; evenly lit
    photos are left alone (flattening them blurred the strokes of blurred ones)."""
    small = gray.reduce(4) if min(gray.size) >= 400 else gray
    # A max filter removes the dark strokes, leaving the paper; the blur smooths it.
    paper_small = small.filter(ImageFilter.MaxFilter(7)).filter(ImageFilter.GaussianBlur(12))
    if evenness(np.asarray(paper_small)) >= EVEN_LIGHT:
        return gray
    paper = paper_small.resize(gray.size, Image.Resampling.BILINEAR)
    pixels = np.asarray(gray, dtype=np.float32)
    background = np.maximum(np.asarray(paper, dtype=np.float32), 1.0)
    ratio = np.clip(pixels / background, 0.0, 1.0)
    low, high = np.percentile(ratio[::4, ::4], (1.0, 99.0))
    stretched = np.clip((ratio - low) / max(float(high - low), 1e-3), 0.0, 1.0)
    return Image.fromarray((stretched * 255).astype(np.uint8), mode="L")


def evenness(paper: npt.NDArray[np.uint8]) -> float:
    """How evenly lit the middle of the photo is: the paper's 5th brightness percentile over its
    95th (1.0 is even; the margins, often the table under the sheet, do not count)."""
    height, width = paper.shape
    middle = paper[height // 5 : height - height // 5, width // 5 : width - width // 5]
    dark, bright = np.percentile(middle, (5.0, 95.0))
    return float(dark) / max(float(bright), 1.0)


def skew_angle(gray: Image.Image) -> float:
    """The rotation (degrees, counter-clockwise) that makes text lines horizontal: the angle
    whose row profile of ink is sharpest (projection profile), coarse then fine."""
    small = gray.copy()
    small.thumbnail((900, 900))
    ink = np.asarray(small) < otsu_threshold(np.asarray(small))
    if ink.mean() < 0.002:  # a blank page has no lines to straighten
        return 0.0
    ink_image = Image.fromarray((ink * 255).astype(np.uint8), mode="L")
    best = _best_angle(ink_image, np.arange(-DESKEW_LIMIT, DESKEW_LIMIT + 0.01, 1.0))
    return _best_angle(ink_image, np.arange(best - 1.0, best + 1.01, 0.2))


def _best_angle(ink: Image.Image, angles: npt.NDArray[np.float64]) -> float:
    scores = []
    for angle in angles:
        rows = np.asarray(ink.rotate(float(angle), resample=Image.Resampling.NEAREST)).sum(axis=1)
        scores.append(float(np.square(np.diff(rows.astype(np.float64))).sum()))
    return float(angles[int(np.argmax(scores))])


def otsu_threshold(pixels: npt.NDArray[np.uint8]) -> int:
    """Otsu's threshold of an 8-bit gray array: the level that best splits ink from paper."""
    histogram = np.bincount(pixels.ravel(), minlength=256).astype(np.float64)
    total = histogram.sum()
    weight = np.cumsum(histogram)
    mean = np.cumsum(histogram * np.arange(256))
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (mean[-1] * weight / total - mean) ** 2 / (weight * (total - weight))
    # One gray level only (a blank image) leaves every split undefined: nothing is ink.
    return int(np.argmax(np.nan_to_num(between, nan=-1.0))) if np.isfinite(between).any() else 0
