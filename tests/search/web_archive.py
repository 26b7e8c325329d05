"""The search test archive (tests/search_archive.py) with what the web view shows beside the
text: a photo with OCR text, places, the channel's home region, capture hashes, and posts of
hostile HTML. Media, places and captures are written as the media worker, the places tagger
and the evidence recorder leave them (rows in their tables, the file under MEDIA_DIR)."""

from __future__ import annotations

import hashlib
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from monitor.domain import Post
from monitor.places.gazetteer import default_gazetteer
from monitor.store.engine import Database
from monitor.store.posts import PostRepo
from monitor.store.search import SearchRepo
from monitor.store.snapshot import checkpoint
from tests.search_archive import LEMMATIZER, NOW, RU, day, find_hits, seed

ROOT = Path(__file__).resolve().parents[2]
PHOTO = ROOT / "monitor/sandbox/feeds/demo/summons-uk.jpg"
OCR_TEXT = "ПОВІСТКА: з'явитися до ТЦК <b>негайно</b>"
HOSTILE = (
    '<script>window.dwHacked=1</script><img src=x onerror="window.dwHacked=2"> повестка в школе'
)
HOSTILE_OCR = "<svg onload=window.dwHacked=3>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(4)"/>'
CAPTURES = ("a" * 64, "b" * 64)


@dataclass(frozen=True, slots=True)
class WebArchive:
    path: Path  # the SQLite file
    media_dir: Path
    post: int  # message 2 of @dvizh_mel: edited, a photo, Энергодар
    hostile: int  # message 8: hostile text and OCR text
    photo_sha256: str
    svg_sha256: str


def _store(media_dir: Path, data: bytes) -> str:
    sha256 = hashlib.sha256(data).hexdigest()
    path = media_dir / sha256[:2] / sha256[2:4] / sha256
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return sha256


async def seed_web(db_url: str, media_dir: Path) -> WebArchive:
    db = Database.open(db_url)
    try:
        await seed(db)
        search = SearchRepo(db, LEMMATIZER)
        hostile = Post(RU.telegram_id, 8, day(24), HOSTILE, media_kind="photo")
        await PostRepo(db).save_posts(
            RU.telegram_id, [hostile], now=NOW, find_hits=find_hits, hooks=[search.index_hook()]
        )
        await checkpoint(db)
    finally:
        await db.close()
    path = Path(db_url.split("///", 1)[1])
    photo = _store(media_dir, PHOTO.read_bytes())
    svg = _store(media_dir, SVG)
    enerhodar = default_gazetteer().lookup("Энергодар")[0]
    with closing(sqlite3.connect(path)) as conn, conn:  # closed: the WAL is checkpointed
        ids = dict(conn.execute("select message_id, id from posts where channel_id = 1"))
        post, bad = ids[2], ids[8]
        media = (
            "insert into media (post_id, position, message_id, kind, mime, size, sha256, state,"
            " attempts, ocr_state, ocr_text, created_at) values (?, ?, ?, ?, ?, ?, ?, 'done', 1,"
            " ?, ?, '2024-11-25 09:00:00.000000')"
        )
        conn.execute(
            media,
            (post, 0, 2, "photo", "image/jpeg", PHOTO.stat().st_size, photo, "done", OCR_TEXT),
        )
        conn.execute(
            media, (bad, 0, 8, "document", "image/svg+xml", len(SVG), svg, "done", HOSTILE_OCR)
        )
        conn.execute(
            "insert into post_places (post_id, place_id, region, ambiguous, how, mention)"
            " values (?, ?, ?, 0, 'only', 'Энергодара')",
            (post, enerhodar.id, enerhodar.region),
        )
        conn.execute(
            "insert into post_places (post_id, place_id, region, ambiguous, how, mention)"
            " values (?, 0, 'kherson', 0, 'region named', ?)",
            (bad, "<i>Херсонщина</i>"),
        )
        conn.execute("insert into channel_regions (channel_id, region) values (1, 'zaporizhzhia')")
        for version, sha in enumerate(CAPTURES, start=1):
            conn.execute(
                "insert into evidence_captures (post_id, kind, version, source, account,"
                " captured_at, record, sha256, media_sha256, custody_seq) values"
                " (?, 'version', ?, 'poll', '', '2024-11-25 09:00:00.000000', '{}', ?, '[]', ?)",
                (post, version, sha, version),
            )
    return WebArchive(path, media_dir, post, bad, photo, svg)
