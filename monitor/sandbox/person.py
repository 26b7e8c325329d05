"""A person using the sandbox's Telegram through a real Telethon client: says things, reads replies (socket I/O)."""

from __future__ import annotations

import asyncio
import contextlib
import io
import time
from dataclasses import dataclass, field
from typing import Any

from telethon import TelegramClient, events

from monitor.sandbox.api import Sandbox
from monitor.sandbox.world import Account


@dataclass(frozen=True, slots=True)
class Received:
    """One message the person got: when (monotonic), its text, whether it has buttons."""

    at: float
    text: str
    has_buttons: bool


@dataclass
class Person:
    """A logged-in user talking to one bot; `inbox` fills as the bot's messages arrive."""

    account: Account
    client: TelegramClient
    bot: Account
    inbox: list[Received] = field(default_factory=list)
    _messages: list[Any] = field(default_factory=list)

    @classmethod
    async def login(cls, tg: Sandbox, account: Account, bot: Account) -> Person:
        with contextlib.redirect_stdout(io.StringIO()):  # Telethon's start() prints a greeting
            client = await tg.login(account)
        person = cls(account, client, bot)
        person.client.add_event_handler(
            person._on_message, events.NewMessage(incoming=True, from_users=bot.id)
        )
        return person

    async def _on_message(self, event: Any) -> None:
        self._messages.append(event.message)
        self.inbox.append(Received(time.monotonic(), event.raw_text, bool(event.message.buttons)))

    async def say(self, text: str) -> None:
        await self.client.send_message(self.bot.username or self.bot.id, text)

    async def wait_for(self, fragment: str, *, after: int = 0, within: float = 15.0) -> Received:
        """The first message from index `after` on whose text contains `fragment`."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            for item in self.inbox[after:]:
                if fragment in item.text:
                    return item
            await asyncio.sleep(0.05)
        raise TimeoutError(
            f"{self.account.first_name} got no message with {fragment!r} in {within} s"
        )

    async def press(self, fragment: str, button: str, *, within: float = 15.0) -> None:
        """Press the inline button labelled `button` under the message containing `fragment`."""
        await self.wait_for(fragment, within=within)
        message = next(m for m in self._messages if fragment in (m.raw_text or "") and m.buttons)
        await message.click(text=button)

    async def close(self) -> None:
        await self.client.disconnect()
