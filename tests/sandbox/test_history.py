"""History windows: the pure window function, and iter_messages in both directions against the world."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from telethon import TelegramClient

from monitor.sandbox.api import Sandbox
from monitor.sandbox.history import history_window

START = datetime(2024, 1, 1, tzinfo=UTC)
NEWEST_FIRST = [SimpleNamespace(id=i, date=START + timedelta(minutes=i)) for i in range(10, 0, -1)]


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"limit": 3}, [10, 9, 8]),
        ({"offset_id": 8, "limit": 3}, [7, 6, 5]),
        ({"offset_id": 5, "add_offset": -3, "limit": 3}, [7, 6, 5]),
        ({"offset_id": 5, "add_offset": -100, "limit": 100}, [10, 9, 8, 7, 6, 5]),
        ({"offset_id": 1, "add_offset": -2, "limit": 2}, [2, 1]),
        ({"min_id": 7, "limit": 100}, [10, 9, 8]),
        ({"max_id": 4, "limit": 100}, [3, 2, 1]),
        ({"offset_date": START + timedelta(minutes=3), "limit": 5}, [2, 1]),
        ({"offset_id": 11, "add_offset": 2, "limit": 2}, [8, 7]),
        ({"limit": 0}, []),
    ],
)
def test_history_window_matches_telegram(kwargs: dict[str, object], expected: list[int]) -> None:
    assert [m.id for m in history_window(NEWEST_FIRST, **kwargs)] == expected  # type: ignore[arg-type]


@pytest.fixture
async def reader(sandbox: Sandbox) -> TelegramClient:
    news = sandbox.create_channel("news_ru", "Новости")
    for i in range(1, 251):
        sandbox.post(news, f"Пост номер {i}", date=START + timedelta(minutes=i))
    sandbox.delete_posts(news, [13, 100, 101])
    return await sandbox.login(sandbox.create_user("+79990000001"))


ALL_IDS = [i for i in range(1, 251) if i not in (13, 100, 101)]


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, ALL_IDS[::-1]),
        ({"limit": 5}, ALL_IDS[::-1][:5]),
        ({"reverse": True}, ALL_IDS),
        ({"reverse": True, "min_id": 95}, [i for i in ALL_IDS if i > 95]),
        ({"reverse": True, "min_id": 95, "limit": 10}, [i for i in ALL_IDS if i > 95][:10]),
        ({"reverse": True, "min_id": 95, "max_id": 110}, [i for i in ALL_IDS if 95 < i < 110]),
        ({"reverse": True, "offset_id": 240}, [i for i in ALL_IDS if i > 240]),
        ({"min_id": 200}, [i for i in ALL_IDS if i > 200][::-1]),
        ({"max_id": 120}, [i for i in ALL_IDS if i < 120][::-1]),
        ({"offset_id": 120, "limit": 30}, [i for i in ALL_IDS if i < 120][::-1][:30]),
        ({"min_id": 10, "max_id": 20}, [i for i in ALL_IDS if 10 < i < 20][::-1]),
        ({"reverse": True, "min_id": 250}, []),
        ({"offset_date": START + timedelta(minutes=50), "limit": 3}, [49, 48, 47]),
    ],
)
async def test_iter_messages_returns_what_the_world_holds(
    reader: TelegramClient, kwargs: dict[str, object], expected: list[int]
) -> None:
    got = [m.id async for m in reader.iter_messages("news_ru", wait_time=0, **kwargs)]  # type: ignore[arg-type]
    assert got == expected


async def test_history_total_and_texts(reader: TelegramClient) -> None:
    messages = await reader.get_messages("news_ru", limit=2)
    assert messages.total == len(ALL_IDS)
    assert [m.raw_text for m in messages] == ["Пост номер 250", "Пост номер 249"]
