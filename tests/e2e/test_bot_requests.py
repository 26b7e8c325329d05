"""Access requests through the sandbox: a /start note reaches the admin, and once a request is
decided every copy of it loses its buttons (real Telethon bot, admin and analyst clients)."""

from __future__ import annotations

import asyncio
from typing import Any

from monitor.sandbox.api import Sandbox
from tests.e2e.bot_stack import BOT_USERNAME, Analyst, BotStack, eventually


async def test_a_note_reaches_the_admin_and_a_decided_request_loses_its_buttons(
    sandbox: Sandbox, stack: BotStack
) -> None:
    analyst = await Analyst.login(sandbox, "+380671112233", "Taras")
    admin = await Analyst.login(sandbox, "", "Admin", account=stack.admin)
    await admin.say("/start")
    await eventually(lambda: bool(admin.inbox), what="the admin's welcome")

    def requests() -> list[Any]:
        return [m for _, _, m in admin.inbox if m.buttons]

    await analyst.say("/start")
    await eventually(lambda: len(requests()) == 1, what="the request")
    await analyst.say("/start Taras, researcher at ZMINA")
    await eventually(lambda: len(requests()) == 2, what="the request with the note")
    first, second = requests()
    assert second.raw_text.endswith("Note: «Taras, researcher at ZMINA»")
    assert "Your note was passed on." in analyst.texts()[-1]

    await second.click(text="✅ Approve")
    await eventually(lambda: any("approved" in t for t in analyst.texts()), what="welcome")
    for _ in range(150):  # the other copy is edited: its buttons go, the decision shows
        copy = await admin.client.get_messages(BOT_USERNAME, ids=first.id)
        if copy.buttons is None:
            break
        await asyncio.sleep(0.1)
    assert copy.buttons is None
    assert copy.raw_text.endswith("→ Approved Taras.")
