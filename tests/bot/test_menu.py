"""The command menu Telegram shows, derived from the commands table: admins see their commands
in their chat with the bot, everyone else the members' commands (through the sandbox)."""

from __future__ import annotations

import asyncio
from typing import Any

from telethon import TelegramClient, events, functions

from monitor.bot.commands import listed
from monitor.bot.conversation import Conversation
from monitor.bot.handlers import Stores
from monitor.clock import SystemClock
from monitor.matching import compile_matcher, load_default_packs
from monitor.ratelimit import SendLimiter
from monitor.sandbox.api import Sandbox
from monitor.store.channels import ChannelRepo
from monitor.store.deliveries import DeliveryRepo
from monitor.store.engine import Database
from monitor.store.subscribers import SubscriberRepo
from monitor.telegram.bot import BotFrontDesk
from monitor.telegram.sender import TelethonSender

BOT = "draftwatch_menu_bot"


async def _menu(client: TelegramClient) -> list[str]:
    """The bot's commands as this user's Telegram app shows them."""
    full: Any = await client(functions.users.GetFullUserRequest(f"@{BOT}"))
    return [c.command for c in full.full_user.bot_info.commands]


async def test_admins_see_their_commands_in_the_menu_and_others_do_not(
    sandbox: Sandbox, database: Database
) -> None:
    bot = sandbox.create_bot(BOT)
    admin, member = sandbox.create_user("+79990000001"), sandbox.create_user("+79990000002")
    bot_client = await sandbox.login(bot)
    started: asyncio.Queue[int] = asyncio.Queue()

    async def on_start(event: Any) -> None:
        started.put_nowait(event.sender_id)

    bot_client.add_event_handler(on_start, events.NewMessage(pattern="/start"))
    sandbox.send_private(admin, bot, "/start")  # the bot learns the admin's chat
    assert await asyncio.wait_for(started.get(), 5) == admin.id
    stores = Stores(SubscriberRepo(database), DeliveryRepo(database), ChannelRepo(database))
    conversation = Conversation(
        stores, compile_matcher(load_default_packs()), admin_ids=[admin.id, 424242]
    )
    clock = SystemClock()
    desk = BotFrontDesk(
        bot_client,
        conversation,
        TelethonSender(bot_client),
        SendLimiter(clock, overall_per_s=30, per_chat_per_s=1),
        clock,
    )

    await desk.publish_commands()  # 424242 never wrote to the bot: skipped, no failure

    admin_menu = await _menu(await sandbox.login(admin))
    member_menu = await _menu(await sandbox.login(member))
    assert "addchannel" in admin_menu
    assert "subscribe" in admin_menu
    assert "subscribe" in member_menu
    assert "addchannel" not in member_menu
    assert member_menu == [s.name for s in listed(admin=False)]  # /help's order
    assert admin_menu == [s.name for s in listed(admin=True)]
