"""The bot's Telegram side: logs in with the bot token on its own session, turns private messages
and button presses into Conversation calls, sends the replies through the shared send gate
(Telethon only; its types stop here). monitor.app wires it to the archive and the worker."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from telethon import TelegramClient, events, functions, types

from monitor.bot.commands import listed
from monitor.bot.conversation import Caller, Conversation, Reply
from monitor.clock import Clock
from monitor.config import Settings
from monitor.errors import ConfigError, ConfigProblem, DraftwatchError, RateLimitedError
from monitor.ratelimit import SendLimiter
from monitor.telegram.connect import make_client_from_settings
from monitor.telegram.login import private_session_path
from monitor.telegram.sender import TelethonSender, bot_client_options

logger = logging.getLogger(__name__)

REPLY_ATTEMPTS = 3  # a command reply or a health notice survives two flood waits


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
        self.client = client
        self.conversation = conversation
        self.sender = sender
        self.limiter = limiter
        self._clock = clock

    def install(self) -> None:
        self.client.add_event_handler(
            self._on_message, events.NewMessage(incoming=True, func=lambda e: e.is_private)
        )
        self.client.add_event_handler(self._on_button, events.CallbackQuery())

    async def publish_commands(self) -> None:
        """The command menu Telegram shows, from the commands table: the members' commands by
        default, every command in each admin's chat; a server without it only costs a log line."""
        if not await self._set_menu(types.BotCommandScopeDefault(), admin=False):
            return
        try:
            admins = await self.conversation.admin_chats()
        except Exception as e:  # the admins' menu is a nicety: everyone has the default one
            logger.warning("could not list the admins for their command menu: %s", e)
            return
        for chat in admins:
            try:
                peer = await self.client.get_input_entity(chat)
            except (ValueError, TypeError):  # never wrote to the bot: Telegram knows no chat
                logger.info("admin %d has no chat with the bot yet: default menu", chat)
                continue
            await self._set_menu(types.BotCommandScopePeer(peer), admin=True)

    async def _set_menu(self, scope: Any, *, admin: bool) -> bool:
        commands = [types.BotCommand(s.name, s.help[:256]) for s in listed(admin=admin)]
        try:
            await self.client(functions.bots.SetBotCommandsRequest(scope, "", commands))
        except Exception as e:  # optional nicety: never stops the bot (house rule 8)
            logger.warning("could not publish the command menu: %s", e)
            return False
        return True

    async def _on_message(self, event: Any) -> None:
        try:
            caller = await _caller(event)
            if caller is None or not event.raw_text:
                return
            replies = await self.conversation.handle(caller, event.raw_text, now=self._clock.now())
            await self.send(replies)
        except Exception:  # one bad message never stops the bot (house rule 8)
            logger.exception("handling a message failed chat=%s", event.chat_id)
        finally:
            # Telethon caches the writer's access hash in the session but commits it only on
            # save(): commit now, or a killed process forgets whom it can write to.
            self.client.session.save()

    async def _on_button(self, event: Any) -> None:
        try:
            caller = await _caller(event)
            if caller is None:
                return
            data = (event.data or b"").decode(errors="replace")
            answer, replies = await self.conversation.press(caller, data, now=self._clock.now())
            await event.answer(answer)
            if answer.startswith(("Approved", "Denied")):
                message = await event.get_message()
                await self.limiter.acquire(event.chat_id)
                await event.edit(f"{message.message}\n\n→ {answer}", parse_mode=None, buttons=None)
            await self.send(replies)
        except Exception:  # one bad press never stops the bot (house rule 8)
            logger.exception("handling a button failed user=%s", getattr(event, "sender_id", None))

    async def send(self, replies: Sequence[Reply]) -> None:
        """Send replies one by one through the gate; one failed reply does not stop the rest.

        A flood wait pauses the gate (everything waits) and the reply is tried again.
        """
        for reply in replies:
            for attempt in range(1, REPLY_ATTEMPTS + 1):
                try:
                    await self._send_one(reply)
                    break
                except RateLimitedError as e:
                    self.limiter.pause(e.retry_after)
                    logger.warning("reply flood wait %d s chat=%d", e.retry_after, reply.chat_id)
                    if attempt == REPLY_ATTEMPTS:
                        logger.warning("reply not sent chat=%d: %s", reply.chat_id, e)
                except DraftwatchError as e:
                    logger.warning("reply not sent chat=%d: %s", reply.chat_id, e)
                    break

    async def _send_one(self, reply: Reply) -> None:
        await self.limiter.acquire(reply.chat_id)
        if reply.photo is not None:
            await self.sender.send_photo(reply.chat_id, reply.photo, reply.html)
            return
        if reply.document is not None:
            name, data = reply.document
            await self.sender.send_document(reply.chat_id, data, name, reply.html)
            return
        buttons = [[(b.text, b.data) for b in row] for row in reply.buttons]
        await self.sender.send_with_buttons(reply.chat_id, reply.html, buttons)

    async def serve(self) -> None:
        """Answer until the client disconnects (stop() or a lost connection)."""
        await self.client.run_until_disconnected()

    async def stop(self) -> None:
        await self.client.disconnect()

    async def notify(self, chat_id: int, html: str) -> None:
        """For the health notifier: one message to one admin, through the gate."""
        await self.send([Reply(chat_id, html)])


async def _caller(event: Any) -> Caller | None:
    sender = await event.get_sender()
    if not isinstance(sender, types.User) or sender.bot:
        return None
    name = " ".join(p for p in (sender.first_name, sender.last_name) if p)
    return Caller(int(sender.id), sender.username, name)


@asynccontextmanager
async def bot_client(settings: Settings) -> AsyncIterator[TelegramClient]:
    """The bot logged in with BOT_TOKEN on its own session (BOT_SESSION), disconnected on exit.

    Raises ConfigError when BOT_SESSION belongs to a user account: never share the reader's.
    """
    session = private_session_path(settings.bot_session)  # created 0600 before Telethon opens it
    client = make_client_from_settings(settings, str(session), **bot_client_options())
    try:
        await client.start(bot_token=settings.bot_token)
        me = await client.get_me()
        if not getattr(me, "bot", False):
            raise ConfigError(
                [
                    ConfigProblem(
                        "BOT_SESSION", "belongs to a user account: give the bot its own file"
                    )
                ]
            )
        logger.info("bot logged in id=%s username=%s", me.id, me.username)
        yield client
    finally:
        await client.disconnect()
