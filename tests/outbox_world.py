"""A small archive for outbox tests: three channels, a stand-in matcher of our own, subscribers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from monitor.alerts.planning import ExpressionHits
from monitor.domain import Channel, Hit, Post, Role, SubscriberStatus, SubscriptionKind
from monitor.store.channels import ChannelRepo
from monitor.store.engine import Database
from monitor.store.outbox import make_outbox_hook
from monitor.store.posts import PostRepo
from monitor.store.subscribers import SubscriberRepo
from tests.conftest import NOW

MELITOPOL = Channel(telegram_id=1001, title="Новости Мелитополя", username="melitopol_news")
KHERSON = Channel(telegram_id=1002, title="Херсон онлайн", username="kherson_online")
PRIVATE = Channel(telegram_id=1003, title="Без имени")

SUMMONS = (
    "В Мелитополе мужчинам вручают повестки прямо на улице, "
    "у рынка стоят сотрудники военкомата и проверяют документы"
)
ROUNDUP = "Облава на блокпосту у Васильевки: всех мужчин вывозят в военкомат"
WEATHER = "Погода в Херсоне: завтра солнечно, без осадков, ветер северный"

# (word stem, rule id, category): a stand-in for the matching package
_RULES = (("повестк", "summons.ru", "summons"), ("облав", "roundup.ru", "roundup"))


def find_hits(text: str) -> Sequence[Hit]:
    from monitor.domain import Span

    hits = []
    lowered = text.lower()
    for stem, rule_id, category in _RULES:
        at = lowered.find(stem)
        if at >= 0:
            hits.append(
                Hit(rule_id, category, (Span(at, at + len(stem), text[at : at + len(stem)]),))
            )
    return hits


def expression_hits(expression: str, text: str) -> Sequence[Hit]:
    """Keyword expressions as a plain substring test (the real ones compile_expression)."""
    from monitor.domain import Span

    at = text.lower().find(expression.lower())
    if at < 0:
        return []
    return [Hit("expr:" + expression, "keywords", (Span(at, at + len(expression), expression),))]


class OutboxWorld:
    def __init__(self, db: Database, expressions: ExpressionHits | None = expression_hits) -> None:
        self.db = db
        self.posts = PostRepo(db)
        self.subscribers = SubscriberRepo(db)
        self.hook = make_outbox_hook(expressions)

    async def channels(self) -> None:
        repo = ChannelRepo(self.db)
        for channel in (MELITOPOL, KHERSON, PRIVATE):
            await repo.upsert_channel(channel, now=NOW)

    async def subscriber(
        self,
        user_id: int,
        *subscriptions: tuple[SubscriptionKind, str, Sequence[str]],
        status: SubscriberStatus = SubscriberStatus.APPROVED,
        role: Role = Role.ANALYST,
    ) -> int:
        sub = await self.subscribers.register(
            user_id,
            username=f"user{user_id}",
            display_name=f"User {user_id}",
            is_admin=role is Role.ADMIN,
            timezone="Europe/Kyiv",
            now=NOW,
        )
        await self.subscribers.set_status(user_id, status)
        assert sub.id is not None
        for kind, value, chans in subscriptions:
            await self.subscribers.save_subscription(sub.id, kind, value, chans, now=NOW)
        return sub.id

    async def post(
        self,
        channel: Channel,
        message_id: int,
        text: str,
        *,
        now: datetime = NOW,
        edit_date: datetime | None = None,
    ) -> int:
        post = Post(channel.telegram_id, message_id, date=now, text=text, edit_date=edit_date)
        await self.posts.save_posts(
            channel.telegram_id, [post], now=now, find_hits=find_hits, hooks=[self.hook]
        )
        found = await self.posts.find_post(channel.telegram_id, message_id)
        assert found is not None
        assert found.id is not None
        return found.id


def category(value: str, *chans: str) -> tuple[SubscriptionKind, str, Sequence[str]]:
    return (SubscriptionKind.CATEGORY, value, chans)


def rule(value: str, *chans: str) -> tuple[SubscriptionKind, str, Sequence[str]]:
    return (SubscriptionKind.RULE, value, chans)


def expression(value: str, *chans: str) -> tuple[SubscriptionKind, str, Sequence[str]]:
    return (SubscriptionKind.EXPRESSION, value, chans)
