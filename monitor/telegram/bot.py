"""The bot's Telegram side: logs in with the bot token on its own session, turns private messages
and button presses into Conversation calls, sends the replies through the shared send gate
(Telethon only; its types stop here)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from telethon import TelegramClient, events, functions, types

from monitor.alerts.planning import make_expression_hits
from monitor.alerts.worker import DeliveryConfig, DeliveryWorker
from monitor.bot.commands import listed
from monitor.bot.conversation import Caller, ChannelControl, Conversation, Reply
from monitor.bot.handlers import Stores
from monitor.bot.lookups import ArchiveAnswers
from monitor.bot.notices import HealthNotifier, ReaderEvents, check_silence
from monitor.clock import Clock
from monitor.config import Settings
from monitor.errors import ConfigError, ConfigProblem, DraftwatchError, RateLimitedError
from monitor.matching import Matcher
from monitor.ratelimit import SendLimiter
from monitor.reader.collector import OperatorEvents
from monitor.search.query import default_lemmatizer
from monitor.store.channels import ChannelRepo
from monitor.store.deliveries import DeliveryRepo
from monitor.store.digests import DigestRepo
from monitor.store.engine import Database
from monitor.store.rhythm import RhythmRepo
from monitor.store.search import SearchRepo
from monitor.store.subscribers import SubscriberRepo
from monitor.supervisor import FailureStreaks, supervise
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
        self._client = client
        self.conversation = conversation
        self.sender = sender
        self.limiter = limiter
        self._clock = clock

    def install(self) -> None:
        self._client.add_event_handler(
            self._on_message, events.NewMessage(incoming=True, func=lambda e: e.is_private)
        )
        self._client.add_event_handler(self._on_button, events.CallbackQuery())

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
                peer = await self._client.get_input_entity(chat)
            except (ValueError, TypeError):  # never wrote to the bot: Telegram knows no chat
                logger.info("admin %d has no chat with the bot yet: default menu", chat)
                continue
            await self._set_menu(types.BotCommandScopePeer(peer), admin=True)

    async def _set_menu(self, scope: Any, *, admin: bool) -> bool:
        commands = [types.BotCommand(s.name, s.help[:256]) for s in listed(admin=admin)]
        try:
            await self._client(functions.bots.SetBotCommandsRequest(scope, "", commands))
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
            self._client.session.save()

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
        buttons = [[(b.text, b.data) for b in row] for row in reply.buttons]
        await self.sender.send_with_buttons(reply.chat_id, reply.html, buttons)

    async def notify(self, chat_id: int, html: str) -> None:
        """For the health notifier: one message to one admin, through the gate."""
        await self.send([Reply(chat_id, html)])


async def _caller(event: Any) -> Caller | None:
    sender = await event.get_sender()
    if not isinstance(sender, types.User) or sender.bot:
        return None
    name = " ".join(p for p in (sender.first_name, sender.last_name) if p)
    return Caller(int(sender.id), sender.username, name)


@dataclass
class BotRuntime:
    """The bot's parts, alive together: the client, its front desk, the worker, health notices."""

    client: TelegramClient
    desk: BotFrontDesk
    worker: DeliveryWorker
    health: HealthNotifier
    db: Database

    async def run(self) -> None:
        """Answer commands and deliver alerts until cancelled or disconnected."""
        streaks = FailureStreaks(self.health.task_failed)
        worker = asyncio.create_task(
            supervise("delivery worker", self.worker.run, streaks), name="delivery-worker"
        )
        try:
            await self.client.run_until_disconnected()
        finally:
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker

    async def stop(self) -> None:
        await self.client.disconnect()

    def attach_channels(self, control: ChannelControl) -> None:
        """Give /addchannel and /removechannel the reader's channel management."""
        self.desk.conversation.channel_control = control

    async def check_silence(self) -> None:
        """A scheduler job (hourly is plenty): admins hear of channels silent beyond rhythm."""
        await check_silence(self.health, ChannelRepo(self.db), RhythmRepo(self.db))

    @property
    def sender(self) -> TelethonSender:
        return self.desk.sender

    @property
    def limiter(self) -> SendLimiter:
        """The one send gate: everything the bot sends (alerts, replies, digests) passes it."""
        return self.desk.limiter

    def reader_events(self) -> OperatorEvents:
        """OperatorEvents for the reader's Collector: flood waits, lost channels, dead session."""
        return ReaderEvents(self.health)


async def start_bot(
    settings: Settings,
    db: Database,
    matcher: Matcher,
    clock: Clock,
    *,
    channel_control: ChannelControl | None = None,
    delivery: DeliveryConfig | None = None,
    client: TelegramClient | None = None,
) -> BotRuntime:
    """Log the bot in on its own session (or take a started `client`) and wire everything.

    Raises ConfigError when BOT_SESSION belongs to a user account: never share the reader's.
    """
    client = client or await _logged_in(settings)
    me = await client.get_me()
    if not getattr(me, "bot", False):
        await client.disconnect()
        raise ConfigError(
            [ConfigProblem("BOT_SESSION", "belongs to a user account: give the bot its own file")]
        )
    promoted = await SubscriberRepo(db).sync_admins(settings.admin_ids)
    logger.info(
        "admins: %d from ADMIN_IDS, %d promoted in the bot (/demote takes it back)",
        len(settings.admin_ids),
        len(promoted),
    )
    runtime = _wire(settings, db, matcher, clock, client, channel_control, delivery)
    runtime.desk.install()
    await runtime.desk.publish_commands()
    logger.info("bot started id=%s username=%s", me.id, me.username)
    return runtime


async def _logged_in(settings: Settings) -> TelegramClient:
    session = private_session_path(settings.bot_session)  # created 0600 before Telethon opens it
    client = make_client_from_settings(settings, str(session), **bot_client_options())
    await client.start(bot_token=settings.bot_token)
    return client


def _wire(
    settings: Settings,
    db: Database,
    matcher: Matcher,
    clock: Clock,
    client: TelegramClient,
    channel_control: ChannelControl | None,
    delivery: DeliveryConfig | None,
) -> BotRuntime:
    config = delivery or DeliveryConfig()
    limiter = SendLimiter(
        clock, overall_per_s=config.overall_per_s, per_chat_per_s=config.per_chat_per_s
    )
    sender = TelethonSender(client)
    stores = Stores(SubscriberRepo(db), DeliveryRepo(db), ChannelRepo(db))
    conversation = Conversation(
        stores,
        matcher,
        admin_ids=settings.admin_ids,
        default_timezone=settings.timezone,
        channel_control=channel_control,
        archive=ArchiveAnswers(SearchRepo(db, default_lemmatizer()), DigestRepo(db)),
    )
    desk = BotFrontDesk(client, conversation, sender, limiter, clock)
    health = HealthNotifier(
        desk.notify, settings.admin_ids, clock, flood_wait_alert_s=settings.flood_wait_alert_s
    )
    worker = DeliveryWorker(
        stores.deliveries,
        sender,
        clock,
        config,
        limiter=limiter,
        expression_hits=make_expression_hits(),
        on_flood_wait=health.flood_wait,
    )
    return BotRuntime(client, desk, worker, health, db)
