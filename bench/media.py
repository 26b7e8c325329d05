"""Benchmark: media download throughput from the sandbox through the real Telethon client, the
media worker and the content-addressed archive (OCR off: bench/ocr.py measures OCR).

Run: .venv/bin/python bench/media.py [--photos 40] [--documents 4] [--doc-mb 3]
Baseline in the same run: the same files fetched with plain `client.download_media(message,
bytes)` (no archive, no queue), so the worker's own cost shows.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import platform
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from PIL import Image

from monitor.clock import SystemClock
from monitor.domain import MediaState
from monitor.media.files import MediaFiles
from monitor.media.worker import Matching, MediaConfig, MediaWorker
from monitor.reader.channel_ref import parse_channel_ref
from monitor.sandbox.api import Sandbox
from monitor.store import migrate
from monitor.store.channels import ChannelRepo
from monitor.store.engine import Database
from monitor.store.media import MediaRepo
from monitor.store.posts import PostRepo
from monitor.telegram.convert import posts_from_messages
from monitor.telegram.media import TelethonMedia
from monitor.telegram.reader import ChannelReader, input_peer


def photo(seed: int) -> bytes:
    image = Image.effect_noise((1280, 960), 40 + seed % 50).convert("RGB")
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


async def main(photos: int, documents: int, doc_mb: int) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="bench-media-"))
    url = f"sqlite+aiosqlite:///{workdir / 'archive.db'}"
    await asyncio.to_thread(migrate.upgrade, url)
    db = Database.open(url)
    async with Sandbox() as tg:
        account = tg.create_user("+380500000001", first_name="Bench")
        client = await tg.login(account, str(workdir / "reader.session"))
        sandbox_channel = tg.create_channel("bench_media", "Медіа")
        sizes = 0
        for i in range(photos):
            data = photo(i)
            sizes += len(data)
            tg.post(sandbox_channel, f"фото {i}", photo=data)
        for i in range(documents):
            data = os.urandom(doc_mb * 1024 * 1024)
            sizes += len(data)
            tg.post(
                sandbox_channel, f"документ {i}", document=(data, "application/pdf", f"d{i}.pdf")
            )
        reader = ChannelReader(client)
        channel = await reader.resolve(parse_channel_ref("@bench_media"))
        channel = await ChannelRepo(db).upsert_channel(channel, now=datetime.now(UTC))
        messages = await client.get_messages(input_peer(channel), limit=photos + documents)
        posts = posts_from_messages(channel.telegram_id, messages)
        await PostRepo(db).save_posts(channel.telegram_id, posts, now=datetime.now(UTC))

        start = time.perf_counter()
        for message in messages:
            await client.download_media(message, bytes)
        baseline = time.perf_counter() - start

        worker = MediaWorker(
            MediaRepo(db),
            MediaFiles(workdir / "media"),
            TelethonMedia(client),
            SystemClock(),
            Matching(lambda _t: (), str),
            config=MediaConfig(ocr=False, batch=8),
        )
        start = time.perf_counter()
        while await worker.run_once():
            pass
        took = time.perf_counter() - start
        counts = await MediaRepo(db).counts()
        await client.disconnect()
    await db.close()
    items = photos + documents
    print(
        f"machine: {platform.machine()} {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    print(
        f"items: {items} ({photos} photos ~{sizes / items / 1024:.0f} KB avg, {documents} x {doc_mb} MB)"
    )
    print(
        f"stored: {counts.states[MediaState.DONE]} done, {counts.states[MediaState.FAILED]} failed"
    )
    print(f"worker:   {took:6.2f} s  {items / took:6.1f} items/s  {sizes / took / 2**20:6.2f} MB/s")
    print(
        f"baseline: {baseline:6.2f} s  {items / baseline:6.1f} items/s  {sizes / baseline / 2**20:6.2f} MB/s"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--photos", type=int, default=40)
    parser.add_argument("--documents", type=int, default=4)
    parser.add_argument("--doc-mb", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main(args.photos, args.documents, args.doc_mb))
