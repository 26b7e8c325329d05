"""Photos and documents built from uploaded bytes, as Telegram describes them (no I/O)."""

from __future__ import annotations

import secrets
import struct
from datetime import datetime
from typing import Any

from telethon.tl import types

from monitor.sandbox.world import World


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


def new_photo(data: bytes, date: datetime, dc_id: int) -> types.Photo:
    width, height = image_size(data)
    return types.Photo(
        id=secrets.randbits(63),
        access_hash=secrets.randbits(63),
        file_reference=secrets.token_bytes(8),
        date=date,
        sizes=[types.PhotoSize(type="x", w=width, h=height, size=len(data))],
        dc_id=dc_id,
    )


def new_document(
    data: bytes, mime_type: str, attributes: list[Any], date: datetime, dc_id: int
) -> types.Document:
    return types.Document(
        id=secrets.randbits(63),
        access_hash=secrets.randbits(63),
        file_reference=secrets.token_bytes(8),
        date=date,
        mime_type=mime_type,
        size=len(data),
        dc_id=dc_id,
        attributes=attributes,
    )


def attach(
    world: World,
    date: datetime,
    dc_id: int,
    *,
    photo: bytes | None = None,
    document: tuple[bytes, str, str] | None = None,
) -> Any:
    """Store a photo, or a document given as (bytes, mime type, file name); its message media."""
    if photo is not None:
        return message_media(remember(world, photo, new_photo(photo, date, dc_id)))
    if document is not None:
        data, mime, name = document
        attributes = [types.DocumentAttributeFilename(name)]
        return message_media(
            remember(world, data, new_document(data, mime, attributes, date, dc_id))
        )
    return None


def remember(world: World, data: bytes, item: Any) -> Any:
    """Keep `item` and its bytes, for downloads, reuse by id and tests."""
    world.files[item.id] = data
    world.media[item.id] = item
    return item


def message_media(item: types.Photo | types.Document) -> Any:
    if isinstance(item, types.Photo):
        return types.MessageMediaPhoto(photo=item)
    return types.MessageMediaDocument(document=item)
