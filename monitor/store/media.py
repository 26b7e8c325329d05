"""Media repository: the download queue (rows, not memory), each item's file and OCR text, and
what the OCR text adds to its post: hits, search terms and alerts, in one transaction (does I/O)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import func, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from monitor.domain import Channel, Hit, MediaState, OcrState, StoredMedia
from monitor.evidence.records import CustodyKind
from monitor.store.captures import append_custody, write_pending
from monitor.store.engine import Database
from monitor.store.posts import SavedPost, SaveHook, save_hits
from monitor.store.rows import channel_from_row, media_from_row, post_from_row
from monitor.store.schema import ChannelRow, MediaRow, PostRow, PostVersionRow
from monitor.store.search import append_index_terms

_PENDING = MediaState.PENDING.value
_DOWNLOADING = MediaState.DOWNLOADING.value


@dataclass(frozen=True, slots=True)
class MediaJob:
    """A claimed row and the channel its message is read from."""

    media: StoredMedia
    channel: Channel


@dataclass(frozen=True, slots=True)
class MediaCounts:
    """What `status` shows of the queue: rows by state, OCR by state, the latest failures."""

    states: dict[MediaState, int]
    ocr: dict[OcrState, int]
    stored_bytes: int
    failures: tuple[tuple[int, str, str], ...]  # (media id, kind, reason), newest first


@dataclass(frozen=True, slots=True)
class OcrResult:
    """What recognition gave for one image, worked out before the transaction."""

    text: str
    confidence: float | None
    terms: str  # the search index's lemma terms of `text`
    hits: tuple[Hit, ...]  # the packs' hits in `text` (source "media", spans into `text`)


class MediaRepo:
    """Media rows keyed by (post, message id); the worker claims, the service reports."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def release_interrupted(self) -> int:
        """Rows left `downloading` by a process that stopped: pending again (at start)."""
        async with self._db.write.begin() as session:
            result = await session.execute(
                update(MediaRow).where(MediaRow.state == _DOWNLOADING).values(state=_PENDING)
            )
            return int(result.rowcount)  # type: ignore[attr-defined]

    async def claim_due(
        self, *, now: datetime, limit: int = 8, skip_dcs: frozenset[int] = frozenset()
    ) -> list[MediaJob]:
        """Up to `limit` pending rows due now, oldest first, marked downloading; rows whose
        file is on a DC in `skip_dcs` (a flood wait holds it) are left for later."""
        on_free_dc = (
            or_(MediaRow.dc_id.is_(None), MediaRow.dc_id.not_in(sorted(skip_dcs)))
            if skip_dcs
            else true()
        )
        async with self._db.write.begin() as session:
            rows = (
                await session.execute(
                    select(MediaRow, ChannelRow)
                    .join(PostRow, PostRow.id == MediaRow.post_id)
                    .join(ChannelRow, ChannelRow.id == PostRow.channel_id)
                    .where(
                        MediaRow.state == _PENDING,
                        or_(MediaRow.next_try_at.is_(None), MediaRow.next_try_at <= now),
                        or_(
                            ChannelRow.flood_wait_until.is_(None),
                            ChannelRow.flood_wait_until <= now,
                        ),
                        on_free_dc,
                    )
                    .order_by(MediaRow.id)
                    .limit(limit)
                )
            ).all()
            for media, _ in rows:
                media.state = _DOWNLOADING
            return [
                MediaJob(media_from_row(m, c.telegram_id), channel_from_row(c)) for m, c in rows
            ]

    async def mark_done(
        self, media_id: int, *, sha256: str, size: int, now: datetime, ocr: OcrState
    ) -> None:
        """The file is stored: its row says so and, in the same transaction, the custody log
        gets a "media_captured" entry with its SHA-256 (so a photo downloaded after its post
        was captured is still covered by the next seal)."""
        async with self._db.write.begin() as session:
            found = (
                await session.execute(
                    select(MediaRow.message_id, PostRow.message_id, ChannelRow.telegram_id)
                    .join(PostRow, PostRow.id == MediaRow.post_id)
                    .join(ChannelRow, ChannelRow.id == PostRow.channel_id)
                    .where(MediaRow.id == media_id)
                )
            ).one()
            item_message_id, post_message_id, channel_id = found
            entry = await append_custody(
                session,
                CustodyKind.MEDIA_CAPTURED,
                {
                    "channel_id": channel_id,
                    "message_id": post_message_id,
                    "media_id": media_id,
                    "media_message_id": item_message_id,
                    "sha256": sha256,
                    "size": size,
                },
                at=now,
            )
            await write_pending(session)
            await session.execute(
                update(MediaRow)
                .where(MediaRow.id == media_id)
                .values(
                    state=MediaState.DONE.value,
                    sha256=sha256,
                    size=size,
                    failure=None,
                    next_try_at=None,
                    done_at=now,
                    ocr_state=ocr.value,
                    attempts=MediaRow.attempts + 1,
                    custody_seq=entry.seq,
                )
            )

    async def mark_retry(self, media_id: int, reason: str, *, retry_at: datetime) -> None:
        """A failed attempt, tried again at `retry_at`."""
        await self._set(
            media_id,
            state=_PENDING,
            failure=reason[:500],
            next_try_at=retry_at,
            attempts=MediaRow.attempts + 1,
        )

    async def defer(
        self, media_id: int, reason: str, *, until: datetime, dc_id: int | None = None
    ) -> None:
        """Not an attempt: Telegram asked us to wait (a flood wait; on `dc_id`'s files, which
        the row records when it did not know its DC yet)."""
        extra: dict[str, object] = {"dc_id": dc_id} if dc_id is not None else {}
        await self._set(media_id, state=_PENDING, failure=reason[:500], next_try_at=until, **extra)

    async def mark_failed(self, media_id: int, reason: str) -> None:
        """Given up: a file that can never be read, or the last retry failed."""
        await self._set(
            media_id,
            state=MediaState.FAILED.value,
            failure=reason[:500],
            next_try_at=None,
            attempts=MediaRow.attempts + 1,
            ocr_state=_no_ocr(),
        )

    async def mark_skipped(self, media_id: int, reason: str) -> None:
        """Not downloaded on purpose: over MEDIA_MAX_BYTES, or its kind is turned off."""
        await self._set(
            media_id,
            state=MediaState.SKIPPED.value,
            failure=reason[:500],
            next_try_at=None,
            ocr_state=_no_ocr(),
        )

    async def requeue_ocr_unavailable(self, prefix: str) -> int:
        """Images whose OCR failed because OCR itself was missing (their failure starts with
        `prefix`): to be read again, now that it works. How many."""
        async with self._db.write.begin() as session:
            result = await session.execute(
                update(MediaRow)
                .where(
                    MediaRow.state == MediaState.DONE.value,
                    MediaRow.ocr_state == OcrState.FAILED.value,
                    MediaRow.failure.startswith(prefix, autoescape=True),
                )
                .values(ocr_state=OcrState.PENDING.value, failure=None)
            )
            return int(result.rowcount)  # type: ignore[attr-defined]

    async def mark_ocr_failed(self, media_id: int, reason: str) -> None:
        await self._set(media_id, ocr_state=OcrState.FAILED.value, failure=reason[:500])

    async def save_ocr(
        self, media_id: int, result: OcrResult, *, now: datetime, alerts: SaveHook | None = None
    ) -> list[Hit]:
        """Store an image's OCR text, its new hits (spans into that text), its search terms
        on the post's index entry, and the alerts its hits raise, in one transaction. A
        subscriber already told about the post (the caption matched) is not told again."""
        async with self._db.write.begin() as session:
            media = await session.get(MediaRow, media_id)
            assert media is not None, f"media {media_id} vanished"
            media.ocr_state = OcrState.DONE.value
            media.ocr_text = result.text
            media.ocr_terms = result.terms
            media.ocr_confidence = result.confidence
            version = int(
                await session.scalar(
                    select(func.max(PostVersionRow.version)).where(
                        PostVersionRow.post_id == media.post_id
                    )
                )
                or 1
            )
            hits = [replace(h, source="media", media_id=media_id) for h in result.hits]
            fresh = await save_hits(session, media.post_id, hits, version=version, now=now)
            await append_index_terms(session, media.post_id, result.terms)
            # No new pack hit may still be news: a keyword expression read in the photo alone.
            if (fresh or result.text.strip()) and alerts is not None:
                await alerts(session, await _saved_for_ocr(session, media, version, fresh))
            return fresh

    async def list_media(self, post_ids: Sequence[int]) -> dict[int, list[StoredMedia]]:
        """Post id -> its media in album order (search and export show them)."""
        if not post_ids:
            return {}
        async with self._db.read() as session:
            rows = await session.scalars(
                select(MediaRow)
                .where(MediaRow.post_id.in_(list(post_ids)))
                .order_by(MediaRow.post_id, MediaRow.position, MediaRow.id)
            )
            found: dict[int, list[StoredMedia]] = defaultdict(list)
            for row in rows:
                found[row.post_id].append(media_from_row(row))
            return dict(found)

    async def list_ocr_pending(self, *, limit: int = 8) -> list[StoredMedia]:
        """Downloaded images not yet read (a stop between the download and the OCR)."""
        async with self._db.read() as session:
            rows = await session.scalars(
                select(MediaRow)
                .where(
                    MediaRow.state == MediaState.DONE.value,
                    MediaRow.ocr_state == OcrState.PENDING.value,
                )
                .order_by(MediaRow.id)
                .limit(limit)
            )
            return [media_from_row(r) for r in rows]

    async def get_media(self, media_id: int) -> StoredMedia | None:
        async with self._db.read() as session:
            row = await session.get(MediaRow, media_id)
            return media_from_row(row) if row is not None else None

    async def counts(self, *, failures: int = 5) -> MediaCounts:
        async with self._db.read() as session:
            states = dict(
                (
                    await session.execute(
                        select(MediaRow.state, func.count(MediaRow.id)).group_by(MediaRow.state)
                    )
                ).all()
            )
            ocr = dict(
                (
                    await session.execute(
                        select(MediaRow.ocr_state, func.count(MediaRow.id)).group_by(
                            MediaRow.ocr_state
                        )
                    )
                ).all()
            )
            stored = await session.scalar(
                select(func.sum(MediaRow.size)).where(MediaRow.state == MediaState.DONE.value)
            )
            failed = await session.execute(
                select(MediaRow.id, MediaRow.kind, MediaRow.failure)
                .where(
                    MediaRow.failure.is_not(None),
                    MediaRow.state.in_([MediaState.FAILED.value, _PENDING]),
                )
                .order_by(MediaRow.id.desc())
                .limit(failures)
            )
            return MediaCounts(
                {s: int(states.get(s.value, 0)) for s in MediaState},
                {s: int(ocr.get(s.value, 0)) for s in OcrState},
                int(stored or 0),
                tuple((i, k, f or "") for i, k, f in failed.all()),
            )

    async def _set(self, media_id: int, **values: object) -> None:
        async with self._db.write.begin() as session:
            await session.execute(update(MediaRow).where(MediaRow.id == media_id).values(**values))


def _no_ocr() -> object:
    """A pending OCR of an item that will never be downloaded is nothing to wait for."""
    from sqlalchemy import case

    return case(
        (MediaRow.ocr_state == OcrState.PENDING.value, OcrState.NONE.value),
        else_=MediaRow.ocr_state,
    )


async def _saved_for_ocr(
    session: AsyncSession, media: MediaRow, version: int, hits: Sequence[Hit]
) -> SavedPost:
    """The post as the outbox hook sees it: new hits from the photo, the OCR text to read
    keyword expressions in. `is_new` so it alerts like a new post; subscribers already told
    about the post are left out by the hook itself (one alert per subscriber and post)."""
    found = (
        await session.execute(
            select(PostRow, ChannelRow.telegram_id)
            .join(ChannelRow, ChannelRow.id == PostRow.channel_id)
            .where(PostRow.id == media.post_id)
        )
    ).one()
    post = post_from_row(found[0], found[1])
    return SavedPost(
        media.post_id,
        found[0].channel_id,
        replace(post, text=media.ocr_text or ""),
        version,
        True,
        tuple(hits),
    )
