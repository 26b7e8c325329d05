"""Subscriber repository: who talks to the bot, what they subscribed to, invite codes (does I/O)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from monitor.bot.access import AccessEvent, transition
from monitor.domain import Role, Subscriber, SubscriberStatus, Subscription, SubscriptionKind
from monitor.errors import NotFoundError
from monitor.store.engine import Database
from monitor.store.rows import subscriber_from_row, subscription_from_row
from monitor.store.schema import InviteRow, SubscriberRow, SubscriptionRow


def _row_for_update(telegram_user_id: int) -> Select[SubscriberRow]:
    # FOR UPDATE: on PostgreSQL a concurrent status change waits (SQLite serializes writers).
    return (
        select(SubscriberRow)
        .where(SubscriberRow.telegram_user_id == telegram_user_id)
        .with_for_update()
    )


def _apply(row: SubscriberRow, event: AccessEvent) -> None:
    row.status = transition(SubscriberStatus(row.status), event).value


class SubscriberRepo:
    """Subscribers by Telegram user id; their subscriptions; one-time invites (hashes only)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def register(
        self,
        telegram_user_id: int,
        *,
        username: str | None,
        display_name: str,
        is_admin: bool,
        timezone: str,
        now: datetime,
    ) -> Subscriber:
        """The subscriber behind a /start: new users are pending, ADMIN_IDS admins approved, and a
        user who had blocked the bot (inactive) is approved again; see monitor.bot.access. An admin's
        role is not stored: it follows ADMIN_IDS (sync_admins) or /promote."""
        async with self._db.write.begin() as session:
            row = await session.scalar(_row_for_update(telegram_user_id))
            if row is None:
                row = SubscriberRow(
                    telegram_user_id=telegram_user_id,
                    role=Role.ANALYST.value,
                    status=SubscriberStatus.PENDING.value,
                    timezone=timezone,
                    created_at=now,
                )
                session.add(row)
            row.username = username
            row.display_name = display_name[:255]
            _apply(row, AccessEvent.STARTED)
            if is_admin:
                _apply(row, AccessEvent.ADMIN_LISTED)
            await session.flush()
            return subscriber_from_row(row)

    async def apply(self, telegram_user_id: int, event: AccessEvent) -> Subscriber:
        """Change a subscriber's status the one allowed way (monitor.bot.access.transition); the
        subscriber as it is afterwards. NotFoundError for an unknown user."""
        async with self._db.write.begin() as session:
            row = await session.scalar(_row_for_update(telegram_user_id))
            if row is None:
                raise NotFoundError("subscriber", telegram_user_id)
            _apply(row, event)
            await session.flush()
            return subscriber_from_row(row)

    async def sync_admins(self, admin_ids: Collection[int]) -> list[Subscriber]:
        """At every start: ADMIN_IDS carries the configured admins' rights, so a stored admin
        role on a listed id is cleared (removing the id from ADMIN_IDS then removes the rights)
        and listed subscribers are approved unless blocked. The stored admins left are those
        made by /promote (/demote takes it back). Returns them."""
        async with self._db.write.begin() as session:
            rows = await session.scalars(
                select(SubscriberRow).where(SubscriberRow.telegram_user_id.in_(list(admin_ids)))
            )
            for row in rows:
                row.role = Role.ANALYST.value
                _apply(row, AccessEvent.ADMIN_LISTED)
            await session.flush()
            promoted = await session.scalars(
                select(SubscriberRow)
                .where(SubscriberRow.role == Role.ADMIN.value)
                .order_by(SubscriberRow.id)
            )
            return [subscriber_from_row(r) for r in promoted]

    async def find_subscriber(self, telegram_user_id: int) -> Subscriber | None:
        async with self._db.read() as session:
            row = await session.scalar(
                select(SubscriberRow).where(SubscriberRow.telegram_user_id == telegram_user_id)
            )
            return subscriber_from_row(row) if row else None

    async def get_subscriber(self, telegram_user_id: int) -> Subscriber:
        found = await self.find_subscriber(telegram_user_id)
        if found is None:
            raise NotFoundError("subscriber", telegram_user_id)
        return found

    async def find_by_username(self, username: str) -> Subscriber | None:
        async with self._db.read() as session:
            row = await session.scalar(
                select(SubscriberRow).where(
                    func.lower(SubscriberRow.username) == username.removeprefix("@").lower()
                )
            )
            return subscriber_from_row(row) if row else None

    async def list_subscribers(self, *, status: SubscriberStatus | None = None) -> list[Subscriber]:
        async with self._db.read() as session:
            stmt = select(SubscriberRow).order_by(SubscriberRow.id)
            if status is not None:
                stmt = stmt.where(SubscriberRow.status == status.value)
            return [subscriber_from_row(r) for r in await session.scalars(stmt)]

    async def set_status(self, telegram_user_id: int, status: SubscriberStatus) -> Subscriber:
        """For set-up (tests, fixtures): set a status directly, except that a blocked subscriber
        stays blocked. The bot changes statuses by event only (`apply`)."""
        async with self._db.write.begin() as session:
            row = await session.scalar(_row_for_update(telegram_user_id))
            if row is None:
                raise NotFoundError("subscriber", telegram_user_id)
            if row.status != SubscriberStatus.BLOCKED.value:
                row.status = status.value
            await session.flush()
            return subscriber_from_row(row)

    async def set_role(self, telegram_user_id: int, role: Role) -> Subscriber:
        return await self._set(telegram_user_id, role=role.value)

    async def set_timezone(self, telegram_user_id: int, timezone: str) -> Subscriber:
        return await self._set(telegram_user_id, timezone=timezone)

    async def set_quiet_hours(
        self, telegram_user_id: int, quiet: tuple[int, int] | None
    ) -> Subscriber:
        """Quiet hours as (from, until) minutes after local midnight; None: none."""
        start, end = quiet if quiet is not None else (None, None)
        return await self._set(telegram_user_id, quiet_from=start, quiet_until=end)

    async def set_muted_until(self, telegram_user_id: int, until: datetime | None) -> Subscriber:
        return await self._set(telegram_user_id, muted_until=until)

    async def _set(self, telegram_user_id: int, **values: object) -> Subscriber:
        async with self._db.write.begin() as session:
            row = await session.scalar(
                select(SubscriberRow).where(SubscriberRow.telegram_user_id == telegram_user_id)
            )
            if row is None:
                raise NotFoundError("subscriber", telegram_user_id)
            for name, value in values.items():
                setattr(row, name, value)
            await session.flush()
            return subscriber_from_row(row)

    # --- subscriptions ---------------------------------------------------------------------

    async def save_subscription(
        self,
        subscriber_id: int,
        kind: SubscriptionKind,
        value: str,
        channels: Sequence[str],
        *,
        now: datetime,
    ) -> Subscription:
        """For set-up (fixtures, imports): subscribe, or set the channels of the first
        subscription to the same thing. The bot never replaces silently: it asks
        (add_subscription, set_channels)."""
        async with self._db.write.begin() as session:
            row = await session.scalar(
                select(SubscriptionRow)
                .where(
                    SubscriptionRow.subscriber_id == subscriber_id,
                    SubscriptionRow.kind == kind.value,
                    SubscriptionRow.value == value,
                )
                .order_by(SubscriptionRow.number)
                .limit(1)
            )
            if row is None:
                return await self._add(session, subscriber_id, kind, value, channels, now)
            row.channels = list(channels)
            await session.flush()
            return subscription_from_row(row)

    async def add_subscription(
        self,
        subscriber_id: int,
        kind: SubscriptionKind,
        value: str,
        channels: Sequence[str],
        *,
        now: datetime,
    ) -> Subscription:
        """A new subscription, numbered after the subscriber's highest (#1 for the first)."""
        async with self._db.write.begin() as session:
            return await self._add(session, subscriber_id, kind, value, channels, now)

    async def _add(
        self,
        session: AsyncSession,
        subscriber_id: int,
        kind: SubscriptionKind,
        value: str,
        channels: Sequence[str],
        now: datetime,
    ) -> Subscription:
        highest = await session.scalar(
            select(func.max(SubscriptionRow.number)).where(
                SubscriptionRow.subscriber_id == subscriber_id
            )
        )
        row = SubscriptionRow(
            subscriber_id=subscriber_id,
            kind=kind.value,
            value=value,
            channels=list(channels),
            created_at=now,
            number=int(highest or 0) + 1,
        )
        session.add(row)
        await session.flush()
        return subscription_from_row(row)

    async def set_channels(
        self, subscriber_id: int, number: int, channels: Sequence[str]
    ) -> Subscription:
        """Change the channels of subscription #number; NotFoundError when it is gone."""
        async with self._db.write.begin() as session:
            row = await session.scalar(
                select(SubscriptionRow).where(
                    SubscriptionRow.subscriber_id == subscriber_id,
                    SubscriptionRow.number == number,
                )
            )
            if row is None:
                raise NotFoundError("subscription", number)
            row.channels = list(channels)
            await session.flush()
            return subscription_from_row(row)

    async def list_subscriptions(self, subscriber_id: int) -> list[Subscription]:
        async with self._db.read() as session:
            rows = await session.scalars(
                select(SubscriptionRow)
                .where(SubscriptionRow.subscriber_id == subscriber_id)
                .order_by(SubscriptionRow.number)
            )
            return [subscription_from_row(r) for r in rows]

    async def delete_subscription(self, subscriber_id: int, key: str) -> Subscription:
        """Remove one subscription by its number (as /subscriptions lists it) or its value."""
        async with self._db.write.begin() as session:
            stmt = select(SubscriptionRow).where(SubscriptionRow.subscriber_id == subscriber_id)
            if key.isdigit():
                stmt = stmt.where(SubscriptionRow.number == int(key))
            else:
                stmt = stmt.where(SubscriptionRow.value == key)
            row = await session.scalar(stmt.order_by(SubscriptionRow.number).limit(1))
            if row is None:
                raise NotFoundError("subscription", key)
            found = subscription_from_row(row)
            await session.delete(row)
            return found

    async def delete_all_subscriptions(self, subscriber_id: int) -> int:
        """Remove every subscription of a subscriber; how many there were."""
        async with self._db.write.begin() as session:
            result = await session.execute(
                delete(SubscriptionRow).where(SubscriptionRow.subscriber_id == subscriber_id)
            )
            return int(result.rowcount)  # type: ignore[attr-defined]

    async def count_subscriptions(self) -> int:
        async with self._db.read() as session:
            return int(await session.scalar(select(func.count(SubscriptionRow.id))) or 0)

    # --- invites ---------------------------------------------------------------------------

    async def save_invite(
        self, code_hash: str, *, created_by: int, now: datetime, expires_at: datetime
    ) -> None:
        async with self._db.write.begin() as session:
            session.add(
                InviteRow(
                    code_hash=code_hash,
                    created_by=created_by,
                    created_at=now,
                    expires_at=expires_at,
                )
            )

    async def redeem_invite(self, code_hash: str, telegram_user_id: int, *, now: datetime) -> bool:
        """Use up an unexpired, unused invite; False when there is none (already used, expired)."""
        async with self._db.write.begin() as session:
            result = await session.execute(
                update(InviteRow)
                .where(
                    InviteRow.code_hash == code_hash,
                    InviteRow.used_by.is_(None),
                    InviteRow.expires_at > now,
                )
                .values(used_by=telegram_user_id, used_at=now)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]
