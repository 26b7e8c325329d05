"""Test images rendered here with PIL (DejaVu has Cyrillic): a summons, a plain photo, bad data."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
SUMMONS_LINES = (
    "ПОВЕСТКА",
    "Гражданину Иванову И. И.",
    "Вам надлежит явиться в военный комиссариат",
    "г. Мелитополь 12 декабря к 9:00",
    "для уточнения данных воинского учёта.",
)


def document(lines: tuple[str, ...] = SUMMONS_LINES, *, size: int = 34, fmt: str = "JPEG") -> bytes:
    """A clean printed page with `lines`, as JPEG (or PNG) bytes."""
    font = ImageFont.truetype(FONT, size)
    image = Image.new("RGB", (1200, 120 + len(lines) * (size + 26)), "white")
    draw = ImageDraw.Draw(image)
    for n, line in enumerate(lines):
        draw.text((60, 60 + n * (size + 26)), line, fill="black", font=font)
    out = io.BytesIO()
    image.save(out, format=fmt, quality=92)
    return out.getvalue()


def summons_photo() -> bytes:
    return document()


def plain_photo(shade: int = 120) -> bytes:
    """A photo with no text in it (an album's other picture)."""
    image = Image.new("RGB", (640, 480), (shade, 160, 200))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()
