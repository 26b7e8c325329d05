"""Seals and their timestamps for the running service: seal on schedule and at shutdown, ask
the TSAs (retried until they answer), notice a restored archive (does I/O)."""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from monitor.evidence.canonical import canonical
from monitor.evidence.records import CustodyEntry, CustodyKind, Seal, Timestamp
from monitor.evidence.timestamps import TimestampError, request_timestamp
from monitor.private_files import PRIVATE_FILE_MODE, private_dir

logger = logging.getLogger(__name__)


class EvidenceStore(Protocol):
    """What the notary needs of the archive (monitor.store.evidence.EvidenceRepo)."""

    async def seal(self, *, now: datetime, reason: str) -> Seal | None: ...
    async def find_last_seal(self) -> Seal | None: ...
    async def find_seal_by_hash(self, seal_hash: str) -> Seal | None: ...
    async def list_unstamped(self, tsa_url: str) -> list[Seal]: ...
    async def save_timestamp(self, stamp: Timestamp, *, now: datetime) -> None: ...
    async def count_unsealed(self) -> int: ...
    async def start_segment(self, subject: dict[str, object], *, now: datetime) -> CustodyEntry: ...


def write_last_seal(path: Path, seal_hash: str) -> None:
    """The last seal's hash beside the archive (0600): a restored old archive will not match."""
    private_dir(path.parent)
    temporary = path.with_name(path.name + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE_MODE)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(seal_hash + "\n")
    os.chmod(temporary, PRIVATE_FILE_MODE)
    temporary.replace(path)


def read_last_seal(path: Path) -> str | None:
    try:
        text = path.read_text(encoding="ascii").strip()
    except (FileNotFoundError, UnicodeDecodeError):
        return None
    return text or None


@dataclass
class EvidenceHealth:
    """What `status` shows of the evidence: seals, what waits for a TSA, the last TSA error."""

    seals: int = 0
    last_seal_at: str | None = None
    timestamps_pending: int = 0
    last_tsa_error: str | None = None
    tsa_configured: bool = False
    restored: list[str] = field(default_factory=list)

    def line(self) -> str:
        if not self.tsa_configured:
            stamps = "no TSA configured (EVIDENCE_TSA_URLS)"
        else:
            stamps = f"{self.timestamps_pending} timestamp(s) pending"
            if self.last_tsa_error:
                stamps += f", last TSA error: {self.last_tsa_error}"
        last = f", last at {self.last_seal_at}" if self.last_seal_at else ""
        return f"{self.seals} seal(s) this run{last}; {stamps}"


class Notary:
    """Seals the custody log and gets each seal timestamped by every configured TSA."""

    def __init__(
        self,
        store: EvidenceStore,
        tsa_urls: tuple[str, ...],
        last_seal_file: Path,
        *,
        tsa_timeout_s: float = 30.0,
    ) -> None:
        self._store = store
        self._urls = tsa_urls
        self._file = last_seal_file
        self._timeout_s = tsa_timeout_s
        self.health = EvidenceHealth(tsa_configured=bool(tsa_urls))
        self._stamping = asyncio.Lock()  # the seal job and the retry job never stamp at once

    async def seal(
        self, *, now: datetime, reason: str = "interval", stamp: bool = True
    ) -> Seal | None:
        """Seal what is new, remember its hash beside the archive, then ask the TSAs."""
        seal = await self._store.seal(now=now, reason=reason)
        if seal is not None:
            write_last_seal(self._file, seal.hash)
            self.health.seals += 1
            self.health.last_seal_at = now.isoformat()
            logger.info(
                "evidence sealed entries=%d..%d root=%s reason=%s",
                seal.first_seq,
                seal.last_seq,
                seal.root[:16],
                reason,
            )
        if stamp:
            await self.stamp_pending(now=now)
        return seal

    async def stamp_pending(self, *, now: datetime) -> int:
        """Ask every TSA for the seals it has not stamped; a failure waits for the next try."""
        async with self._stamping:
            return await self._stamp_pending(now)

    async def _stamp_pending(self, now: datetime) -> int:
        stamped = 0
        for url in self._urls:
            for seal in await self._store.list_unstamped(url):
                try:
                    stamp = await request_timestamp(
                        url,
                        seal_id=seal.id,
                        message=canonical(seal.body),
                        timeout_s=self._timeout_s,
                    )
                except TimestampError as e:
                    logger.warning("timestamp failed seal=%d error=%s", seal.id, e)
                    self.health.last_tsa_error = f"{e} ({now.isoformat()})"
                    break  # this TSA is down: its other seals wait for the next try too
                await self._store.save_timestamp(stamp, now=now)
                stamped += 1
        pending = sum([len(await self._store.list_unstamped(url)) for url in self._urls])
        self.health.timestamps_pending = pending
        if stamped:
            logger.info("evidence timestamps added=%d pending=%d", stamped, pending)
        return stamped

    async def check_continuity(self, *, now: datetime) -> str | None:
        """At start: does the archive continue from the last seal this machine made? When it
        does not (an old backup restored), a new chain segment starts saying so, and the
        returned text tells the admins."""
        expected = read_last_seal(self._file)
        if expected is None:
            return None
        if await self._store.find_seal_by_hash(expected) is not None:
            return None
        found = await self._store.find_last_seal()
        entry = await self._store.start_segment(
            {
                "reason": "the archive does not continue from the last seal: restored from "
                "an older backup?",
                "expected_last_seal": expected,
                "found_last_seal": found.hash if found else None,
            },
            now=now,
        )
        message = (
            f"evidence: the archive does not continue from the last seal ({expected[:16]}…); "
            f"it was probably restored from an older backup. Custody entries since that seal "
            f"are missing here; a new chain segment ({entry.segment}) starts at entry "
            f"{entry.seq}."
        )
        self.health.restored.append(message)
        logger.warning("%s", message)
        await self.seal(now=now, reason="new segment")  # the file names this archive's seal now
        return message


def last_seal_file(archive_path: Path | None, fallback_folder: Path) -> Path:
    """Where the last seal's hash is kept: beside the SQLite file, else in `fallback_folder`."""
    if archive_path is not None:
        return archive_path.with_name(archive_path.name + ".last-seal")
    return fallback_folder / "evidence.last-seal"


__all__ = [
    "CustodyKind",
    "EvidenceHealth",
    "Notary",
    "last_seal_file",
    "read_last_seal",
    "write_last_seal",
]
