"""Ingest on a real archive: a matcher failure never blocks a channel."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from monitor.domain import Channel, Hit, Post, Span
from monitor.reader.ingest import Ingest
from monitor.store.channels import ChannelRepo
from monitor.store.engine import Database
from monitor.store.posts import PostRepo
from tests.conftest import NOW


def fragile_matcher(text: str) -> Sequence[Hit]:
    if "💥" in text:
        raise RuntimeError("matcher bug")
    start = text.find("повестк")
    return [Hit("r", "summons", (Span(start, start + 7, "повестк"),))] if start >= 0 else []


async def test_a_post_the_matcher_chokes_on_is_stored_without_hits_and_the_rest_go_on(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    await ChannelRepo(database).upsert_channel(Channel(telegram_id=9, title="c"), now=NOW)
    posts = PostRepo(database)
    batch = [
        Post(channel_telegram_id=9, message_id=1, date=NOW, text="💥 странный пост"),
        Post(channel_telegram_id=9, message_id=2, date=NOW, text="вручают повестки"),
    ]
    result = await Ingest(posts, fragile_matcher).save(9, batch, now=NOW, read_through=2)
    assert len(result.new_posts) == 2
    assert [h.rule_id for h in result.new_hits] == ["r"]
    assert result.last_seen_id == 2
    assert "matching failed; post stored without hits" in caplog.text
