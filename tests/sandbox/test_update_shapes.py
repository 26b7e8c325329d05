"""Short updates where Telegram sends them, and updatesTooLong / difference slices under pressure,
through Telethon and the project's own bot sender."""

from __future__ import annotations

import asyncio

from telethon import Button, events
from telethon.tl import functions, types

from monitor.sandbox.api import Sandbox
from monitor.telegram.sender import TelethonSender, bot_client_options
from tests.sandbox.raw_mtproto import RawSession
from tests.sandbox.test_bots import _meet
from tests.sandbox.test_updates import _joined_reader, collect

SHORT_MESSAGE = types.UpdateShortMessage.CONSTRUCTOR_ID
UPDATES = types.Updates.CONSTRUCTOR_ID


async def test_send_message_is_answered_with_update_short_sent_message(sandbox: Sandbox) -> None:
    bot = sandbox.create_bot("draft_alert_bot")
    alice = sandbox.create_user("+79990000001")
    client = await sandbox.login(bot, **bot_client_options())
    await _meet(sandbox, client, alice, bot)
    peer = types.InputPeerUser(alice.id, alice.access_hash)
    result = await client(functions.messages.SendMessageRequest(peer, "первый", random_id=1))
    assert isinstance(result, types.UpdateShortSentMessage)
    # The project's sender takes the id from the short form.
    sent_id = await TelethonSender(client).send(alice.id, "<b>Повестки</b> у метро", random_id=2)
    [_, second] = sandbox.sent_by(bot, alice)
    assert (sent_id, second.text) == (second.id, "Повестки у метро")


async def test_a_known_users_plain_text_arrives_as_update_short_message(sandbox: Sandbox) -> None:
    bot = sandbox.create_bot("draft_alert_bot")
    alice = sandbox.create_user("+79990000001")
    alice_client = await sandbox.login(alice)
    bot_client = await sandbox.login(bot)
    raw = await RawSession.open(sandbox, alice_client.session.auth_key)
    await alice_client.disconnect()
    try:
        from tests.sandbox.test_mtproto_session import _with_salt

        await _with_salt(raw)
        await _meet(sandbox, bot_client, alice, bot)
        start, _ = await raw.until(UPDATES)  # her own "/start": full form, the bot attached
        assert bot.id in [u.id for u in start.obj().users]  # type: ignore[attr-defined]
        await bot_client.send_message(alice.id, "первое")
        short, _ = await raw.until(SHORT_MESSAGE)  # she knows the bot now
        assert short.obj().message == "первое"  # type: ignore[attr-defined]
        assert short.obj().user_id == bot.id  # type: ignore[attr-defined]
        await bot_client.send_message(alice.id, "с кнопкой", buttons=[Button.inline("Да", b"y")])
        full, _ = await raw.until(UPDATES)  # buttons need the full form
        assert full.obj().updates[0].message.message == "с кнопкой"  # type: ignore[attr-defined]
    finally:
        await raw.close()


async def test_a_short_message_reaches_a_telethon_bot_as_a_new_message(sandbox: Sandbox) -> None:
    bot = sandbox.create_bot("draft_alert_bot")
    alice = sandbox.create_user("+79990000001")
    bot_client = await sandbox.login(bot)
    seen = collect(
        bot_client, events.NewMessage(incoming=True), lambda e: (e.sender_id, e.raw_text)
    )
    sandbox.send_private(alice, bot, "/start")
    sandbox.send_private(alice, bot, "/help")  # short form: the bot knows alice now
    got = [await asyncio.wait_for(seen.get(), 5) for _ in range(2)]
    assert got == [(alice.id, "/start"), (alice.id, "/help")]
    assert (bot.id, alice.id) in sandbox.server.introduced


async def test_a_burst_of_posts_becomes_updates_too_long_and_telethon_catches_up(
    sandbox: Sandbox,
) -> None:
    news, client = await _joined_reader(sandbox)
    new = collect(client, events.NewMessage, lambda e: e.raw_text)
    sandbox.post(news, "первый")  # Telethon learns the channel's pts (it cannot catch up without)
    assert await asyncio.wait_for(new.get(), 5) == "первый"
    sandbox.set_pressure(updates_too_long_after=3)
    differences = sandbox.calls("updates.getDifference")
    for i in range(10):
        sandbox.post(news, f"пост {i}")
    got = [await asyncio.wait_for(new.get(), 5) for _ in range(10)]
    assert sorted(got) == sorted(f"пост {i}" for i in range(10))
    assert sandbox.calls("updates.getDifference") > differences


async def test_a_gap_is_recovered_in_difference_slices(sandbox: Sandbox) -> None:
    bot = sandbox.create_bot("draft_alert_bot")
    alice = sandbox.create_user("+79990000001")
    client = await sandbox.login(bot)
    await _meet(sandbox, client, alice, bot)
    sandbox.set_pressure(difference_slice=3)
    seen = collect(client, events.NewMessage(incoming=True), lambda e: e.raw_text)
    with sandbox.lost_updates():
        for i in range(10):
            sandbox.send_private(alice, bot, f"сообщение {i}")
    differences = sandbox.calls("updates.getDifference")
    sandbox.send_private(alice, bot, "последнее")  # the pts gap shows
    got = [await asyncio.wait_for(seen.get(), 5) for _ in range(11)]
    assert sorted(got) == sorted([f"сообщение {i}" for i in range(10)] + ["последнее"])
    assert sandbox.calls("updates.getDifference") - differences >= 4  # 10 missed, 3 a slice


async def test_difference_too_long_skips_the_missed_and_live_updates_go_on(
    sandbox: Sandbox,
) -> None:
    bot = sandbox.create_bot("draft_alert_bot")
    alice = sandbox.create_user("+79990000001")
    client = await sandbox.login(bot)
    await _meet(sandbox, client, alice, bot)
    sandbox.set_pressure(difference_too_long_after=5)
    seen = collect(client, events.NewMessage(incoming=True), lambda e: e.raw_text)
    with sandbox.lost_updates():
        for i in range(10):
            sandbox.send_private(alice, bot, f"сообщение {i}")
    differences = sandbox.calls("updates.getDifference")
    sandbox.send_private(alice, bot, "после пропуска")  # shows the gap
    await called(sandbox, "updates.getDifference", differences)
    # Counted and answered in one step: differenceTooLong is on its way, with the pts so far.
    sandbox.send_private(alice, bot, "и ещё")
    assert await asyncio.wait_for(seen.get(), 5) == "и ещё"  # the rest are gone, as on Telegram


async def called(sandbox: Sandbox, method: str, before: int) -> None:
    """Wait until a client has called `method` again (counted as the handler answers)."""
    for _ in range(250):
        if sandbox.calls(method) > before:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"no {method} call in 5 s")
