"""The buttons under an alert, through the sandbox with the real Telethon bot and user client:
the category in words, 👎 stored per alert, rule and channel, "mute this channel" (and no
alert from it after), "unsubscribe" offering the subscription that sent it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from typer.testing import CliRunner

from monitor.cli import app
from monitor.sandbox.api import Sandbox
from monitor.store.feedback import FeedbackRepo
from tests.e2e.bot_stack import BotStack, eventually

SUMMONS = "В Мелитополе мужчинам вручают повестки прямо на улице у центрального рынка"
AGAIN = "В Мелитополе снова раздают повестки у проходной завода, мужчин задерживают"


async def test_alert_buttons_feedback_mute_and_unsubscribe(
    sandbox: Sandbox, stack: BotStack, db_url: str, clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    [analyst] = await stack.analysts(1, "summons")
    channel = await stack.watch("melitopol_now", "Мелитополь сейчас")
    await stack.read(channel, sandbox.post(channel, SUMMONS))
    await eventually(lambda: any(m.buttons for _, _, m in analyst.inbox), what="the alert")
    [alert] = [m for _, _, m in analyst.inbox if m.buttons]
    assert alert.raw_text.startswith("🔔 Draft notice · Summonses\n")
    assert "ru.summons" not in alert.raw_text
    assert [[b.text for b in row] for row in alert.buttons] == [
        ["👍 Relevant", "👎 Not relevant"],
        ["🔇 Mute this channel", "✖ Unsubscribe"],
    ]

    answer = await alert.click(text="👎 Not relevant")
    assert answer.message.startswith("👎 Thanks: marked not relevant")
    [stats] = [s for s in await FeedbackRepo(stack.database).rule_stats() if s.not_relevant]
    assert stats.channel == "@melitopol_now"
    assert (stats.sent, stats.relevant, stats.not_relevant, stats.precision) == (1, 0, 1, 0.0)
    assert stats.not_relevant_posts == ("https://t.me/melitopol_now/1",)
    monkeypatch.setenv("DATABASE_URL", db_url)
    printed = await asyncio.to_thread(CliRunner().invoke, app, ["patterns", "stats"])
    assert printed.exit_code == 0, printed.output
    assert printed.output.splitlines()[:2] == [
        f"{stats.rule_id} in @melitopol_now: sent 1, 👍 0, 👎 1, precision 0%",
        "    👎 https://t.me/melitopol_now/1",
    ]

    before = len(analyst.inbox)
    await alert.click(text="✖ Unsubscribe")
    await eventually(lambda: len(analyst.inbox) > before, what="the offer")
    [offer] = analyst.inbox[before:]
    assert offer[1] == "This alert came from:\n#1 category summons\nStop which?"

    before = len(analyst.inbox)
    await alert.click(text="🔇 Mute this channel")
    await eventually(lambda: len(analyst.inbox) > before, what="muted")
    assert analyst.texts()[-1] == "🔇 Muted @melitopol_now: no more alerts from it for you."
    await stack.read(channel, sandbox.post(channel, AGAIN))
    await asyncio.sleep(1.0)  # the worker idles 0.1 s: an alert would have come by now
    assert not any(t.startswith("🔔") for t in analyst.texts()[before:])
