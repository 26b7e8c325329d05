"""Access control through the sandbox: a block survives a failed alert, admin rights follow
ADMIN_IDS and /demote, search pages belong to their chat, hostile ids get an answer."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from telethon import functions

from monitor.domain import SubscriberStatus
from monitor.sandbox.api import Sandbox
from monitor.store.subscribers import SubscriberRepo
from tests.e2e.bot_stack import BOT_USERNAME, Analyst, BotStack, eventually
from tests.e2e.test_bot_archive import edited

SUMMONS = "В Мелитополе мужчинам вручают повестки прямо на улице у центрального рынка"
HOLD_LIMIT_S = 15.0  # a bound on waiting for the sandbox, not a timed assertion


async def admin_client(sandbox: Sandbox, stack: BotStack) -> Analyst:
    admin = await Analyst.login(sandbox, "", "Admin", account=stack.admin)
    await admin.say("/start")
    await eventually(lambda: any("Welcome" in t for t in admin.texts()), what="admin welcome")
    return admin


async def ask(user: Analyst, text: str) -> str:
    """Send a command and return the bot's next message."""
    before = len(user.inbox)
    await user.say(text)
    await eventually(lambda: len(user.inbox) > before, what=f"an answer to {text}")
    return user.texts()[before]


def logged(caplog: pytest.LogCaptureFixture, text: str) -> bool:
    return any(text in r.getMessage() for r in caplog.records)


async def test_a_block_during_a_failing_alert_survives_the_users_next_start(
    sandbox: Sandbox, stack: BotStack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="monitor.bot.conversation")
    [analyst] = await stack.analysts(1, "summons")
    admin = await admin_client(sandbox, stack)
    channel = await stack.watch("melitopol_live", "Мелитополь live")
    in_flight = sandbox.hold("messages.sendMessage", peer=analyst.account)
    await stack.read(channel, sandbox.post(channel, SUMMONS))
    await asyncio.wait_for(in_flight.reached.wait(), HOLD_LIMIT_S)  # the alert is in flight

    sandbox.block(analyst.account, stack.bot_account)  # the user blocks the bot meanwhile...
    blocked = await ask(admin, f"/block {analyst.account.id}")  # ...and an admin blocks them
    assert "Blocked Analyst0" in blocked
    in_flight.released.set()  # the alert's send now fails with USER_IS_BLOCKED
    await eventually(lambda: stack.runtime.worker.stats.deactivated == 1, what="the failure")

    sandbox.unblock(analyst.account, stack.bot_account)
    before = len(analyst.inbox)
    await analyst.say("/start")
    await eventually(lambda: logged(caplog, "start refused"), what="/start refused")
    await analyst.say("/search повестки")
    await eventually(lambda: logged(caplog, "ignored user"), what="/search ignored")
    user = await SubscriberRepo(stack.database).get_subscriber(analyst.account.id)
    assert user.status is SubscriberStatus.BLOCKED
    assert "blocked" in await ask(admin, "/users")
    assert analyst.texts()[before:] == []  # no welcome, no results


async def test_removing_an_id_from_admin_ids_takes_its_rights_at_the_next_start(
    sandbox: Sandbox, stack: BotStack, tmp_path: Path
) -> None:
    admin = await admin_client(sandbox, stack)
    assert "Admin @admin_user" in await ask(admin, "/users")
    other = sandbox.create_user("+380500000003", first_name="Other")
    await stack.restart(tmp_path, admin_ids=(other.id,))
    assert "Only admins can do that" in await ask(admin, "/users")
    assert "Only admins can do that" in await ask(admin, "/invite")
    assert "/users" not in await ask(admin, "/help")


async def test_demote_takes_back_a_promotion(sandbox: Sandbox, stack: BotStack) -> None:
    [analyst] = await stack.analysts(1)
    admin = await admin_client(sandbox, stack)
    assert "now an admin" in await ask(admin, "/promote @a0_x")
    assert "Analyst0" in await ask(analyst, "/users")
    assert "no longer an admin" in await ask(admin, f"/demote {analyst.account.id}")
    assert "Only admins can do that" in await ask(analyst, "/users")
    assert "not an admin" in await ask(admin, "/demote @a0_x")
    refused = await ask(analyst, f"/demote {stack.admin.id}")
    assert "Only admins can do that" in refused
    own = await ask(admin, f"/demote {stack.admin.id}")
    assert "through ADMIN_IDS: remove the id there and restart" in own


async def test_a_search_page_button_works_only_in_its_own_chat(
    sandbox: Sandbox, stack: BotStack
) -> None:
    owner, other = await stack.analysts(2)
    channel = await stack.watch("kherson_news", "Херсон новости")
    for n in range(7):
        await stack.read(channel, sandbox.post(channel, f"Сообщение {n}: вручают повестки"))
    await owner.say("/search повестки")
    await eventually(lambda: any(m.buttons for _, _, m in owner.inbox), what="page 1")
    [page] = [m for _, _, m in owner.inbox if m.buttons]
    data = page.buttons[0][0].data
    assert data.startswith(b"search:1:")

    _, _, welcome = other.inbox[0]  # a message of the bot in the other user's own chat
    before = len(other.inbox)
    answer = await other.client(
        functions.messages.GetBotCallbackAnswerRequest(BOT_USERNAME, welcome.id, data=data)
    )
    assert answer.message == "That search page belongs to another chat: send /search yourself."
    assert len(other.inbox) == before  # no results of someone else's query
    await page.click(text="Older ▶")  # the owner still pages through it (the page is edited)
    assert "Сообщение 0" in await edited(owner, page.id, page.raw_text)


HOSTILE_IDS = [
    "99999999999999999999999",
    "9223372036854775808",
    "-1009223372036854775808",
    "-100",
    "t.me/c/99999999999999999999999",
]
ID_COMMANDS = ["addchannel", "removechannel", "promote", "demote", "block", "invite", "users"]


@pytest.mark.parametrize("hostile", HOSTILE_IDS)
async def test_every_admin_command_answers_a_hostile_id_in_one_line(
    sandbox: Sandbox, stack: BotStack, hostile: str
) -> None:
    admin = await admin_client(sandbox, stack)
    for name in ID_COMMANDS:
        answer = await ask(admin, f"/{name} {hostile}")
        assert "\n" not in answer, (name, answer)
        assert f"Example: /{name}" in answer, (name, answer)
        assert "went wrong" not in answer, (name, answer)
