"""/search with page buttons and /digest with its chart, through the bot in the sandbox."""

from __future__ import annotations

import asyncio
import csv
import io

import pytest

from monitor.bot import lookups
from monitor.sandbox.api import Sandbox
from tests.e2e.bot_stack import BOT_USERNAME, Analyst, BotStack, eventually

FORMS = ["повестки", "повестку", "повесткой", "повестках", "повістки", "повісток", "повестка"]


async def edited(analyst: Analyst, message_id: int, old: str) -> str:
    """The text of a message once the bot has edited it (fails after 15 s)."""
    for _ in range(150):
        message = await analyst.client.get_messages(BOT_USERNAME, ids=message_id)
        if message is not None and message.raw_text != old:
            return str(message.raw_text)
        await asyncio.sleep(0.1)
    raise AssertionError(f"message {message_id} was never edited")


async def test_search_pages_through_inflected_forms_with_buttons(
    sandbox: Sandbox, stack: BotStack
) -> None:
    [analyst] = await stack.analysts(1)
    channel = await stack.watch("kherson_news", "Херсон новости")
    for n, form in enumerate(FORMS):
        message_id = sandbox.post(channel, f"Сообщение {n}: мужчинам в Херсоне вручают {form}")
        await stack.read(channel, message_id)
    sandbox.post(channel, "Погода в Херсоне")

    before = len(analyst.inbox)
    await analyst.say("/search повестка")
    await eventually(lambda: any(m.buttons for _, _, m in analyst.inbox[before:]), what="page 1")
    first = "\n".join(analyst.texts()[before:])
    assert first.count("@kherson_news") == 5  # five cards a page, newest first
    assert "Сообщение 6" in first
    assert "Сообщение 0" not in first
    [paged] = [m for _, _, m in analyst.inbox[before:] if m.buttons]

    assert "Results 1–5 of 7 for" in first  # the total count
    before = len(analyst.inbox)
    await paged.click(text="Older ▶")
    second = await edited(analyst, paged.id, paged.raw_text)
    assert len(analyst.inbox) == before  # the page replaced the one shown: no new message
    assert "Results 6–7 of 7" in second
    assert "Сообщение 1" in second
    assert "Сообщение 0" in second
    assert "Сообщение 6" not in second
    assert "Погода" not in first + second

    before = len(analyst.inbox)
    await analyst.say('/search повестка "незакрытая')
    await eventually(lambda: len(analyst.inbox) > before, what="the error")
    error = analyst.texts()[before]
    assert "Example: /search" in error
    assert "SQL" not in error
    assert "fts5" not in error.lower()


async def test_digest_on_demand_covers_the_askers_subscriptions_only(
    sandbox: Sandbox, stack: BotStack
) -> None:
    subscribed, newcomer = await stack.analysts(2)
    before = len(subscribed.inbox)
    await subscribed.say("/subscribe summons")
    await eventually(lambda: len(subscribed.inbox) > before, what="the subscription")
    channel = await stack.watch("crimea_today", "Крым сегодня")
    for text in ("В Симферополе вручают повестки", "Облава у военкомата в Керчи"):
        await stack.read(channel, sandbox.post(channel, text))

    before = len(subscribed.inbox)
    await subscribed.say("/digest")
    await eventually(lambda: any(m.photo for _, _, m in subscribed.inbox[before:]), what="chart")
    text = "\n".join(subscribed.texts()[before:])
    assert "Weekly digest" in text
    assert "Covers only your subscription:\n• #1 category summons" in text
    assert "Posts matching your subscriptions: 1" in text  # the round-up is not a summons
    assert "@crimea_today: 1" in text
    assert "Керчи" not in text

    before = len(newcomer.inbox)
    await newcomer.say("/digest")
    await eventually(lambda: len(newcomer.inbox) > before, what="the note")
    await asyncio.sleep(0.3)  # nothing else follows: no chart
    got = newcomer.inbox[before:]
    assert len(got) == 1
    assert not got[0][2].photo
    assert "You have no subscriptions" in got[0][1]
    assert "/subscribe" in got[0][1]


async def test_export_sends_a_csv_with_bom_and_refuses_past_the_limit(
    sandbox: Sandbox, stack: BotStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    [analyst] = await stack.analysts(1)
    channel = await stack.watch("kherson_news", "Херсон новости")
    for n, form in enumerate(FORMS[:3]):
        await stack.read(channel, sandbox.post(channel, f"Сообщение {n}: вручают {form}"))

    before = len(analyst.inbox)
    await analyst.say("/export повестка")
    await eventually(lambda: any(m.file for _, _, m in analyst.inbox[before:]), what="the file")
    [(_, caption, message)] = analyst.inbox[before:]
    assert caption == "📄 3 posts for повестка"
    assert message.file.name.startswith("draftwatch-export-")
    assert message.file.name.endswith(".csv")
    data = await analyst.client.download_media(message, bytes)
    assert data.startswith("\ufeffdate,channel,".encode())  # the BOM: Excel reads UTF-8
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [r["text"] for r in rows] == [f"Сообщение {n}: вручают {FORMS[n]}" for n in (2, 1, 0)]

    monkeypatch.setattr(lookups, "EXPORT_POSTS", 2)
    before = len(analyst.inbox)
    await analyst.say("/export повестка")
    await eventually(lambda: len(analyst.inbox) > before, what="the refusal")
    assert analyst.texts()[-1].startswith(
        "The search finds 3 posts; a file in the chat holds at most 2. Narrow it"
    )
