"""Photos and albums from feed files and from the operator's control commands, read by a real client."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from telethon import errors

from monitor.sandbox import control, feeds
from monitor.sandbox.api import Sandbox
from tests.sandbox.images import jpeg


def _feed(tmp_path: Path, rows: list[dict[str, Any]]) -> Path:
    path = tmp_path / "feed.json"
    base = {"sender_id": -1009000000007, "channel": "Мелитополь фото", "category": "demo"}
    path.write_text(json.dumps([base | row for row in rows], ensure_ascii=False), "utf-8")
    return path


def _images(tmp_path: Path, *names: str) -> list[bytes]:
    (tmp_path / "img").mkdir(exist_ok=True)
    out = []
    for seed, name in enumerate(names):
        data = jpeg(300 + seed, 200, seed=seed)
        (tmp_path / "img" / name).write_bytes(data)
        out.append(data)
    return out


async def test_a_feed_post_names_a_photo_or_an_album_beside_the_feed_file(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    notice, queue, bus = _images(tmp_path, "notice.jpg", "queue.jpg", "bus.jpg")
    path = _feed(
        tmp_path,
        [
            {"message_id": 10, "text": "Повестка у рынка", "date": "2024-11-25T08:00:00+00:00",
             "photo": "img/notice.jpg"},
            {"message_id": 11, "text": "**Облава** на трассе", "date": "2024-11-25T09:00:00+00:00",
             "album": ["img/queue.jpg", "img/bus.jpg"]},
            {"message_id": 13, "text": "Без фото", "date": "2024-11-25T10:00:00+00:00"},
        ],
    )  # fmt: skip
    feed = feeds.load_feed(path)
    channel = feeds.create_channel(sandbox.world, feed)
    feeds.load_history(sandbox.world, channel, feed.posts, dc_id=sandbox.dc_id)
    client = await sandbox.login(sandbox.create_user("+79990000001"))
    messages = list(reversed(await client.get_messages(channel.username, limit=10)))
    assert [(m.id, m.raw_text, m.grouped_id is not None) for m in messages] == [
        (10, "Повестка у рынка", False),
        (11, "Облава на трассе", True),
        (12, "", True),
        (13, "Без фото", False),
    ]
    assert messages[1].grouped_id == messages[2].grouped_id
    assert [await client.download_media(m, bytes) for m in messages[:3]] == [notice, queue, bus]
    assert messages[3].media is None


@pytest.mark.parametrize(
    ("rows", "problem"),
    [
        ([{"message_id": 1, "photo": "img/missing.jpg"}], "no image file .*missing.jpg"),
        ([{"message_id": 1, "album": ["img/a.jpg"]}], "an album names 2 to 10 images, not 1"),
        (
            [{"message_id": 1, "album": ["img/a.jpg", "img/a.jpg"]}, {"message_id": 2}],
            "post 1 is an album of 2 posts .*post 2 needs a higher id",
        ),
    ],
)
def test_a_feed_with_a_bad_photo_says_which_post_and_what_to_do(
    tmp_path: Path, rows: list[dict[str, Any]], problem: str
) -> None:
    _images(tmp_path, "a.jpg")
    dated = [{"text": "", "date": "2024-11-25T08:00:00+00:00"} | row for row in rows]
    with pytest.raises(ValueError, match=problem):
        feeds.load_feed(_feed(tmp_path, dated))


async def test_control_posts_an_album_and_a_document_and_expires_references(
    sandbox: Sandbox,
) -> None:
    news = sandbox.create_channel("news_ru", "Новости")
    photos = [jpeg(200, 100, seed=1), jpeg(100, 200, seed=2)]
    encoded = [base64.b64encode(p).decode() for p in photos]
    album = control.execute(
        sandbox, {"op": "post", "channel": "news_ru", "text": "альбом", "album": encoded}
    )
    assert album["ids"] == [album["id"], album["id"] + 1]
    pdf = {
        "data": base64.b64encode(b"%PDF-1.4").decode(),
        "mime": "application/pdf",
        "name": "o.pdf",
    }
    doc = control.execute(sandbox, {"op": "post", "channel": "news_ru", "document": pdf})
    with pytest.raises(control.ControlError, match="2 to 10"):
        control.execute(sandbox, {"op": "post", "channel": "news_ru", "album": encoded[:1]})
    client = await sandbox.login(sandbox.create_user("+79990000001"))
    first, second, document = await client.get_messages("news_ru", ids=[*album["ids"], doc["id"]])
    assert await client.download_media(second, bytes) == photos[1]
    assert (document.file.name, await client.download_media(document, bytes)) == (
        "o.pdf",
        b"%PDF-1.4",
    )
    assert control.execute(sandbox, {"op": "expire_file_references"}) == {"ok": True}
    with pytest.raises(errors.FileReferenceExpiredError):
        await client.download_media(first, bytes)
    assert len(news.timeline.messages) == 3
