"""The evidence save step: a capture record and its custody entry for every version saved
and every deletion seen, written in the saving transaction (does I/O)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from monitor.evidence.canonical import canonical, sha256_hex
from monitor.evidence.followup_text import deleted_text, edited_text
from monitor.evidence.records import CustodyEntry, CustodyKind, capture_record, custody_entry
from monitor.store.followups import post_link, queue_followups
from monitor.store.posts import DeletedPost, SavedPost, SaveStep
from monitor.store.schema import CustodyEntryRow, EvidenceCaptureRow, MediaRow, PostVersionRow

_CHAIN_LOCK = 0x64726166  # PostgreSQL advisory lock: one writer extends the chain at a time


_HEAD = "evidence_head"  # session.info key: the chain's head as this transaction left it


@dataclass(frozen=True, slots=True)
class _Head:
    seq: int
    segment: int
    hash: str


async def chain_head(session: AsyncSession) -> _Head | None:
    """The last entry of the chain: read once per transaction (under PostgreSQL's advisory
    lock, held to its end), then kept in the session, so a batch of captures costs no reads."""
    if _HEAD in session.info:
        head: _Head | None = session.info[_HEAD]
        return head
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CHAIN_LOCK})
    row = await session.scalar(
        select(CustodyEntryRow).order_by(CustodyEntryRow.seq.desc()).limit(1)
    )
    found = _Head(row.seq, row.segment, row.hash) if row else None
    session.info[_HEAD] = found
    return found


async def append_custody(
    session: AsyncSession,
    kind: CustodyKind,
    subject: Mapping[str, object],
    *,
    at: datetime,
    new_segment: bool = False,
) -> CustodyEntry:
    """Add an entry after the chain's head, in the caller's transaction."""
    head = await chain_head(session)
    segment = (head.segment if head else 0) + (1 if new_segment or head is None else 0)
    entry = custody_entry(
        seq=(head.seq if head else 0) + 1,
        segment=segment,
        kind=kind,
        at=at,
        prev_hash=head.hash if head else None,
        subject=subject,
    )
    _pending(session)[0].append(
        {
            "seq": entry.seq,
            "segment": entry.segment,
            "kind": entry.kind,
            "at": at,
            "body": entry.text.decode(),
            "hash": entry.hash,
            "prev_hash": entry.prev_hash,
        }
    )
    session.info[_HEAD] = _Head(entry.seq, entry.segment, entry.hash)
    return entry  # inserted by write_pending, with the rest of the batch


_PENDING = "evidence_pending"  # session.info key: rows not inserted yet (custody, captures)


def _pending(session: AsyncSession) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    pending: tuple[list[dict[str, object]], list[dict[str, object]]] = session.info.setdefault(
        _PENDING, ([], [])
    )
    return pending


async def write_pending(session: AsyncSession) -> None:
    """Insert the batch's custody entries and captures: two multi-row INSERTs per save
    instead of two per post (the save step's `finish`, run before the transaction ends)."""
    custody, captures = _pending(session)
    if custody:
        await session.execute(insert(CustodyEntryRow), custody)
        custody.clear()
    if captures:
        await session.execute(insert(EvidenceCaptureRow), captures)
        captures.clear()


async def _media_hashes(session: AsyncSession, post_id: int) -> list[str]:
    """SHA-256 of the post's media files downloaded so far (album order). A new post's media
    are still queued when it is captured: they join the records of its later versions and of
    its deletion."""
    rows = await session.scalars(
        select(MediaRow.sha256)
        .where(MediaRow.post_id == post_id, MediaRow.sha256.is_not(None))
        .order_by(MediaRow.position, MediaRow.id)
    )
    return [sha for sha in rows if sha]


@dataclass(frozen=True, slots=True)
class _Captured:
    post_id: int
    sha256: str
    custody_seq: int

    async def row_id(self, session: AsyncSession) -> int:
        """The capture's id (written first): follow-ups point at it."""
        await write_pending(session)
        found = await session.scalar(
            select(EvidenceCaptureRow.id).where(EvidenceCaptureRow.custody_seq == self.custody_seq)
        )
        assert found is not None
        return int(found)


async def _capture(
    session: AsyncSession,
    *,
    post_id: int,
    kind: str,
    version: int | None,
    record: dict[str, object],
    at: datetime,
) -> _Captured:
    text = canonical(record)  # once: its SHA-256 is the capture's hash
    digest = sha256_hex(text)
    custody = CustodyKind.CAPTURE if kind == "version" else CustodyKind.DELETION_SEEN
    subject = {
        "capture_sha256": digest,
        "channel_id": record["channel_id"],
        "message_id": record["message_id"],
        "version": version,
    }
    entry = await append_custody(session, custody, subject, at=at)
    _pending(session)[1].append(
        {
            "post_id": post_id,
            "kind": kind,
            "version": version,
            "source": str(record["source"]),
            "account": str(record["account"]),
            "captured_at": at,
            "record": text.decode(),
            "sha256": digest,
            "media_sha256": record["media_sha256"],
            "custody_seq": entry.seq,
        }
    )
    return _Captured(post_id, digest, entry.seq)


async def _capture_version(session: AsyncSession, saved: SavedPost) -> None:
    if saved.seen_at is None:  # every SavedPost the repository builds carries it
        raise ValueError(f"post {saved.post_id} saved without a time: cannot capture it")
    at = saved.seen_at
    record = capture_record(
        kind="version",
        channel_id=saved.post.channel_telegram_id,
        message_id=saved.post.message_id,
        version=saved.version,
        raw=saved.raw,
        captured_at=at,
        media_sha256=await _media_hashes(session, saved.post_id),
    )
    row = await _capture(
        session, post_id=saved.post_id, kind="version", version=saved.version, record=record, at=at
    )
    if saved.is_new or saved.version < 2:
        return
    before = await session.scalar(
        select(PostVersionRow.text).where(
            PostVersionRow.post_id == saved.post_id, PostVersionRow.version == saved.version - 1
        )
    )
    link, _ = await post_link(session, saved.post_id)

    def html(copy: bool) -> str:
        return edited_text(
            link=link,
            version=saved.version,
            before=before or "",
            after=saved.post.text,
            capture_sha256=row.sha256,
            post_id=saved.post_id,
            copy=copy,
        )

    await queue_followups(session, await row.row_id(session), saved.post_id, html, at)


async def _capture_deletion(session: AsyncSession, gone: DeletedPost) -> None:
    record = capture_record(
        kind="deletion",
        channel_id=gone.channel_telegram_id,
        message_id=gone.message_id,
        version=None,
        raw=gone.raw,
        captured_at=gone.seen_at,
    )
    row = await _capture(
        session, post_id=gone.post_id, kind="deletion", version=None, record=record, at=gone.seen_at
    )
    link, posted = await post_link(session, gone.post_id)

    def html(copy: bool) -> str:
        return deleted_text(
            link=link,
            posted=posted,
            seen_gone=gone.seen_at,
            capture_sha256=row.sha256,
            post_id=gone.post_id,
            copy=copy,
        )

    await queue_followups(session, await row.row_id(session), gone.post_id, html, gone.seen_at)


def evidence_step() -> SaveStep:
    """The save step that captures every new version and every deletion seen (app.save_hooks)."""
    return SaveStep("evidence", _capture_version, deleted=_capture_deletion, finish=write_pending)
