"""Reader-account repository: each account's health and its own access hashes (does I/O)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select, update

from monitor.reader.accounts import AccountHealth, AccountState
from monitor.store.engine import Database
from monitor.store.schema import AccountPeerRow, ChannelRow, ReaderAccountRow


class AccountRepo:
    """Account health rows and (account, channel) -> access hash."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def list_peers(self, account: str) -> dict[int, int]:
        """telegram_id -> the access hash `account` resolved."""
        async with self._db.read() as session:
            rows = await session.execute(
                select(ChannelRow.telegram_id, AccountPeerRow.access_hash)
                .join(ChannelRow, ChannelRow.id == AccountPeerRow.channel_id)
                .where(AccountPeerRow.account == account)
            )
            return {telegram_id: access_hash for telegram_id, access_hash in rows}

    async def save_peer(self, account: str, telegram_id: int, access_hash: int) -> None:
        async with self._db.write.begin() as session:
            channel_id = await session.scalar(
                select(ChannelRow.id).where(ChannelRow.telegram_id == telegram_id)
            )
            if channel_id is None:
                return
            row = await session.scalar(
                select(AccountPeerRow).where(
                    AccountPeerRow.account == account, AccountPeerRow.channel_id == channel_id
                )
            )
            if row is None:
                session.add(
                    AccountPeerRow(account=account, channel_id=channel_id, access_hash=access_hash)
                )
            else:
                row.access_hash = access_hash

    async def release_channels(self, telegram_ids: Iterable[int], *, now: datetime) -> None:
        """Channels handed to another account: due now, their old account's flood wait dropped."""
        ids = list(telegram_ids)
        if not ids:
            return
        async with self._db.write.begin() as session:
            await session.execute(
                update(ChannelRow)
                .where(ChannelRow.telegram_id.in_(ids))
                .values(next_poll_at=now, flood_wait_until=None)
            )

    async def save_health(self, health: AccountHealth) -> None:
        async with self._db.write.begin() as session:
            row = await session.get(ReaderAccountRow, health.name)
            if row is None:
                row = ReaderAccountRow(name=health.name)
                session.add(row)
            row.state = health.state
            row.reason = health.reason
            row.held_until = health.held_until
            row.checked_at = health.checked_at
            row.user = health.user or row.user

    async def list_health(self) -> list[AccountHealth]:
        async with self._db.read() as session:
            rows = await session.scalars(select(ReaderAccountRow).order_by(ReaderAccountRow.name))
            return [
                AccountHealth(
                    name=r.name,
                    state=_state(r.state),
                    reason=r.reason,
                    held_until=r.held_until,
                    checked_at=r.checked_at,
                    user=r.user,
                )
                for r in rows
            ]


def _state(raw: str) -> AccountState:
    if raw == "dead":
        return "dead"
    if raw == "flood":
        return "flood"
    return "healthy"
