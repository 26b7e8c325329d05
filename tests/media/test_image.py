"""Untrusted image data: every bad kind is refused with its reason; the clean-up straightens text."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from monitor.errors import ImageRejected
from monitor.media.image import clean, flatten_lighting, open_image, skew_angle
from monitor.media.ocr import recognise

DATA = Path(__file__).resolve().parents[1] / "data" / "ocr"
PHOTO = (DATA / "demo" / "order-ru.jpg").read_bytes()


def png_header(width: int, height: int) -> bytes:
    """A PNG that declares `width` x `height` gray pixels and carries none: a bomb's header."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        return struct.pack(">I", len(body)) + kind + body + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


def damaged(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + b"\xff" * 2000 + data[middle + 2000 :]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "image rejected: empty file (0 bytes)"),
        (b"%PDF-1.7\n1 0 obj", "image rejected: unknown image format (starts with '%PDF-1.7'"),
        # PostScript would run Ghostscript: Pillow is never even allowed to try.
        (
            b"%!PS-Adobe-3.0 EPSF-3.0\n",
            "image rejected: unknown image format (starts with '%!PS-Ado'",
        ),
        (
            b"\x00\x01\x02\x03 not an image",
            "image rejected: unknown image format (starts with bytes 00 01 02 03",
        ),
        (PHOTO[: len(PHOTO) // 3], "image rejected: truncated JPEG data"),
        (PHOTO[:200], "image rejected: truncated image header"),
        (damaged(PHOTO), "image rejected: corrupt JPEG data"),
        (
            png_header(20_000, 10_000),
            "image rejected: too many pixels (200 megapixels, over the 50-megapixel limit): a decompression bomb?",
        ),
        (
            png_header(10_000, 6_000),
            "image rejected: too many pixels (10000x6000, 60 megapixels, over the 50-megapixel limit)",
        ),
    ],
    ids=[
        "empty",
        "pdf",
        "postscript",
        "binary",
        "truncated",
        "header-only",
        "corrupt",
        "bomb-200mp",
        "over-limit-60mp",
    ],
)
def test_bad_data_is_rejected_with_its_reason(data: bytes, reason: str) -> None:
    with pytest.raises(ImageRejected) as caught:
        open_image(data)
    assert str(caught.value).startswith(reason)
    assert caught.value.reason in str(caught.value)


def test_recognise_rejects_before_running_tesseract() -> None:
    with pytest.raises(ImageRejected, match=r"too many pixels \(200 megapixels"):
        recognise(png_header(20_000, 10_000))


def lines_of_text(angle: float) -> Image.Image:
    face = ImageFont.truetype(f"{matplotlib.get_data_path()}/fonts/ttf/DejaVuSans.ttf", 30)
    page = Image.new("L", (1200, 900), 235)
    draw = ImageDraw.Draw(page)
    for row in range(12):
        draw.text(
            (60, 60 + row * 60), "Военный комиссариат повестка явиться" * 2, font=face, fill=30
        )
    return page.rotate(angle, expand=True, fillcolor=235)


@pytest.mark.parametrize("angle", [-7.0, 0.0, 4.0])
def test_the_skew_of_text_lines_is_found(angle: float) -> None:
    assert skew_angle(lines_of_text(angle)) == pytest.approx(-angle, abs=0.6)


def test_clean_turns_an_exif_rotated_photo_upright_and_gray() -> None:
    photo = lines_of_text(0.0).convert("RGB").transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways; shown rotated 90° clockwise
    out = io.BytesIO()
    photo.save(out, format="JPEG", exif=exif.tobytes())
    cleaned = clean(open_image(out.getvalue()))
    assert cleaned.mode == "L"
    assert cleaned.width > cleaned.height  # upright again: the lines run along the long side


def test_uneven_light_is_flattened_and_even_light_left_alone() -> None:
    page = lines_of_text(0.0)
    assert flatten_lighting(page) is page
    # A shadow from the left: the paper goes from 40 % to full brightness across the sheet.
    ramp = np.linspace(0.4, 1.0, page.width, dtype=np.float32)[None, :]
    shadowed = Image.fromarray((np.asarray(page, np.float32) * ramp).astype(np.uint8), mode="L")
    flattened = np.asarray(flatten_lighting(shadowed))
    left, right = flattened[:40, 60:200], flattened[:40, -200:-60]  # paper above the text
    assert np.median(left) > 230
    assert np.median(right) > 230
