"""A photo's sizes as Telegram sends them: stripped "i", downscaled "s"/"m"/"x"/"y", the original largest (no I/O).

Telegram keeps several renditions of every photo, each a JPEG scaled to fit a square box, and
lists them in `photo.sizes`: first a `photoStrippedSize` ("i", a ~40 px JPEG without its fixed
header, inlined in the message), then `photoSize` per box, the largest as
`photoSizeProgressive` (its `sizes` are the byte counts at which each progressive scan ends).
In the sandbox the largest size is the uploaded file itself, byte for byte, so a download of
the photo returns what was posted.
"""

from __future__ import annotations

import io
import struct
import warnings
from dataclasses import dataclass
from typing import Any

from PIL import Image, UnidentifiedImageError
from telethon import utils
from telethon.tl import types

# (type, box side in pixels), smallest first: https://core.telegram.org/api/files#image-thumbnail-types
BOXES: tuple[tuple[str, int], ...] = (("s", 100), ("m", 320), ("x", 800), ("y", 1280), ("w", 2560))
STRIPPED_BOX = 40
THUMB_QUALITY = 87
# The header Telegram strips from "i" sizes and clients put back (Telethon's copy of tdesktop's).
_STRIPPED_HEADER = utils.stripped_photo_to_jpg(b"\x01\x00\x00")[:-2]


class NotAnImageError(ValueError):
    """The bytes are no image Pillow can read (or one too large to decode safely)."""


@dataclass(frozen=True, slots=True)
class PhotoRenditions:
    """What a photo's `sizes` say, and the bytes behind each downloadable size type."""

    sizes: list[Any]
    files: dict[str, bytes]
    width: int
    height: int


def renditions(data: bytes) -> PhotoRenditions:
    """Every size Telegram would list for a photo uploaded as `data`; NotAnImageError if unreadable."""
    image, (width, height) = _open(data)
    largest = next((kind for kind, box in BOXES if max(width, height) <= box), BOXES[-1][0])
    smaller = [(kind, box) for kind, box in BOXES if kind != largest and box < _box(largest)]
    rgb = image.convert("RGB")
    scaled: list[tuple[str, Image.Image]] = []
    source = rgb
    for kind, box in reversed(smaller):  # each from the next larger: cheaper than from the original
        source = source.resize(
            fitted(width, height, box), Image.Resampling.BICUBIC, reducing_gap=2.0
        )
        scaled.append((kind, source))
    files = {kind: _jpeg(img) for kind, img in reversed(scaled)}
    smallest = scaled[-1][1] if scaled else rgb
    sizes: list[Any] = [
        types.PhotoStrippedSize(
            type="i", bytes=stripped(smallest, fitted(width, height, STRIPPED_BOX))
        )
    ]
    for kind, img in reversed(scaled):
        sizes.append(types.PhotoSize(type=kind, w=img.width, h=img.height, size=len(files[kind])))
    sizes.append(_largest_size(largest, width, height, data))
    files[largest] = data
    return PhotoRenditions(sizes, files, width, height)


def stripped(image: Image.Image, size: tuple[int, int] | None = None) -> bytes:
    """The "i" size: a JPEG of at most 40x40 (or `size`) whose body follows Telegram's fixed header."""
    target = size or fitted(image.width, image.height, STRIPPED_BOX)
    small = image.convert("RGB").resize(target, Image.Resampling.LANCZOS)
    natural = [_natural_order(table) for table in _header_tables()]
    out = io.BytesIO()
    small.save(out, "JPEG", qtables=natural, subsampling=2, optimize=False)
    body = out.getvalue()
    return b"\x01" + bytes([small.height, small.width]) + body[_scan_start(body) : -2]


def progressive_scan_ends(data: bytes) -> list[int]:
    """Byte counts at which a JPEG's scans end (one for a baseline JPEG), as photoSizeProgressive lists."""
    starts = []
    found = data.find(b"\xff\xda", 2)
    while found >= 0:
        starts.append(found)
        found = data.find(b"\xff\xda", found + 2)
    return [*starts[1:], len(data)]


def image_size(data: bytes) -> tuple[int, int]:
    """(width, height) of a PNG (from its IHDR) or JPEG (from its SOF marker); (0, 0) if unknown."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    i = 2
    while data.startswith(b"\xff\xd8") and i + 9 < len(data):
        marker, length = data[i + 1], struct.unpack(">H", data[i + 2 : i + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return int(width), int(height)
        i += 2 + length
    return 0, 0


def fitted(width: int, height: int, box: int) -> tuple[int, int]:
    """The size of a `width` x `height` image scaled down to fit a `box` square (never up)."""
    scale = min(1.0, box / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _open(data: bytes) -> tuple[Image.Image, tuple[int, int]]:
    """The image decoded (a JPEG at the smallest DCT scale that still covers the largest
    downscaled size: the original itself is never re-encoded), and its full size."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            full = image.size
            if full[0] >= 1 and full[1] >= 1:
                largest = next((box for _, box in BOXES if max(full) <= box), BOXES[-1][1])
                below = max((box for _, box in BOXES if box < largest), default=STRIPPED_BOX)
                image.draft("RGB", fitted(full[0], full[1], below))
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
        raise NotAnImageError(f"not a readable image: {e}") from e
    except Image.DecompressionBombError as e:
        raise NotAnImageError(f"image too large to decode: {e}") from e
    if full[0] < 1 or full[1] < 1:
        raise NotAnImageError("image has no pixels")
    return image, full


def _box(kind: str) -> int:
    return next(box for name, box in BOXES if name == kind)


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=THUMB_QUALITY)
    return out.getvalue()


def _largest_size(kind: str, width: int, height: int, data: bytes) -> Any:
    if data.startswith(b"\xff\xd8"):
        return types.PhotoSizeProgressive(
            type=kind, w=width, h=height, sizes=progressive_scan_ends(data)
        )
    return types.PhotoSize(type=kind, w=width, h=height, size=len(data))


def _segments(data: bytes) -> list[tuple[int, bytes]]:
    """(marker, payload) of a JPEG's header segments, up to and including SOS."""
    out, i = [], 2
    while i + 4 <= len(data):
        marker, length = data[i + 1], struct.unpack(">H", data[i + 2 : i + 4])[0]
        out.append((marker, data[i + 4 : i + 2 + length]))
        if marker == 0xDA:
            break
        i += 2 + length
    return out


def _scan_start(data: bytes) -> int:
    """Where the entropy-coded data of a baseline JPEG begins (just past its SOS segment)."""
    i = 2
    while i + 4 <= len(data):
        marker, length = data[i + 1], int.from_bytes(data[i + 2 : i + 4], "big")
        i += 2 + length
        if marker == 0xDA:
            return i
    raise ValueError("JPEG without a scan")


def _header_tables() -> list[list[int]]:
    """The stripped header's two quantization tables, in JPEG's zigzag order."""
    return [
        list(payload[1:65]) for marker, payload in _segments(_STRIPPED_HEADER) if marker == 0xDB
    ]


_ZIGZAG = (
    0, 1, 5, 6, 14, 15, 27, 28, 2, 4, 7, 13, 16, 26, 29, 42,
    3, 8, 12, 17, 25, 30, 41, 43, 9, 11, 18, 24, 31, 40, 44, 53,
    10, 19, 23, 32, 39, 45, 52, 54, 20, 22, 33, 38, 46, 51, 55, 60,
    21, 34, 37, 47, 50, 56, 59, 61, 35, 36, 48, 49, 57, 58, 62, 63,
)  # fmt: skip


def _natural_order(zigzag: list[int]) -> list[int]:
    """Pillow takes quantization tables in natural (row-major) order; JPEG stores them zigzagged."""
    return [zigzag[_ZIGZAG[i]] for i in range(64)]
