"""What the bot answers: access control, then each command run against the store; replies are
values the Telegram edge sends (does I/O through the repositories, no Telegram types)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from monitor.bot import alert_actions
from monitor.bot import commands as c
from monitor.bot.access import AccessEvent
from monitor.bot.alert_actions import is_alert_button
from monitor.bot.command_values import Start, Vocabulary
from monitor.bot.handlers import Context, Stores, invite_hash
from monitor.bot.offers import PREFIX as OFFER
from monitor.bot.offers import Offers
from monitor.bot.replies import Button, Reply, replies
from monitor.domain import Channel, Role, Subscriber, SubscriberStatus, Subscription
from monitor.errors import CommandError, NotFoundError
from monitor.markup import escape
from monitor.matching import Matcher, compile_expression

logger = logging.getLogger(__name__)

PENDING_ANSWER = (
    "⏳ Your request is waiting for an admin's approval; you will get a message when it is "
    "approved. Send /start with a note (who you are, why) to add one."
)
WENT_WRONG = "⚠️ Something went wrong on our side; the admins are told. Please try again later."


class ChannelControl(Protocol):
    """Channel management, implemented by the reader side and wired in by the app.

    Both raise a DraftwatchError whose message the admin can act on (SourceUnavailableError for
    a private or missing channel, NotFoundError for a channel not watched).
    """

    async def add_channel(self, ref: str, *, now: datetime) -> Channel: ...

    async def remove_channel(self, ref: str, *, now: datetime) -> Channel: ...


@dataclass(frozen=True, slots=True)
class Caller:
    """Who wrote to the bot."""

    user_id: int
    username: str | None = None
    display_name: str = ""


class EvidenceBundler(Protocol):
    """/evidence (monitor.evidence.command.EvidenceDesk)."""

    async def bundle(self, chat_id: int, text: str, *, now: datetime) -> list[Reply]: ...


class ArchiveReader(Protocol):
    """/search and /digest (monitor.bot.lookups.ArchiveAnswers)."""

    async def search(
        self, chat_id: int, text: str, *, page: int = 0, timezone: str = "UTC"
    ) -> list[Reply]: ...
    async def page(self, chat_id: int, data: str, *, timezone: str) -> list[Reply]: ...
    async def preview(self, subscription: Subscription, *, now: datetime, timezone: str) -> str: ...
    async def export(self, chat_id: int, text: str, *, fmt: str, now: datetime) -> list[Reply]: ...
    async def digest(
        self,
        chat_id: int,
        *,
        subscriptions: Sequence[Subscription],
        timezone: str,
        now: datetime,
    ) -> list[Reply]: ...


class Conversation:
    """Turns (caller, message text) into replies, checking the caller's role for every command."""

    def __init__(
        self,
        stores: Stores,
        matcher: Matcher,
        *,
        admin_ids: Sequence[int],
        default_timezone: str = "UTC",
        channel_control: ChannelControl | None = None,
        archive: ArchiveReader | None = None,
        evidence: EvidenceBundler | None = None,
    ) -> None:
        self._s = stores
        self._matcher = matcher
        self._admin_ids = frozenset(admin_ids)
        self._timezone = default_timezone
        self.channel_control = channel_control
        self._archive = archive
        self.offers = Offers()
        self._evidence = evidence
        self.vocabulary = Vocabulary(
            categories=frozenset(matcher.categories),
            rule_ids=frozenset(r.id for r in matcher.rules),
            check_expression=compile_expression,
        )

    async def handle(self, caller: Caller, text: str, *, now: datetime) -> list[Reply]:
        """Replies to one message; strangers, pending, denied and blocked users get nothing
        but the answer to /start. Never silent on a bug: the caller hears that something went
        wrong and the admins are told."""
        try:
            return await self._handle(caller, text, now)
        except Exception as e:  # the safety net: log, tell, go on (house rule 8)
            logger.exception("command failed user=%d text=%.60r", caller.user_id, text)
            return await self._went_wrong(caller, text.strip().split(" ", 1)[0][:40], e)

    async def press(self, caller: Caller, data: str, *, now: datetime) -> tuple[str, list[Reply]]:
        """An inline button: (the short answer shown to the presser, replies to send)."""
        try:
            return await self._press(caller, data, now)
        except Exception as e:  # the safety net, as in handle()
            logger.exception("button failed user=%d data=%.60r", caller.user_id, data)
            return WENT_WRONG, await self._went_wrong(caller, f"button {data[:40]}", e, told=False)

    async def _handle(self, caller: Caller, text: str, now: datetime) -> list[Reply]:
        if c.command_name(text) == "start":
            command = c.parse_command(text, self.vocabulary)
            assert isinstance(command, Start)
            return await self._start(caller, command, now)
        me = await self._s.subscribers.find_subscriber(caller.user_id)
        if me is not None and me.status is SubscriberStatus.PENDING:
            return replies(caller.user_id, PENDING_ANSWER)
        if me is None or not me.active:
            logger.info("ignored user=%d status=%s", caller.user_id, me and me.status)
            return []
        try:
            spec = c.find_command(text)
            command = c.parse_command(text, self.vocabulary)
            if spec.who is c.Audience.ADMINS and not self._is_admin(me):
                raise CommandError("Only admins can do that. Send /help to see your commands.")
            answer = await spec.run(self._context(me, now), command)
            return replies(me.telegram_user_id, answer) if isinstance(answer, str) else answer
        except CommandError as e:
            return replies(caller.user_id, escape(e.user_message))

    async def _press(self, caller: Caller, data: str, now: datetime) -> tuple[str, list[Reply]]:
        me = await self._s.subscribers.find_subscriber(caller.user_id)
        member = me is not None and me.active
        try:
            if data.startswith("search:") and member and self._archive:
                assert me is not None
                pages = await self._archive.page(me.telegram_user_id, data, timezone=me.timezone)
                if len(pages) == 1:  # the page replaces the one shown; a long one comes anew
                    pages = [Reply(p.chat_id, p.html, p.buttons, edit=True) for p in pages]
                return "", pages
            if data.startswith(OFFER) and member:
                html = await self.offers.choose(caller.user_id, data)
                return "", [Reply(caller.user_id, html, edit=True)]
            if is_alert_button(data) and member and self._s.feedback is not None:
                assert me is not None
                return await alert_actions.press(
                    me,
                    data,
                    feedback=self._s.feedback,
                    subscribers=self._s.subscribers,
                    offers=self.offers,
                    categories={r.id: r.category for r in self._matcher.rules},
                    now=now,
                )
        except CommandError as e:
            return e.user_message, []
        if me is None or not me.active or not self._is_admin(me):
            return "Only admins can decide requests.", []
        action, _, raw_id = data.partition(":")
        if action not in ("approve", "deny") or not raw_id.isdigit() or len(raw_id) > 16:
            return "Unknown button.", []
        user_id = int(raw_id)
        try:
            target = await self._s.subscribers.get_subscriber(user_id)
        except NotFoundError:
            return "No such request.", []
        if target.status is not SubscriberStatus.PENDING:
            return f"Already decided: {target.status.value}.", []
        event = AccessEvent.DENIED if action == "deny" else AccessEvent.APPROVED
        after = await self._s.subscribers.apply(user_id, event)
        if after.status is SubscriberStatus.DENIED:
            return f"Denied {target.display_name or user_id}.", []
        if after.status is not SubscriberStatus.APPROVED:  # changed meanwhile (a /block)
            return f"Already decided: {after.status.value}.", []
        welcome = "✅ Your access was approved.\n\n" + self._help(target)
        return f"Approved {target.display_name or user_id}.", replies(user_id, welcome)

    async def _went_wrong(
        self, caller: Caller, what: str, error: Exception, *, told: bool = True
    ) -> list[Reply]:
        """The caller's "something went wrong", and a one-line notice to every admin."""
        out = replies(caller.user_id, WENT_WRONG) if told else []
        notice = (
            f"⚠️ {escape(what)} from user <code>{caller.user_id}</code> failed: "
            f"{escape(type(error).__name__)}. The bot's log has the details."
        )
        try:
            admins = await self._admin_chats()
        except Exception:  # the store itself is failing: the log is all we have
            logger.exception("could not list the admins to tell them")
            admins = sorted(self._admin_ids)
        return out + [Reply(a, notice) for a in admins if a != caller.user_id]

    # --- access ------------------------------------------------------------------------------

    def _is_admin(self, subscriber: Subscriber) -> bool:
        return subscriber.role is Role.ADMIN or subscriber.telegram_user_id in self._admin_ids

    async def _start(self, caller: Caller, command: Start, now: datetime) -> list[Reply]:
        before = await self._s.subscribers.find_subscriber(caller.user_id)
        me = await self._s.subscribers.register(
            caller.user_id,
            username=caller.username,
            display_name=caller.display_name,
            is_admin=caller.user_id in self._admin_ids,
            timezone=self._timezone,
            now=now,
        )
        if me.status in (SubscriberStatus.BLOCKED, SubscriberStatus.DENIED):
            logger.info("start refused user=%d status=%s", caller.user_id, me.status)
            return []
        if me.active:
            return replies(caller.user_id, "👋 Welcome to draftwatch.\n\n" + self._help(me))
        if command.invite_code and await self._s.subscribers.redeem_invite(
            invite_hash(command.invite_code), caller.user_id, now=now
        ):
            me = await self._s.subscribers.apply(caller.user_id, AccessEvent.INVITE_ACCEPTED)
            return replies(caller.user_id, "✅ Invite accepted.\n\n" + self._help(me))
        answer = "Your request was sent to the admins; you will get a message when it is approved."
        if command.invite_code:
            answer = "That invite code is not valid (used or expired). " + answer
        if command.note:
            answer += " Your note was passed on."
        out = replies(caller.user_id, answer)
        if before is None or command.note:
            out += await self._ask_admins(me, command.note)
        return out

    async def _ask_admins(self, newcomer: Subscriber, note: str = "") -> list[Reply]:
        who = escape(newcomer.display_name or "(no name)")
        if newcomer.username:
            who += f" @{escape(newcomer.username)}"
        text = f"🙋 Access request from {who} (id <code>{newcomer.telegram_user_id}</code>)"
        if note:
            text += f"\nNote: «{escape(note)}»"
        uid = newcomer.telegram_user_id
        buttons = ((Button("✅ Approve", f"approve:{uid}"), Button("⛔ Deny", f"deny:{uid}")),)
        return [Reply(admin, text, buttons) for admin in await self._admin_chats()]

    async def _admin_chats(self) -> list[int]:
        admins = set(self._admin_ids)
        for sub in await self._s.subscribers.list_subscribers(status=SubscriberStatus.APPROVED):
            if sub.role is Role.ADMIN:
                admins.add(sub.telegram_user_id)
        return sorted(admins)

    def _help(self, me: Subscriber) -> str:
        lines = ["<b>Commands</b>"]
        for spec in c.listed(admin=self._is_admin(me)):
            lines.append(
                f"/{spec.name}: {escape(spec.help)}\n    e.g. <code>{escape(spec.example)}</code>"
            )
        categories = ", ".join(f"<code>{escape(x)}</code>" for x in self._matcher.categories)
        lines.append(f"\nCategories: {categories}")
        return "\n".join(lines)

    async def admin_chats(self) -> list[int]:
        """Every admin's chat: ADMIN_IDS and the promoted (the command menu's admin scope)."""
        return await self._admin_chats()

    def _context(self, me: Subscriber, now: datetime) -> Context:
        return Context(
            self._s,
            me,
            now,
            self._admin_ids,
            self._matcher,
            c.usage,
            self._help,
            self.channel_control,
            self._archive,
            self.offers,
            self._evidence,
        )
