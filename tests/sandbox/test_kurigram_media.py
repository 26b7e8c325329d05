"""kurigram (its own TL layer and download code) downloads the sandbox's photos, documents and albums."""

from __future__ import annotations

import io
import os
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pyrogram import Client

from monitor.sandbox.api import Sandbox
from tests.sandbox.images import jpeg
from tests.sandbox.kurigram_client import kurigram_login


async def _download(client: Client, message: Any) -> bytes:
    """kurigram's in-memory download: a BytesIO."""
    got = await client.download_media(message, in_memory=True)
    assert isinstance(got, io.BytesIO)
    return got.getvalue()


@pytest.fixture
async def started() -> AsyncIterator[list[Client]]:
    clients: list[Client] = []
    yield clients
    for client in clients:
        if client.is_connected:
            await client.stop()


async def test_kurigram_downloads_a_photo_a_document_and_an_album(
    sandbox: Sandbox, started: list[Client]
) -> None:
    news = sandbox.create_channel("news_ru", "Новости")
    photo = jpeg(1400, 1000)
    data = os.urandom(200 * 1024 + 1)  # small: kurigram without TgCrypto decrypts in pure Python
    photo_id = sandbox.post(news, "фото", photo=photo)
    doc_id = sandbox.post(news, "приказ", document=(data, "application/pdf", "order.pdf"))
    album = [jpeg(300, 200, seed=1), jpeg(200, 300, seed=2)]
    album_ids = sandbox.post_album(news, album, "альбом")
    client = await kurigram_login(sandbox, sandbox.create_user("+79990000001"))
    started.append(client)

    photo_msg, doc_msg = await client.get_messages("news_ru", [photo_id, doc_id])
    assert photo_msg.photo is not None
    assert doc_msg.document is not None
    assert (photo_msg.photo.width, photo_msg.photo.height) == (1400, 1000)
    assert photo_msg.photo.file_size == len(photo)  # the largest size: the photo as posted
    assert await _download(client, photo_msg) == photo
    assert (doc_msg.document.file_name, await _download(client, doc_msg)) == ("order.pdf", data)
    group = await client.get_media_group("news_ru", album_ids[1])
    assert [m.id for m in group] == album_ids
    assert group[0].caption == "альбом"
    assert await _download(client, group[1]) == album[1]
