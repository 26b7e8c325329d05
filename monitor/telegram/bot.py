"""The bot's Telegram side: logs in with the bot token on its own session, turns private messages
and button presses into Conversation calls, sends the replies through the shared send gate
(Telethon only; its types stop here)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from telethon import TelegramClient, events, functions, types

from monitor.clock import Clock
from monitor.commands import HELP
from monitor.conversation import Caller, Conversation, Reply
from monitor.errors import DraftwatchError
from monitor.ratelimit import SendLimiter
from monitor.telegram.sender import TelethonSender

logger = logging.getLogger(__name__)


class BotFrontDesk:
    """Registers the handlers on a bot client; every reply goes through the SendLimiter."""

    def __init__(
        self,
        client: TelegramClient,
        conversation: Conversation,
        sender: TelethonSender,
        limiter: SendLimiter,
        clock: Clock,
    ) -> None:
        self._client = client
        self._conversation = conversation
        self._sender = sender
        self._limiter = limiter
        self._clock = clock

    def install(self) -> None:
        self._client.add_event_handler(
            self._on_message, events.NewMessage(incoming=True, func=lambda e: e.is_private)
        )
        self._client.add_event_handler(self._on_button, events.CallbackQuery())

    async def publish_commands(self) -> None:
        """The command menu Telegram shows; a server without it only costs a log line."""
        commands = [types.BotCommand(name, what[:256]) for name, (_, what, _) in HELP.items()]
        try:
            await self._client(
                functions.bots.SetBotCommandsRequest(types.BotCommandScopeDefault(), "", commands)
            )
        except Exception as e:  # optional nicety: never stops the bot (house rule 8)
            logger.warning("could not publish the command menu: %s", e)

    async def _on_message(self, event: Any) -> None:
        try:
            caller = await _caller(event)
            if caller is None or not event.raw_text:
                return
            replies = await self._conversation.handle(caller, event.raw_text, now=self._clock.now())
            await self.send(replies)
        except Exception:  # one bad message never stops the bot (house rule 8)
            logger.exception("handling a message failed chat=%s", event.chat_id)

    async def _on_button(self, event: Any) -> None:
        try:
            caller = await _caller(event)
            if caller is None:
                return
            data = (event.data or b"").decode(errors="replace")
            answer, replies = await self._conversation.press(caller, data, now=self._clock.now())
            await event.answer(answer)
            if answer.startswith(("Approved", "Denied")):
                message = await event.get_message()
                await self._limiter.acquire(event.chat_id)
                await event.edit(f"{message.message}\n\n→ {answer}", parse_mode=None, buttons=None)
            await self.send(replies)
        except Exception:  # one bad press never stops the bot (house rule 8)
            logger.exception("handling a button failed user=%s", getattr(event, "sender_id", None))

    async def send(self, replies: Sequence[Reply]) -> None:
        """Send replies one by one through the gate; one failed reply does not stop the rest."""
        for reply in replies:
            buttons = [[(b.text, b.data) for b in row] for row in reply.buttons]
            try:
                await self._limiter.acquire(reply.chat_id)
                await self._sender.send_with_buttons(reply.chat_id, reply.html, buttons)
            except DraftwatchError as e:
                logger.warning("reply not sent chat=%d: %s", reply.chat_id, e)

    async def notify(self, chat_id: int, html: str) -> None:
        """For the health notifier: one message to one admin, through the gate."""
        await self.send([Reply(chat_id, html)])


async def _caller(event: Any) -> Caller | None:
    sender = await event.get_sender()
    if not isinstance(sender, types.User) or sender.bot:
        return None
    name = " ".join(p for p in (sender.first_name, sender.last_name) if p)
    return Caller(int(sender.id), sender.username, name)
