"""An analyst's subscriptions through the sandbox, with the real Telethon bot and user clients:
re-subscribing asks with buttons and a press edits the question; the preview of last week."""

from __future__ import annotations

import asyncio

from monitor.sandbox.api import Sandbox
from tests.e2e.bot_stack import BotStack, eventually
from tests.e2e.test_bot_archive import edited


async def test_resubscribing_asks_and_a_button_adds_the_channel(
    sandbox: Sandbox, stack: BotStack
) -> None:
    [analyst] = await stack.analysts(1)
    channel = await stack.watch("zaporizhzhia_ua", "Запорожье")
    await stack.read(
        channel, sandbox.post(channel, "В Запорожье облава у военкомата, задерживают мужчин")
    )
    await stack.read(channel, sandbox.post(channel, "Погода в Запорожье"))

    before = len(analyst.inbox)
    await analyst.say("/subscribe roundup in @zaporizhzhia_ua @crimea_alarm")
    await eventually(lambda: len(analyst.inbox) > before, what="the subscription")
    await asyncio.sleep(0.3)
    text = "\n".join(analyst.texts()[before:])
    assert text.startswith("✅ Subscribed: #1 category roundup in @zaporizhzhia_ua, @crimea_alarm")
    assert "📊 Last week this would have matched 1 post:" in text
    assert "@zaporizhzhia_ua" in text
    assert "облава" in text

    before = len(analyst.inbox)
    await analyst.say("/subscribe roundup in @not_watched_chan")
    await eventually(lambda: any(m.buttons for _, _, m in analyst.inbox[before:]), what="question")
    [question] = [m for _, _, m in analyst.inbox[before:] if m.buttons]
    assert question.raw_text == (
        "⚠️ You already have #1 category roundup in @zaporizhzhia_ua, @crimea_alarm. Nothing "
        "changed yet. Add @not_watched_chan to #1, or keep both subscriptions?"
    )
    await question.click(text="➕ Add @not_watched_chan to #1")
    answer = await edited(analyst, question.id, question.raw_text)
    assert answer == (
        "✅ Changed: #1 category roundup in @zaporizhzhia_ua, @crimea_alarm, @not_watched_chan"
    )
    shown = await analyst.client.get_messages("draftwatch_test_bot", ids=question.id)
    assert shown.buttons is None  # the question is answered: its buttons are gone

    before = len(analyst.inbox)
    await analyst.say("/list")
    await eventually(lambda: len(analyst.inbox) > before, what="the list")
    assert analyst.texts()[-1] == (
        "Your subscriptions\n#1 category roundup in @zaporizhzhia_ua, @crimea_alarm, "
        "@not_watched_chan"
    )
