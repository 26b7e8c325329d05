"""One account's view of the watched channels: only those pinned to it, each with the access
hash this account resolved (hashes differ per account); the Collector reads through it (does I/O)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from monitor.domain import Channel
from monitor.store.accounts import AccountRepo
from monitor.store.channels import ChannelRepo
from monitor.store.engine import Database


class AccountChannels(ChannelRepo):
    """ChannelRepo as account `name` sees it: `owned` (set by the pool each cycle) and its hashes."""

    def __init__(self, db: Database, name: str, accounts: AccountRepo) -> None:
        super().__init__(db)
        self.name = name
        self.owned: set[int] = set()
        self.peers: dict[int, int] = {}  # telegram_id -> this account's access hash
        # The pool's listing of this cycle, used once: M accounts need not list N channels each.
        self.snapshot: list[Channel] | None = None
        self._accounts = accounts

    async def load_peers(self) -> None:
        self.peers = await self._accounts.list_peers(self.name)

    def _as_seen(self, channel: Channel) -> Channel:
        return replace(channel, access_hash=self.peers.get(channel.telegram_id))

    async def list_channels(self, *, enabled_only: bool = False) -> list[Channel]:
        """The channels this account reads and can address (a pending resolve waits out)."""
        every, self.snapshot = self.snapshot, None
        if every is None or not enabled_only:
            every = await super().list_channels(enabled_only=enabled_only)
        readable = self.owned & self.peers.keys()
        return [self._as_seen(c) for c in every if c.telegram_id in readable]

    async def find_channel(self, key: int | str) -> Channel | None:
        found = await super().find_channel(key)
        return None if found is None else self._as_seen(found)

    async def upsert_channel(self, channel: Channel, *, now: datetime) -> Channel:
        stored = await super().upsert_channel(channel, now=now)
        if channel.access_hash is not None:
            await self.save_peer(stored.telegram_id, channel.access_hash)
        self.owned.add(stored.telegram_id)
        return self._as_seen(stored)

    async def save_peer(self, telegram_id: int, access_hash: int) -> None:
        await self._accounts.save_peer(self.name, telegram_id, access_hash)
        self.peers[telegram_id] = access_hash
