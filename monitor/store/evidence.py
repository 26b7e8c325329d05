"""Evidence repository: reading captures and the custody chain, sealing it, keeping RFC 3161
tokens; all append-only (does I/O). The save step that writes captures is store.captures."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import func, select

from monitor.domain import PostVersion
from monitor.evidence.canonical import canonical, record_hash
from monitor.evidence.merkle import MerkleTree, leaf_hash
from monitor.evidence.records import (
    Capture,
    CustodyEntry,
    CustodyKind,
    Seal,
    Timestamp,
    seal_body,
)
from monitor.store.captures import append_custody, chain_head, evidence_step, write_pending
from monitor.store.engine import Database
from monitor.store.rows import version_from_row
from monitor.store.schema import (
    CustodyEntryRow,
    EvidenceCaptureRow,
    PostVersionRow,
    SealRow,
    TimestampRow,
)

__all__ = ["EvidenceRepo", "append_custody", "evidence_step", "write_pending"]


def _capture_from_row(row: EvidenceCaptureRow) -> Capture:
    return Capture(
        row.id,
        row.post_id,
        row.kind,
        row.version,
        row.source,
        row.account,
        row.captured_at,
        row.record,
        row.sha256,
        tuple(row.media_sha256 or ()),
        row.custody_seq,
    )


def _entry_from_row(row: CustodyEntryRow) -> CustodyEntry:
    body = json.loads(row.body)
    return CustodyEntry(row.seq, row.segment, row.kind, row.at, body, row.hash, row.prev_hash)


def _seal_from_row(row: SealRow) -> Seal:
    body = json.loads(row.body)
    return Seal(
        row.id, row.segment, row.first_seq, row.last_seq, row.root, row.sealed_at, body, row.hash
    )


class EvidenceRepo:
    """Captures, the custody chain, seals and timestamps of the archive."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def append(
        self, kind: CustodyKind, subject: Mapping[str, object], *, now: datetime
    ) -> CustodyEntry:
        """One entry (an export, a verification) in its own short transaction."""
        async with self._db.write.begin() as session:
            entry = await append_custody(session, kind, subject, at=now)
            await write_pending(session)
            return entry

    async def start_segment(self, subject: Mapping[str, object], *, now: datetime) -> CustodyEntry:
        """A new chain segment that says why (a restored archive)."""
        async with self._db.write.begin() as session:
            entry = await append_custody(
                session, CustodyKind.SEGMENT_START, subject, at=now, new_segment=True
            )
            await write_pending(session)
            return entry

    async def seal(self, *, now: datetime, reason: str) -> Seal | None:
        """Seal the entries after the last seal under their Merkle root; None when none are new."""
        async with self._db.write.begin() as session:
            await chain_head(session)  # on PostgreSQL: the chain's lock, so two seals never overlap
            last = await session.scalar(select(SealRow).order_by(SealRow.id.desc()).limit(1))
            first_seq = last.last_seq + 1 if last else 1
            rows = list(
                await session.scalars(
                    select(CustodyEntryRow)
                    .where(CustodyEntryRow.seq >= first_seq)
                    .order_by(CustodyEntryRow.seq)
                )
            )
            if not rows:
                return None
            tree = MerkleTree([leaf_hash(r.body.encode()) for r in rows])
            body = seal_body(
                segment=rows[-1].segment,
                first_seq=first_seq,
                last_seq=rows[-1].seq,
                root=tree.root.hex(),
                sealed_at=now,
                prev_seal=last.hash if last else None,
                reason=reason,
            )
            row = SealRow(
                segment=rows[-1].segment,
                first_seq=first_seq,
                last_seq=rows[-1].seq,
                root=tree.root.hex(),
                sealed_at=now,
                body=canonical(body).decode(),
                hash=record_hash(body),
            )
            session.add(row)
            await session.flush()
            return _seal_from_row(row)

    async def find_last_seal(self) -> Seal | None:
        async with self._db.read() as session:
            row = await session.scalar(select(SealRow).order_by(SealRow.id.desc()).limit(1))
            return _seal_from_row(row) if row else None

    async def find_seal_by_hash(self, seal_hash: str) -> Seal | None:
        async with self._db.read() as session:
            row = await session.scalar(select(SealRow).where(SealRow.hash == seal_hash))
            return _seal_from_row(row) if row else None

    async def list_seals(self, seal_ids: Sequence[int] | None = None) -> list[Seal]:
        async with self._db.read() as session:
            stmt = select(SealRow).order_by(SealRow.id)
            if seal_ids is not None:
                stmt = stmt.where(SealRow.id.in_(seal_ids))
            return [_seal_from_row(r) for r in await session.scalars(stmt)]

    async def list_unstamped(self, tsa_url: str) -> list[Seal]:
        """Seals that have no token from `tsa_url` yet (the retry job's work)."""
        async with self._db.read() as session:
            stamped = select(TimestampRow.seal_id).where(TimestampRow.tsa_url == tsa_url)
            rows = await session.scalars(
                select(SealRow).where(SealRow.id.not_in(stamped)).order_by(SealRow.id)
            )
            return [_seal_from_row(r) for r in rows]

    async def save_timestamp(self, stamp: Timestamp, *, now: datetime) -> None:
        async with self._db.write.begin() as session:
            session.add(
                TimestampRow(
                    seal_id=stamp.seal_id,
                    tsa_url=stamp.tsa_url,
                    token=stamp.token,
                    certificates=stamp.certificates,
                    gen_time=stamp.gen_time,
                    created_at=now,
                )
            )

    async def list_timestamps(self, seal_ids: Sequence[int]) -> list[Timestamp]:
        async with self._db.read() as session:
            rows = await session.scalars(
                select(TimestampRow)
                .where(TimestampRow.seal_id.in_(seal_ids))
                .order_by(TimestampRow.seal_id, TimestampRow.id)
            )
            return [
                Timestamp(r.seal_id, r.tsa_url, r.token, r.certificates, r.gen_time) for r in rows
            ]

    async def list_captures(self, post_ids: Sequence[int]) -> list[Capture]:
        async with self._db.read() as session:
            rows = await session.scalars(
                select(EvidenceCaptureRow)
                .where(EvidenceCaptureRow.post_id.in_(post_ids))
                .order_by(EvidenceCaptureRow.post_id, EvidenceCaptureRow.id)
            )
            return [_capture_from_row(r) for r in rows]

    async def list_versions(self, post_ids: Sequence[int]) -> dict[int, list[PostVersion]]:
        """Every version of each post, in order (an export's batch read)."""
        async with self._db.read() as session:
            rows = await session.scalars(
                select(PostVersionRow)
                .where(PostVersionRow.post_id.in_(post_ids))
                .order_by(PostVersionRow.post_id, PostVersionRow.version)
            )
            out: dict[int, list[PostVersion]] = {}
            for row in rows:
                out.setdefault(row.post_id, []).append(version_from_row(row))
            return out

    async def list_entries(self, first_seq: int, last_seq: int) -> list[CustodyEntry]:
        async with self._db.read() as session:
            rows = await session.scalars(
                select(CustodyEntryRow)
                .where(CustodyEntryRow.seq.between(first_seq, last_seq))
                .order_by(CustodyEntryRow.seq)
            )
            return [_entry_from_row(r) for r in rows]

    async def count_unsealed(self) -> int:
        async with self._db.read() as session:
            last = await session.scalar(select(func.max(SealRow.last_seq)))
            return int(
                await session.scalar(
                    select(func.count(CustodyEntryRow.seq)).where(CustodyEntryRow.seq > (last or 0))
                )
                or 0
            )
