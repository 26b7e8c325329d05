"""Benchmark: media through the sandbox — posting photos (their sizes), Telethon downloads of photos and documents.

Run: .venv/bin/python bench/sandbox_media.py [--photos 30] [--document-mib 16]
Baseline in the same run: a raw upload.getFile loop (1 MiB chunks, without Telethon's download
machinery) on the same document.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import platform
import time

from PIL import Image, ImageDraw
from telethon.tl import functions, types

from monitor.sandbox.api import Sandbox

MIB = 1024 * 1024


def photo(seed: int) -> bytes:
    image = Image.new("RGB", (1280, 960), (230, 225, 210))
    draw = ImageDraw.Draw(image)
    for i in range(0, 1280, 40):
        draw.line([(i, 0), (1280 - i, 960)], fill=((i + seed * 17) % 255, 90, 150), width=3)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    return out.getvalue()


async def main(photos: int, document_mib: int) -> None:
    async with Sandbox() as tg:
        news = tg.create_channel("news_ru", "Новости")
        images = [photo(i) for i in range(photos)]
        started = time.perf_counter()
        ids = [tg.post(news, f"фото {i}", photo=p) for i, p in enumerate(images)]
        post_s = (time.perf_counter() - started) / photos
        data = os.urandom(document_mib * MIB)
        doc_id = tg.post(news, "документ", document=(data, "application/pdf", "big.pdf"))
        client = await tg.login(tg.create_user("+79990000001"))
        messages = await client.get_messages("news_ru", ids=ids)
        started = time.perf_counter()
        for message in messages:
            await client.download_media(message, bytes)
        photo_rate = photos / (time.perf_counter() - started)
        [doc] = await client.get_messages("news_ru", ids=[doc_id])
        started = time.perf_counter()
        assert await client.download_media(doc, bytes) == data
        telethon_mib_s = document_mib / (time.perf_counter() - started)
        d = doc.media.document
        location = types.InputDocumentFileLocation(d.id, d.access_hash, d.file_reference, "")
        started = time.perf_counter()
        for offset in range(0, len(data), MIB):
            await client(functions.upload.GetFileRequest(location, offset, MIB))
        raw_mib_s = document_mib / (time.perf_counter() - started)
    print(f"machine: {platform.machine()} {os.cpu_count()} CPU, Python {platform.python_version()}")
    print(f"posting a 1280x960 photo (stripped, s, m, x, the original): {post_s * 1000:.0f} ms")
    print(f"photo downloads (largest size, {sum(map(len, images)) // photos // 1024} KiB): "
          f"{photo_rate:.0f}/s")  # fmt: skip
    print(f"document {document_mib} MiB: Telethon download_media {telethon_mib_s:.1f} MiB/s, "
          f"baseline raw getFile 1 MiB chunks {raw_mib_s:.1f} MiB/s")  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=30)
    parser.add_argument("--document-mib", type=int, default=16)
    args = parser.parse_args()
    asyncio.run(main(args.photos, args.document_mib))
