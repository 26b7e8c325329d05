"""Real images for media tests: JPEGs and PNGs rendered with Pillow (no I/O)."""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw


def jpeg(
    width: int, height: int, *, quality: int = 90, noise: bool = False, seed: int = 1
) -> bytes:
    """A JPEG of a gradient with a few shapes, or of random pixels (`noise`: large files)."""
    if noise:
        rng = random.Random(seed)
        image = Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))
    else:
        image = Image.new("RGB", (width, height), (240, 235, 220))
        draw = ImageDraw.Draw(image)
        for i in range(0, width, max(1, width // 12)):
            draw.line([(i, 0), (width - i, height)], fill=(i % 255, 80, 160), width=3)
        draw.rectangle([width // 4, height // 4, width // 2, height // 2], fill=(30, 30, 30))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def decoded_size(data: bytes) -> tuple[int, int]:
    """(width, height) of an image Pillow can decode in full (raises if it cannot)."""
    image = Image.open(io.BytesIO(data))
    image.load()
    return image.size
