"""Photographing a rendered page badly: table, rotation, perspective, blur, light, noise, JPEG.

Used by build.py; every random choice comes from the generator it is given (fixed seeds).
"""

from __future__ import annotations

import io
import random

import numpy as np
from PIL import Image, ImageFilter

DISTORTIONS = ("rotation", "perspective", "blur", "lighting", "noise", "jpeg", "lowres")
PHOTO_SIDE = 1280  # Telegram scales photos to 1280 px on the longer side
TABLES = ((92, 70, 52), (60, 62, 66), (128, 110, 86), (40, 44, 40), (150, 146, 140))


def photograph(page: Image.Image, distortions: tuple[str, ...], rng: random.Random) -> bytes:
    """A JPEG of `page` lying on a table, taken with the given distortions."""
    noise_rng = np.random.default_rng(rng.randrange(2**32))
    canvas = on_table(page, rng, noise_rng)
    if "rotation" in distortions:
        angle = rng.choice((-1, 1)) * rng.uniform(3.0, 9.0)
        canvas = canvas.rotate(angle, Image.Resampling.BICUBIC, fillcolor=table_colour(canvas))
    if "perspective" in distortions:
        canvas = perspective(canvas, rng)
    strong = "lighting" in distortions
    canvas = lighting(canvas, rng, noise_rng, strong=strong)
    if "blur" in distortions:
        canvas = canvas.filter(ImageFilter.GaussianBlur(rng.uniform(1.6, 2.4)))
    if "noise" in distortions:
        canvas = add_noise(canvas, noise_rng, sigma=rng.uniform(10.0, 18.0))
    side = rng.randint(600, 720) if "lowres" in distortions else PHOTO_SIDE
    canvas.thumbnail((side, side), Image.Resampling.LANCZOS)
    quality = rng.randint(12, 22) if "jpeg" in distortions else 70
    out = io.BytesIO()
    canvas.save(out, format="JPEG", quality=quality, optimize=True)
    return out.getvalue()


def on_table(page: Image.Image, rng: random.Random, noise: np.random.Generator) -> Image.Image:
    """The page in the middle of a textured table, with a margin for rotation and warping."""
    margin_x = int(page.width * rng.uniform(0.08, 0.14))
    margin_y = int(page.height * rng.uniform(0.06, 0.10))
    size = (page.width + 2 * margin_x, page.height + 2 * margin_y)
    base = np.array(rng.choice(TABLES), dtype=np.float32)
    grain = noise.normal(0.0, 9.0, (size[1] // 8 + 1, size[0] // 8 + 1, 1)).astype(np.float32)
    grain_image = Image.fromarray(np.clip(128 + grain[:, :, 0], 0, 255).astype(np.uint8), "L")
    grain_full = np.asarray(grain_image.resize(size, Image.Resampling.BICUBIC), np.float32) - 128
    table = np.clip(base[None, None, :] + grain_full[:, :, None], 0, 255).astype(np.uint8)
    canvas = Image.fromarray(table, "RGB")
    canvas.paste(page, (margin_x, margin_y))
    return canvas


def table_colour(canvas: Image.Image) -> tuple[int, int, int]:
    pixel = canvas.getpixel((2, 2))
    assert isinstance(pixel, tuple)
    return (int(pixel[0]), int(pixel[1]), int(pixel[2]))


def perspective(canvas: Image.Image, rng: random.Random) -> Image.Image:
    """The photo taken at an angle: each corner moved inwards or outwards by up to 9 %."""
    w, h = canvas.size
    corners = [(0, 0), (w, 0), (w, h), (0, h)]
    moved = [
        (x + rng.uniform(-0.09, 0.09) * w, y + rng.uniform(-0.07, 0.07) * h) for x, y in corners
    ]
    coefficients = _perspective_coefficients(corners, moved)
    return canvas.transform(
        canvas.size,
        Image.Transform.PERSPECTIVE,
        coefficients,
        Image.Resampling.BICUBIC,
        fillcolor=table_colour(canvas),
    )


def _perspective_coefficients(
    output: list[tuple[float, float]], source: list[tuple[float, float]]
) -> tuple[float, ...]:
    """Pillow's 8 coefficients mapping each output corner to its source corner."""
    rows = []
    for (x, y), (u, v) in zip(output, source, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    targets = np.array([c for point in source for c in point], dtype=np.float64)
    solution = np.linalg.solve(np.array(rows, dtype=np.float64), targets)
    return tuple(float(c) for c in solution)


def lighting(
    canvas: Image.Image, rng: random.Random, noise: np.random.Generator, *, strong: bool
) -> Image.Image:
    """Light falling unevenly: a gradient across the sheet and, when strong, a soft shadow."""
    w, h = canvas.size
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    ramp = (xs / w - 0.5) * np.cos(angle) + (ys / h - 0.5) * np.sin(angle)
    low = rng.uniform(0.35, 0.55) if strong else rng.uniform(0.85, 0.95)
    field = low + (1.0 - low) * (ramp - ramp.min()) / max(float(np.ptp(ramp)), 1e-6)
    if strong:  # a hand's or a phone's shadow: a dark soft ellipse somewhere on the page
        cx, cy = rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.8) * h
        rx, ry = rng.uniform(0.15, 0.3) * w, rng.uniform(0.15, 0.3) * h
        blob = np.exp(-(((xs - cx) / rx) ** 2 + ((ys - cy) / ry) ** 2))
        field = field * (1.0 - rng.uniform(0.3, 0.45) * blob)
    pixels = np.asarray(canvas, dtype=np.float32) * field[:, :, None]
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")


def add_noise(canvas: Image.Image, noise: np.random.Generator, sigma: float) -> Image.Image:
    """Sensor noise in a dim room: gaussian, a little different in each channel."""
    pixels = np.asarray(canvas, dtype=np.float32)
    grain = noise.normal(0.0, sigma, pixels.shape[:2])[:, :, None]
    speckle = noise.normal(0.0, sigma / 3, pixels.shape)
    return Image.fromarray(np.clip(pixels + grain + speckle, 0, 255).astype(np.uint8), "RGB")
