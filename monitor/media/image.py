"""Opening an untrusted image safely and cleaning a photo of a document up for OCR (pure, no I/O).

`open_image` turns bytes into a decoded Pillow image or raises ImageRejected naming the reason
(empty, unknown format, too many pixels, truncated, corrupt). `clean` is the step before
Tesseract: upright (EXIF), grayscale, scaled, lighting flattened, deskewed, binarised.
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
# Text smaller than this many pixels of image height per line is hard for Tesseract: an image
# whose longer side is under TARGET_SIDE is scaled up (at most MAX_UPSCALE times).
TARGET_SIDE: Final = 2200
MAX_UPSCALE: Final = 3.0
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
    """The clean-up before OCR: gray, scaled, lighting flattened, deskewed, binarised."""
    gray = scaled(grayscale(image))
    flat = flatten_lighting(gray)
    angle = skew_angle(flat)
    if abs(angle) >= 0.3:
        flat = flat.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    return binarise(flat)


def scaled(gray: Image.Image) -> Image.Image:
    """Small images scaled up (Tesseract wants capital letters 20+ pixels tall), huge ones down."""
    side = max(gray.size)
    factor = 1.0
    if side < TARGET_SIDE:
        factor = min(TARGET_SIDE / side, MAX_UPSCALE)
    elif side > MAX_SIDE:
        factor = MAX_SIDE / side
    if abs(factor - 1.0) < 0.05:
        return gray
    size = (max(1, round(gray.width * factor)), max(1, round(gray.height * factor)))
    return gray.resize(size, Image.Resampling.LANCZOS)


def flatten_lighting(gray: Image.Image) -> Image.Image:
    """Divide by the background (a wide blur of the page without its ink) and stretch contrast:
    a shadow across the sheet or a lamp's hot spot stops looking like ink."""
    # Closing with a max filter removes the dark strokes, leaving the paper's brightness.
    small = gray.reduce(4) if min(gray.size) >= 400 else gray
    paper = small.filter(ImageFilter.MaxFilter(7)).filter(ImageFilter.GaussianBlur(12))
    paper = paper.resize(gray.size, Image.Resampling.BILINEAR)
    pixels = np.asarray(gray, dtype=np.float32)
    background = np.maximum(np.asarray(paper, dtype=np.float32), 1.0)
    ratio = np.clip(pixels / background, 0.0, 1.0)
    low, high = np.percentile(ratio, (1.0, 99.0))
    stretched = np.clip((ratio - low) / max(high - low, 1e-3), 0.0, 1.0)
    return Image.fromarray((stretched * 255).astype(np.uint8), mode="L")


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
    return int(np.nanargmax(between))


def binarise(gray: Image.Image) -> Image.Image:
    """Black ink on white paper (mode L, 0 or 255), split at Otsu's threshold."""
    pixels = np.asarray(gray)
    level = otsu_threshold(pixels)
    return Image.fromarray(np.where(pixels > level, 255, 0).astype(np.uint8), mode="L")
