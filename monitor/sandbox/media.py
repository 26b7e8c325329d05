"""Photos and documents built from uploaded bytes and kept in the world, as Telegram describes them (no I/O)."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from telethon.tl import types

from monitor.sandbox.photo_sizes import NotAnImageError, image_size, renditions
from monitor.sandbox.rpc.call import RpcError
from monitor.sandbox.world import World


def store_photo(world: World, data: bytes, date: datetime, dc_id: int, *, strict: bool) -> Any:
    """A new photo with every size Telegram lists, kept for downloads.

    Bytes that are no image are refused as Telegram refuses them (IMAGE_PROCESS_FAILED) when
    `strict`; the test API (not strict) keeps them as a photo of one size, the bytes as given,
    so that tests can post a corrupt photo.
    """
    photo_id = secrets.randbits(63)
    try:
        made = renditions(data)
        sizes, files = made.sizes, made.files
    except NotAnImageError as e:
        if strict:
            raise RpcError(400, "IMAGE_PROCESS_FAILED") from e
        width, height = image_size(data)
        sizes = [types.PhotoSize(type="x", w=width, h=height, size=len(data))]
        files = {"x": data}
    photo = types.Photo(
        id=photo_id,
        access_hash=secrets.randbits(63),
        file_reference=secrets.token_bytes(8),
        date=date,
        sizes=sizes,
        dc_id=dc_id,
    )
    for kind, content in files.items():
        world.photo_files[(photo_id, kind)] = content
    return remember(world, data, photo)


def store_document(
    world: World, data: bytes, mime_type: str, attributes: list[Any], date: datetime, dc_id: int
) -> Any:
    document = types.Document(
        id=secrets.randbits(63),
        access_hash=secrets.randbits(63),
        file_reference=secrets.token_bytes(8),
        date=date,
        mime_type=mime_type,
        size=len(data),
        dc_id=dc_id,
        attributes=attributes,
    )
    return remember(world, data, document)


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
        return message_media(store_photo(world, photo, date, dc_id, strict=False))
    if document is not None:
        data, mime, name = document
        attributes = [types.DocumentAttributeFilename(name)]
        return message_media(store_document(world, data, mime, attributes, date, dc_id))
    return None


def remember(world: World, data: bytes, item: Any) -> Any:
    """Keep `item` and its bytes, for downloads, reuse by id and tests; its references start now."""
    world.files[item.id] = data
    world.media[item.id] = item
    world.file_refs.register(item.id)
    return item


def message_media(item: types.Photo | types.Document) -> Any:
    if isinstance(item, types.Photo):
        return types.MessageMediaPhoto(photo=item)
    return types.MessageMediaDocument(document=item)
