"""A photo's sizes (pure): which types for which dimensions, the largest as posted, progressive scans, the stripped "i"."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from PIL import Image
from telethon import utils
from telethon.tl import types

from monitor.sandbox import media, photo_sizes
from monitor.sandbox.world import World
from tests.sandbox.images import decoded_size, jpeg
from tests.sandbox.test_bots import tiny_png


@pytest.mark.parametrize(
    ("width", "height", "types_"),
    [
        (90, 60, ["i", "s"]),
        (100, 100, ["i", "s"]),
        (101, 50, ["i", "s", "m"]),
        (800, 600, ["i", "s", "m", "x"]),
        (960, 1280, ["i", "s", "m", "x", "y"]),
        (3000, 200, ["i", "s", "m", "x", "y", "w"]),
    ],
)
def test_size_types_follow_telegrams_boxes(width: int, height: int, types_: list[str]) -> None:
    made = photo_sizes.renditions(jpeg(width, height))
    assert [s.type for s in made.sizes] == types_
    assert (made.sizes[-1].w, made.sizes[-1].h) == (width, height)
    for size in made.sizes[1:-1]:
        assert decoded_size(made.files[size.type]) == (size.w, size.h)
        assert max(size.w, size.h) == dict(photo_sizes.BOXES)[size.type]


def test_a_progressive_jpeg_lists_where_its_scans_end_and_a_png_is_a_plain_size() -> None:
    out = io.BytesIO()
    Image.new("RGB", (200, 150), (10, 200, 30)).save(out, "JPEG", progressive=True)
    progressive = out.getvalue()
    largest = photo_sizes.renditions(progressive).sizes[-1]
    assert isinstance(largest, types.PhotoSizeProgressive)
    assert len(largest.sizes) > 1
    assert largest.sizes == sorted(largest.sizes)
    assert largest.sizes[-1] == len(progressive)
    png = photo_sizes.renditions(tiny_png(5, 4))
    assert isinstance(png.sizes[-1], types.PhotoSize)
    assert (png.sizes[-1].size, png.files["s"]) == (len(tiny_png(5, 4)), tiny_png(5, 4))


def test_the_stripped_size_rebuilds_into_a_small_jpeg_of_the_photo() -> None:
    image = Image.new("RGB", (400, 200), (220, 20, 20))
    out = io.BytesIO()
    image.save(out, "JPEG")
    stripped = photo_sizes.renditions(out.getvalue()).sizes[0].bytes
    rebuilt = Image.open(io.BytesIO(utils.stripped_photo_to_jpg(stripped)))
    assert rebuilt.size == (40, 20)
    red, green, blue = rebuilt.convert("RGB").getpixel((20, 10))  # type: ignore[misc]
    assert (red > 180, green < 60, blue < 60) == (True, True, True)


@pytest.mark.parametrize("data", [b"", b"\x89PNG-1", b"\xff\xd8\xff\xe0 truncated"])
def test_bytes_that_are_no_image_stay_one_size_for_the_test_api(data: bytes) -> None:
    with pytest.raises(photo_sizes.NotAnImageError):
        photo_sizes.renditions(data)
    world = World()
    photo = media.store_photo(world, data, datetime.now(UTC), 2, strict=False)
    assert [(s.type, s.size) for s in photo.sizes] == [("x", len(data))]
    assert world.photo_files[(photo.id, "x")] == data
