"""The pool of reader accounts: each channel read by the healthy account rendezvous hashing
pins it to; a dead, banned or long-held account hands its channels to the others and takes
them back when it returns (does I/O)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from monitor.clock import Clock
from monitor.domain import Channel
from monitor.errors import (
    DraftwatchError,
    RateLimitedError,
    SessionDeadError,
    SourceUnavailableError,
)
from monitor.ratelimit import TokenBucket
from monitor.reader.account_view import AccountChannels
from monitor.reader.accounts import (
    AccountHealth,
    AccountState,
    assign,
    owner_of,
    ref_pin_key,
)
from monitor.reader.channel_ref import ChannelRef
from monitor.reader.collector import Collector, CycleReport, LoggedEvents, OperatorEvents
from monitor.store.accounts import AccountRepo
from monitor.store.channels import ChannelRepo
from monitor.store.engine import Database
from monitor.telegram.connect import ReaderConnection
from monitor.telegram.reader import ChannelReader, Progress

logger = logging.getLogger(__name__)

Connect = Callable[[str], AbstractAsyncContextManager[ReaderConnection]]
MakeCollector = Callable[
    [ChannelReader, ChannelRepo, OperatorEvents, TokenBucket | None], Collector
]


@dataclass(frozen=True, slots=True)
class PoolConfig:
    flood_handover_s: int = 600  # a flood wait this long hands the account's channels over
    resolves_per_hour: int = 30  # contacts.resolveUsername per account (Telegram's strictest)
    resolve_burst: int = 5
    # messages.getHistory and friends per minute over all accounts together (None: only each
    # account's own POLL_REQUESTS_PER_MINUTE)
    requests_per_minute_total: int | None = None


class PoolEvents(OperatorEvents, Protocol):
    """What admins hear about the pool: the reader's events, and accounts lost and back."""

    async def account_lost(self, name: str, reason: str, moved: int) -> None: ...
    async def account_back(self, name: str, moved: int) -> None: ...


class LoggedPoolEvents(LoggedEvents):
    """PoolEvents that only log (no bot)."""

    async def account_lost(self, name: str, reason: str, moved: int) -> None:
        logger.error("reader account lost account=%s reason=%s moved=%d", name, reason, moved)

    async def account_back(self, name: str, moved: int) -> None:
        logger.warning("reader account back account=%s moved=%d", name, moved)


@dataclass
class Member:
    """One account of the pool: its connection (while alive), collector and resolve budget."""

    name: str
    view: AccountChannels
    resolves: TokenBucket
    health: AccountHealth
    collector: Collector | None = None
    stack: AsyncExitStack = field(default_factory=AsyncExitStack)


class AccountPool:
    """Reads every watched channel through the pool; one account's trouble never stops the rest."""

    def __init__(
        self,
        names: Sequence[str],
        connect: Connect,
        make_collector: MakeCollector,
        db: Database,
        clock: Clock,
        *,
        config: PoolConfig | None = None,
        events: PoolEvents | None = None,
    ) -> None:
        self._connect = connect
        self._make_collector = make_collector
        self._channels = ChannelRepo(db)
        self._accounts = accounts = AccountRepo(db)
        self._clock = clock
        self.config = config or PoolConfig()
        self.events: PoolEvents = events or LoggedPoolEvents()
        now = clock.monotonic()
        self.members = {
            name: Member(
                name,
                AccountChannels(db, name, accounts),
                TokenBucket(
                    rate=self.config.resolves_per_hour / 3600,
                    capacity=max(1, self.config.resolve_burst),
                    updated=now,
                ),
                AccountHealth(name),
            )
            for name in names
        }
        self.owners: dict[int, str] = {}
        total = self.config.requests_per_minute_total
        self.shared_bucket = (
            None
            if total is None
            else TokenBucket(rate=total / 60, capacity=max(1, total // 6), updated=now)
        )

    # --- life cycle ------------------------------------------------------------------------

    async def start(self) -> None:
        """Connect every account; SessionDeadError when none is usable."""
        for member in self.members.values():
            await self._open(member)
        if not self.healthy():
            reasons = "; ".join(f"{m.name}: {m.health.reason}" for m in self.members.values())
            raise SessionDeadError("every reader account", reasons)

    async def close(self) -> None:
        for member in self.members.values():
            await self._shut(member)

    async def _open(self, member: Member) -> bool:
        await self._shut(member)
        try:
            connection = await member.stack.enter_async_context(self._connect(member.name))
            user = await connection.reader.check_alive()
        except (SessionDeadError, DraftwatchError, OSError) as e:
            await member.stack.aclose()
            reason = e.reason if isinstance(e, SessionDeadError) else str(e)
            logger.warning("reader account unusable account=%s reason=%s", member.name, reason)
            await self._set(member, "dead", reason)
            return False
        await member.view.load_peers()
        member.collector = collector = self._make_collector(
            connection.reader, member.view, _MemberEvents(self, member), self.shared_bucket
        )
        # Joined channels' posts arrive live on this account; detached before it disconnects.
        live = connection.live_feed(collector.on_live_post, collector.on_live_deletion)
        member.stack.callback(live.detach)
        await self._set(member, "healthy", None, user=user)
        return True

    async def _shut(self, member: Member) -> None:
        if member.collector is not None:
            await member.collector.close()
            member.collector = None
        await member.stack.aclose()
        member.stack = AsyncExitStack()

    async def _set(
        self,
        member: Member,
        state: AccountState,
        reason: str | None,
        *,
        user: str | None = None,
        held_until: datetime | None = None,
    ) -> None:
        member.health = AccountHealth(
            member.name, state, reason, held_until, self._clock.now(), user or member.health.user
        )
        await self._accounts.save_health(member.health)

    def healthy(self) -> list[str]:
        now = self._clock.now()
        return [
            m.name
            for m in self.members.values()
            if m.collector is not None and m.health.usable(now)
        ]

    # --- pinning ---------------------------------------------------------------------------

    async def assign(self) -> dict[int, str]:
        """Pin every enabled channel to a healthy account; moved channels are due at once."""
        channels = await self._channels.list_channels(enabled_only=True)
        owners = assign(channels, self.healthy()) if self.healthy() else {}
        moved = [tid for tid, owner in owners.items() if self.owners.get(tid, owner) != owner]
        if moved:
            logger.info("channels moved between accounts count=%d", len(moved))
            await self._accounts.release_channels(moved, now=self._clock.now())
            channels = await self._channels.list_channels(enabled_only=True)
        for member in self.members.values():
            member.view.owned = {tid for tid, owner in owners.items() if owner == member.name}
            member.view.snapshot = channels
        self.owners = owners
        return owners

    async def add(
        self, ref: ChannelRef, *, backfill: bool = True, progress: Progress | None = None
    ) -> tuple[Channel, int]:
        """Watch a channel: resolved once, on the account that will read it."""
        healthy = self.healthy()
        known = await self._channels.find_channel(ref.key)
        key = ref_pin_key(known.username if known else ref.username, ref.channel_id)
        member = self.members[owner_of(key, healthy)]
        assert member.collector is not None
        if known is None or known.telegram_id not in member.view.peers:
            await self._take_resolve(member)
        channel, stored = await member.collector.add(ref, backfill=backfill, progress=progress)
        self.owners[channel.telegram_id] = member.name
        return channel, stored

    async def _take_resolve(self, member: Member) -> None:
        wait = member.resolves.wait(self._clock.monotonic())
        if wait > 0:
            await self._clock.sleep(wait)
        member.resolves.take(self._clock.monotonic())

    async def join(self, channel: Channel) -> None:
        """Join on the account that reads the channel (live updates come to that account)."""
        member = self.members[self.owners[channel.telegram_id]]
        assert member.collector is not None
        await member.collector.join(channel)

    async def remove(self, ref: ChannelRef) -> Channel:
        """Stop watching; the archive keeps the channel's posts (and its hashes)."""
        channel = await self._channels.get_channel(ref.key)
        await self._channels.disable_channel(channel.telegram_id)
        self.owners.pop(channel.telegram_id, None)
        return channel

    # --- polling ---------------------------------------------------------------------------

    async def poll_cycle(self) -> CycleReport:
        """Each healthy account resolves what it newly owns (within its budget) and polls its own."""
        await self.assign()
        members = [self.members[name] for name in self.healthy()]
        reports = await asyncio.gather(*(self._poll_member(m) for m in members))
        total = CycleReport()
        for report in reports:
            total = CycleReport(
                *(a + b for a, b in zip(_fields(total), _fields(report), strict=True))
            )
        return total

    async def _poll_member(self, member: Member) -> CycleReport:
        assert member.collector is not None
        try:
            await self._resolve_pending(member)
            return await member.collector.poll_cycle()
        except SessionDeadError as e:
            await self._lose(member, "dead", e.reason)
            return CycleReport()

    async def _resolve_pending(self, member: Member) -> None:
        """Resolve channels newly pinned here, as many as the account's resolve budget allows."""
        pending = member.view.owned - member.view.peers.keys()
        if not pending or member.collector is None:
            return
        reader = member.collector.reader
        for channel in await self._channels.list_channels(enabled_only=True):
            if channel.telegram_id not in pending:
                continue
            if member.resolves.wait(self._clock.monotonic()) > 0:
                logger.info("resolve budget spent account=%s waiting=%d", member.name, len(pending))
                return
            member.resolves.take(self._clock.monotonic())
            ref = ChannelRef(
                username=channel.username,
                channel_id=None if channel.username else channel.telegram_id,
            )
            try:
                resolved = await reader.resolve(ref)
            except RateLimitedError as e:
                logger.warning(
                    "resolve flood wait account=%s seconds=%d", member.name, e.retry_after
                )
                return
            except SourceUnavailableError as e:
                logger.warning(
                    "resolve failed account=%s channel=%s: %s", member.name, channel.label, e
                )
                continue
            if resolved.access_hash is not None:
                await member.view.save_peer(channel.telegram_id, resolved.access_hash)

    async def _lose(
        self, member: Member, state: AccountState, reason: str, held_until: datetime | None = None
    ) -> None:
        if state == "dead":
            await self._shut(member)
        moved = len(member.view.owned)
        await self._set(member, state, reason, held_until=held_until)
        await self.assign()
        await self.events.account_lost(member.name, reason, moved)

    async def flood_hold(self, member: Member, seconds: int) -> None:
        """A flood wait over the threshold: the account rests, its channels go to the others."""
        until = self._clock.now() + timedelta(seconds=seconds)
        await self._lose(member, "flood", f"FloodWait {seconds} s", until)

    async def check_accounts(self) -> list[str]:
        """The scheduled health re-check: dead accounts reconnect (a new login, an unban), held
        ones come back when their wait is over; returns the accounts that came back."""
        back: list[str] = []
        now = self._clock.now()
        for member in self.members.values():
            if member.health.state == "dead" and await self._open(member):
                back.append(member.name)
            elif member.health.state == "flood" and member.health.usable(now):
                await self._set(member, "healthy", None)
                back.append(member.name)
        if back:
            before = dict(self.owners)
            owners = await self.assign()
            for name in back:
                moved = sum(1 for tid, o in owners.items() if o == name and before.get(tid) != name)
                await self.events.account_back(name, moved)
        return back

    async def watchdog(self, quiet_s: float) -> list[str]:
        """Reconnect each healthy account on which nothing has succeeded for `quiet_s` (Telethon
        #4521: silent stalls); one that cannot come back is lost. Returns those reconnected."""
        again: list[str] = []
        for name in self.healthy():
            member = self.members[name]
            assert member.collector is not None
            if self._clock.monotonic() - member.collector.last_success < quiet_s:
                continue
            logger.warning("watchdog: account=%s quiet for %d s, reconnecting", name, quiet_s)
            moved = len(member.view.owned)
            if await self._open(member):
                again.append(name)
            else:
                await self.assign()
                await self.events.account_lost(name, member.health.reason or "", moved)
        return again

    async def recheck_due(self) -> int:
        changes = 0
        for name in self.healthy():
            collector = self.members[name].collector
            assert collector is not None
            try:
                changes += await collector.recheck_due()
            except SessionDeadError as e:
                await self._lose(self.members[name], "dead", e.reason)
        return changes


def _fields(report: CycleReport) -> tuple[int, ...]:
    return (report.polled, report.new_posts, report.new_hits, report.errors, report.flood_waits)


class _MemberEvents:
    """A member's OperatorEvents: to the admins, and a long flood wait holds the account."""

    def __init__(self, pool: AccountPool, member: Member) -> None:
        self._pool = pool
        self._member = member

    async def flood_wait(self, channel: Channel, seconds: int) -> None:
        await self._pool.events.flood_wait(channel, seconds)
        if seconds >= self._pool.config.flood_handover_s and self._member.health.state == "healthy":
            await self._pool.flood_hold(self._member, seconds)

    async def source_unavailable(self, channel: Channel, reason: str) -> None:
        await self._pool.events.source_unavailable(channel, reason)

    async def session_dead(self, reason: str) -> None:
        await self._pool.events.session_dead(f"account {self._member.name}: {reason}")
