"""A Telegram Desktop export's photos and files (relative paths beside result.json) are queued
with their posts and copied into the media archive; what the export left out, or a path that
leaves its folder, is recorded on the row and never read."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from monitor.domain import MediaState
from monitor.imports.desktop import import_export, load_export
from monitor.media.files import MediaFiles
from monitor.media.worker import Matching, MediaConfig, MediaWorker
from monitor.store.channels import ChannelRepo
from monitor.store.engine import Database
from monitor.store.media import MediaRepo
from monitor.store.posts import PostRepo
from tests.conftest import NOW
from tests.media.test_worker import Clock
from tests.stand_in_matcher import find_hits


def _export(folder: Path) -> Path:
    (folder / "photos").mkdir(parents=True)
    (folder / "files").mkdir()
    (folder / "photos" / "photo_1.jpg").write_bytes(b"\xff\xd8 photo one")
    (folder / "files" / "order.pdf").write_bytes(b"%PDF-1.4 order")
    (folder.parent / "secret.txt").write_text("not the export's")
    message = {"type": "message", "date": "2024-11-25T10:00:00", "date_unixtime": "1732528800"}
    data = {
        "name": "Мелитополь сейчас",
        "type": "public_channel",
        "id": 1623456789,
        "messages": [
            {**message, "id": 1, "text": "фото", "photo": "photos/photo_1.jpg", "width": 800, "height": 600},
            {**message, "id": 2, "text": "наказ", "file": "files/order.pdf", "file_name": "order.pdf",
             "mime_type": "application/pdf", "file_size": 14},
            {**message, "id": 3, "text": "відео", "file": "(File not included. Change data exporting settings to download.)",
             "media_type": "video_file", "mime_type": "video/mp4"},
            {**message, "id": 4, "text": "хитрість", "photo": "../secret.txt"},
        ],
    }  # fmt: skip
    path = folder / "result.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


async def test_an_exports_files_are_copied_into_the_media_archive(
    database: Database, tmp_path: Path
) -> None:
    export = load_export(_export(tmp_path / "ChatExport"))
    posts = PostRepo(database)
    await import_export(
        export, channels=ChannelRepo(database), posts=posts, now=NOW, find_hits=find_hits
    )
    files = MediaFiles(tmp_path / "media")
    worker = MediaWorker(
        MediaRepo(database),
        files,
        None,
        Clock(),
        Matching(find_hits, str),
        config=MediaConfig(batch=10),
        recognise=None,
    )
    assert await worker.run_once() == 4
    found = await MediaRepo(database).list_media(list(range(1, 10)))
    rows = {m.message_id: m for items in found.values() for m in items}
    assert {i: (m.kind, m.state) for i, m in rows.items()} == {
        1: ("photo", MediaState.DONE),
        2: ("document", MediaState.DONE),
        3: ("video", MediaState.FAILED),
        4: ("photo", MediaState.FAILED),
    }
    assert rows[1].sha256 == hashlib.sha256(b"\xff\xd8 photo one").hexdigest()
    assert (rows[1].width, rows[1].height) == (800, 600)
    assert (rows[2].file_name, rows[2].mime, rows[2].size) == ("order.pdf", "application/pdf", 14)
    assert rows[3].failure == (
        "the export does not include this file (File not included, or a path outside its folder)"
    )
    assert rows[4].failure == rows[3].failure  # outside the export's folder: never read
    assert len(list(files.root.glob("??/??/*"))) == 2
