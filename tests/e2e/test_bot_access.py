"""Through the sandbox: /start, approval by an admin's button, /subscribe, a post, the alert."""

from __future__ import annotations

import asyncio
import time

from monitor.sandbox.api import Sandbox
from tests.e2e.bot_stack import Analyst, BotStack, eventually

SUMMONS = "В Мелитополе мужчинам вручают повестки прямо на улице у центрального рынка"
WEATHER = "Погода в Мелитополе: завтра солнечно, ветер северо-восточный"


async def test_start_approve_subscribe_then_a_matching_post_is_alerted(
    sandbox: Sandbox, stack: BotStack
) -> None:
    channel = sandbox.create_channel("melitopol_live", "Мелитополь live")
    analyst = await Analyst.login(sandbox, "+380501112233", "Oksana")

    admin = await Analyst.login(sandbox, "", "Admin", account=stack.admin)
    await admin.say("/start")
    await analyst.say("/start")
    await eventually(lambda: any("sent to the admins" in t for t in analyst.texts()), what="ack")
    requests = lambda: [m for _, _, m in admin.inbox if m.buttons]  # noqa: E731
    await eventually(lambda: bool(requests()), what="the admin's request message")
    [request] = requests()
    assert "Access request from Oksana @oksana" in request.raw_text

    await analyst.say("/subscribe summons")  # not approved yet: told to wait, nothing done
    await eventually(lambda: len(analyst.inbox) == 2, what="the waiting note")
    assert analyst.texts()[1].startswith("⏳ Your request is waiting for an admin's approval")
    await asyncio.sleep(0.5)
    assert len(analyst.inbox) == 2

    await request.click(text="✅ Approve")  # the admin's real client presses the button
    await eventually(lambda: any("approved" in t for t in analyst.texts()), what="welcome")
    await analyst.say("/addchannel @melitopol_live")  # analysts cannot
    await eventually(lambda: any("Only admins" in t for t in analyst.texts()), what="refusal")
    sandbox.send_private(stack.admin, stack.bot_account, "/addchannel @melitopol_live")
    await eventually(
        lambda: any(
            "Now watching" in m.text for m in sandbox.received_by(stack.admin, stack.bot_account)
        ),
        what="channel added",
    )
    await analyst.say("/subscribe summons in @melitopol_live")
    await eventually(lambda: any("Subscribed" in t for t in analyst.texts()), what="subscribed")

    before = len(analyst.inbox)
    sandbox.post(channel, WEATHER)
    posted = time.monotonic()
    post_id = sandbox.post(channel, SUMMONS)
    await stack.collector.poll_cycle()
    await eventually(lambda: len(analyst.inbox) > before, within=5, what="the alert")
    received, text, message = analyst.inbox[before]
    assert received - posted < 2.0
    assert "Мелитополь live" in text
    assert text.startswith("🔔 Draft notice · Summonses\n")  # the category in words
    assert "вручают повестки прямо" in text
    urls = [getattr(e, "url", None) for e in message.entities or []]
    assert f"https://t.me/melitopol_live/{post_id}" in urls
    await asyncio.sleep(1.0)
    assert len(analyst.inbox) == before + 1  # the weather post alerted nobody
    [alert] = await stack.deliveries.list_alerts()
    assert alert.sent_message_id is not None


async def test_a_stranger_gets_nothing_but_the_acknowledgement(
    sandbox: Sandbox, stack: BotStack
) -> None:
    stranger = await Analyst.login(sandbox, "+380509998877", "Stranger")
    for command in ("/help", "/subscribe summons", "/channels", "/test повестки"):
        await stranger.say(command)
    await asyncio.sleep(1.5)
    assert stranger.inbox == []


async def test_in_a_joined_channel_the_alert_arrives_within_2_s_without_a_poll(
    sandbox: Sandbox, stack: BotStack
) -> None:
    [analyst] = await stack.analysts(1, "summons")
    channel = await stack.watch("melitopol_live", "Мелитополь live", join=True)
    before = len(analyst.inbox)
    posted = time.monotonic()
    sandbox.post(channel, SUMMONS)  # no poll_cycle: the live feed alone
    took = await eventually(lambda: len(analyst.inbox) > before, within=5, what="live alert")
    assert time.monotonic() - posted < 2.0, took
    assert "Мелитополь live" in analyst.inbox[before][1]
