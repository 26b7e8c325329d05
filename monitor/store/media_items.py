"""Media rows written in the post-saving transaction: every item of a stored post is queued
for download (pending) at once, and saving it again changes nothing (does I/O)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from monitor.domain import MediaItem, MediaState, OcrState
from monitor.store.rows import insert_ignoring_duplicates
from monitor.store.schema import MediaRow

IMAGE_KINDS = frozenset({"photo"})


def is_image(kind: str, mime: str | None) -> bool:
    """What OCR reads: photos and image documents."""
    return kind in IMAGE_KINDS or (mime or "").startswith("image/")


async def queue_media(
    session: AsyncSession, post_id: int, items: Sequence[MediaItem], *, now: datetime
) -> int:
    """Pending rows for the items not yet queued for this post (keyed by post and message id);
    an album part that arrives on its own goes after those already there. Returns how many."""
    if not items:
        return 0
    known = set(
        await session.scalars(select(MediaRow.message_id).where(MediaRow.post_id == post_id))
    )
    fresh = [i for i in sorted(items, key=lambda i: i.message_id) if i.message_id not in known]
    if not fresh:
        return 0
    await session.execute(
        insert_ignoring_duplicates(session, MediaRow.__table__),  # type: ignore[arg-type]
        [
            {
                "post_id": post_id,
                "position": len(known) + n,
                "message_id": item.message_id,
                "kind": item.kind,
                "mime": item.mime,
                "size": item.size,
                "width": item.width,
                "height": item.height,
                "duration": item.duration,
                "file_name": item.file_name,
                "local_path": item.local_path,
                "dc_id": item.dc_id,
                "state": MediaState.PENDING.value,
                "attempts": 0,
                "ocr_state": (
                    OcrState.PENDING if is_image(item.kind, item.mime) else OcrState.NONE
                ).value,
                "created_at": now,
            }
            for n, item in enumerate(fresh)
        ],
    )
    return len(fresh)


async def media_terms(session: AsyncSession, post_id: int) -> str:
    """The OCR search terms of a post's media, joined: what its index entry adds to its text."""
    rows = await session.scalars(
        select(MediaRow.ocr_terms)
        .where(MediaRow.post_id == post_id, MediaRow.ocr_terms.is_not(None))
        .order_by(MediaRow.position, MediaRow.id)
    )
    return " ".join(t for t in rows if t)
