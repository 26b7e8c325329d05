"""CLI: the reader accounts as `channels list` and `status` show them: each account's health and
which account reads each channel (reads the archive)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from rich.console import Console

from monitor.config import Settings
from monitor.domain import Channel
from monitor.reader.accounts import AccountHealth, account_names, assign

if TYPE_CHECKING:
    from monitor.store.engine import Database


@dataclass(frozen=True, slots=True)
class AccountsView:
    """Every account (logged in beside READER_SESSION, or seen by the pool) and channel owners."""

    health: list[AccountHealth]
    owners: dict[int, str]


async def load_accounts(
    settings: Settings, db: Database, channels: Sequence[Channel], now: datetime
) -> AccountsView:
    from monitor.store.accounts import AccountRepo

    seen = {h.name: h for h in await AccountRepo(db).list_health()}
    names = sorted(set(account_names(settings.reader_session)) | seen.keys())
    health = [seen.get(name, AccountHealth(name)) for name in names]
    usable = [h.name for h in health if h.usable(now)]
    enabled = [c for c in channels if c.enabled]
    return AccountsView(health, assign(enabled, usable) if usable else {})


def describe(health: AccountHealth, owners: dict[int, str], now: datetime) -> str:
    """One line of `status`: `kharkiv: dead (AuthKeyUnregisteredError), 0 channels`."""
    count = sum(1 for owner in owners.values() if owner == health.name)
    state: str = health.state
    if health.state == "flood" and health.held_until is not None:
        state = "held" if health.held_until > now else "wait over"
        state += f" until {health.held_until:%Y-%m-%d %H:%M} UTC"
    if health.checked_at is None:
        state = "not checked yet"
    why = f" ({health.reason})" if health.reason and health.state != "healthy" else ""
    who = f" as {health.user}" if health.user else ""
    return f"{health.name}{who}: {state}{why}, {count} channels"


def print_accounts(console: Console, view: AccountsView, now: datetime) -> None:
    console.print("reader accounts:")
    for health in view.health:
        console.print(f"  {describe(health, view.owners, now)}")
