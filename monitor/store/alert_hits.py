"""What an alert shows of its rules: stored hits, and keyword expressions found again in the
post's text or in the OCR text of one of its photos (then the alert carries that photo)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from monitor.alerts.planning import EXPRESSION_RULE_PREFIX, make_expression_hits
from monitor.domain import HIT_SOURCE_MEDIA, Hit, MediaState, OcrState
from monitor.store.schema import AlertRow, MediaRow

_EXPRESSION_HITS = make_expression_hits(256)


async def photos_of(session: AsyncSession, hits: Sequence[Hit]) -> dict[int | None, str]:
    """Media id -> SHA-256 of the archived images the hits were read in (the alert's photo)."""
    ids = {h.media_id for h in hits if h.media_id is not None}
    if not ids:
        return {}
    rows = await session.execute(
        select(MediaRow.id, MediaRow.sha256).where(
            MediaRow.id.in_(ids), MediaRow.state == MediaState.DONE.value
        )
    )
    return {media_id: sha for media_id, sha in rows.all() if sha}


def has_expression(alert: AlertRow) -> bool:
    return any(r.startswith(EXPRESSION_RULE_PREFIX) for r in alert.rule_ids)


async def photo_texts(
    session: AsyncSession, post_ids: Sequence[int]
) -> dict[int, list[tuple[int, str]]]:
    """Post id -> (media id, OCR text) of its read images, in album order: where a keyword
    expression that the post's own text does not match was found."""
    if not post_ids:
        return {}
    rows = await session.execute(
        select(MediaRow.post_id, MediaRow.id, MediaRow.ocr_text)
        .where(
            MediaRow.post_id.in_(list(set(post_ids))),
            MediaRow.ocr_state == OcrState.DONE.value,
            MediaRow.ocr_text.is_not(None),
        )
        .order_by(MediaRow.post_id, MediaRow.position, MediaRow.id)
    )
    out: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for post_id, media_id, ocr_text in rows.all():
        if ocr_text:
            out[post_id].append((media_id, ocr_text))
    return out


def hits_for(
    rule_ids: Sequence[str],
    stored: Sequence[Hit],
    text: str = "",
    photo_texts: Sequence[tuple[int, str]] = (),
) -> tuple[Hit, ...]:
    """The alert's rules: stored hits, and hits of keyword expressions worked out again: in the
    post's text, else in the OCR text of its first photo they match (source "media", which
    the alert shows as "📷 in the photo" and carries), else span-less stand-ins."""
    by_rule = {h.rule_id: h for h in stored}
    out = []
    for rule_id in rule_ids:
        if rule_id in by_rule:
            out.append(by_rule[rule_id])
        elif rule_id.startswith(EXPRESSION_RULE_PREFIX):
            out.append(_expression_hit(rule_id, text, photo_texts))
    return tuple(out)


def _expression_hit(rule_id: str, text: str, photo_texts: Sequence[tuple[int, str]]) -> Hit:
    expression = rule_id.removeprefix(EXPRESSION_RULE_PREFIX)
    if not photo_texts or _EXPRESSION_HITS(expression, text):
        return Hit(rule_id=rule_id, category="keywords", spans=())
    for media_id, ocr_text in photo_texts:
        found = _EXPRESSION_HITS(expression, ocr_text)
        if found:
            spans = tuple(sorted({s for h in found for s in h.spans}, key=lambda s: s.start))
            return Hit(
                rule_id=rule_id,
                category="keywords",
                spans=spans,
                source=HIT_SOURCE_MEDIA,
                media_id=media_id,
            )
    return Hit(rule_id=rule_id, category="keywords", spans=())
