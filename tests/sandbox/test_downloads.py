"""upload.getFile through a real TelegramClient: Telegram's offset and limit rules, each photo size, documents of any size."""

from __future__ import annotations

import io
import os
from typing import Any

import pytest
from telethon import TelegramClient, errors
from telethon.tl import functions, types

from monitor.sandbox.api import Sandbox
from tests.sandbox.images import decoded_size, jpeg

KIB, MIB = 1024, 1024 * 1024


async def _reader_and_post(sandbox: Sandbox, **post: Any) -> tuple[TelegramClient, Any]:
    news = sandbox.create_channel("news_ru", "Новости")
    post_id = sandbox.post(news, "пост", **post)
    client = await sandbox.login(sandbox.create_user("+79990000001"))
    [message] = await client.get_messages("news_ru", ids=[post_id])
    return client, message


def _photo_location(message: Any, size: str = "m") -> types.InputPhotoFileLocation:
    photo = message.media.photo
    return types.InputPhotoFileLocation(photo.id, photo.access_hash, photo.file_reference, size)


def _document_location(message: Any) -> types.InputDocumentFileLocation:
    doc = message.media.document
    return types.InputDocumentFileLocation(doc.id, doc.access_hash, doc.file_reference, "")


@pytest.mark.parametrize(
    ("offset", "limit", "precise", "error"),
    [
        (1024, 4096, False, errors.OffsetInvalidError),  # offset not a multiple of 4 KiB
        (-4096, 4096, False, errors.OffsetInvalidError),
        (0, 1000, False, errors.LimitInvalidError),  # limit not a multiple of 4 KiB
        (0, 3 * 4096, False, errors.LimitInvalidError),  # 1 MiB not divisible by 12 KiB
        (0, 2 * MIB, False, errors.LimitInvalidError),  # over 1 MiB
        (0, 0, False, errors.LimitInvalidError),
        (MIB - 4096, 8192, False, errors.LimitInvalidError),  # crosses the 1 MiB boundary
        (MIB - 1024, 2048, True, errors.LimitInvalidError),  # precise: still no crossing
        (512, 1024, True, errors.OffsetInvalidError),  # precise: multiples of 1 KiB
    ],
)
async def test_get_file_refuses_chunks_telegram_refuses(
    sandbox: Sandbox, offset: int, limit: int, precise: bool, error: type[Exception]
) -> None:
    data = os.urandom(2 * MIB)
    client, message = await _reader_and_post(sandbox, document=(data, "video/mp4", "v.mp4"))
    request = functions.upload.GetFileRequest(
        _document_location(message), offset=offset, limit=limit, precise=precise
    )
    with pytest.raises(error):
        await client(request)


async def test_get_file_answers_what_telegram_allows(sandbox: Sandbox) -> None:
    data = os.urandom(2 * MIB + 5000)
    client, message = await _reader_and_post(sandbox, document=(data, "video/mp4", "v.mp4"))
    location = _document_location(message)

    async def chunk(offset: int, limit: int, precise: bool = False) -> Any:
        return await client(functions.upload.GetFileRequest(location, offset, limit, precise))

    whole = [await chunk(offset, MIB) for offset in (0, MIB, 2 * MIB)]
    assert b"".join(c.bytes for c in whole) == data
    assert isinstance(whole[0].type, types.storage.FilePartial)
    assert whole[0].mtime == int(message.media.document.date.timestamp())
    assert (await chunk(MIB - 4096, 4096)).bytes == data[MIB - 4096 : MIB]
    assert (await chunk(3072, 5120, precise=True)).bytes == data[3072:8192]
    assert (await chunk(4 * MIB, 4096)).bytes == b""  # past the end: empty, as Telegram


async def test_get_file_refuses_unknown_files_and_sizes(sandbox: Sandbox) -> None:
    client, message = await _reader_and_post(sandbox, photo=jpeg(640, 480))
    good = _photo_location(message)
    cases: list[tuple[Any, type[Exception]]] = [
        (types.InputPhotoFileLocation(good.id + 1, good.access_hash, good.file_reference, "m"),
         errors.FileIdInvalidError),
        (types.InputPhotoFileLocation(good.id, good.access_hash ^ 1, good.file_reference, "m"),
         errors.FileIdInvalidError),
        (types.InputDocumentFileLocation(good.id, good.access_hash, good.file_reference, ""),
         errors.FileIdInvalidError),  # a photo's id asked for as a document
        (_photo_location(message, "w"), errors.LocationInvalidError),  # 640x480 has no "w"
        (_photo_location(message, "i"), errors.LocationInvalidError),  # stripped: inline only
        (types.InputPhotoFileLocation(good.id, good.access_hash, b"", "m"),
         errors.FileReferenceEmptyError),
        (types.InputPhotoFileLocation(good.id, good.access_hash, b"\x02" * 21, "m"),
         errors.FileReferenceInvalidError),
        (types.InputPeerPhotoFileLocation(types.InputPeerSelf(), 1), errors.LocationInvalidError),
    ]  # fmt: skip
    for location, error in cases:
        with pytest.raises(error):
            await client(functions.upload.GetFileRequest(location, offset=0, limit=4096))
    answer = await client(functions.upload.GetFileRequest(good, offset=0, limit=MIB))
    assert isinstance(answer.type, types.storage.FileJpeg)
    assert decoded_size(answer.bytes) == (320, 240)


async def test_a_photo_has_every_size_telegram_lists_and_each_downloads(
    sandbox: Sandbox,
) -> None:
    original = jpeg(1400, 1000)
    client, message = await _reader_and_post(sandbox, photo=original)
    sizes = message.media.photo.sizes
    assert [s.type for s in sizes] == ["i", "s", "m", "x", "y", "w"]
    assert isinstance(sizes[0], types.PhotoStrippedSize)
    assert isinstance(sizes[-1], types.PhotoSizeProgressive)
    assert (sizes[-1].w, sizes[-1].h, max(sizes[-1].sizes)) == (1400, 1000, len(original))
    expected = {"s": (100, 71), "m": (320, 229), "x": (800, 571), "y": (1280, 914)}
    for size in sizes[1:-1]:
        data = await client.download_media(message, bytes, thumb=size.type)
        assert (size.w, size.h) == expected[size.type]
        assert (decoded_size(data), len(data)) == (expected[size.type], size.size)
    stripped = await client.download_media(message, bytes, thumb="i")  # built from the header
    assert decoded_size(stripped) == (40, 29)
    assert await client.download_media(message, bytes) == original  # the largest: the upload


@pytest.mark.parametrize("size", [0, 1, 4095, 4096, 131072, 131073, MIB - 1, MIB, MIB + 1, 3 * MIB])
async def test_documents_of_any_size_download_whole(sandbox: Sandbox, size: int) -> None:
    data = os.urandom(size)
    client, message = await _reader_and_post(sandbox, document=(data, "application/pdf", "a.pdf"))
    assert message.file.size == size
    assert await client.download_media(message, bytes) == data


async def test_a_large_photo_downloads_across_megabyte_boundaries(sandbox: Sandbox) -> None:
    original = jpeg(1800, 1500, quality=95, noise=True)
    assert len(original) > 2 * MIB  # three 1 MiB blocks
    client, message = await _reader_and_post(sandbox, photo=original)
    assert await client.download_media(message, bytes) == original
    assert sandbox.calls("upload.getFile") == -(-len(original) // (128 * KIB))


async def test_a_photo_that_is_no_image_is_refused_on_upload(sandbox: Sandbox) -> None:
    client = await sandbox.login(sandbox.create_user("+79990000001"))
    fake = io.BytesIO(b"\xff\xd8 not really a jpeg")
    fake.name = "notice.jpg"
    with pytest.raises(errors.ImageProcessFailedError):
        await client.send_file("me", fake)
