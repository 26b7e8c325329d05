"""Conversions between *Row objects and domain values, and dialect-neutral insert-or-ignore (no I/O).

The one place a row becomes a domain value: every repository maps through these.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Insert, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from monitor.domain import (
    HIT_SOURCE_TEXT,
    Alert,
    AlertStatus,
    Channel,
    Hit,
    MediaState,
    OcrState,
    Post,
    PostVersion,
    Role,
    Span,
    StoredMedia,
    Subscriber,
    SubscriberStatus,
    Subscription,
    SubscriptionKind,
)
from monitor.store.schema import (
    AlertRow,
    ChannelRow,
    HitRow,
    MediaRow,
    PostRow,
    PostVersionRow,
    SubscriberRow,
    SubscriptionRow,
)


def insert_ignoring_duplicates(session: AsyncSession, table: Table) -> Insert:
    """INSERT that skips rows violating a unique key (SQLite and PostgreSQL spell it alike)."""
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(table).on_conflict_do_nothing()


def spans_to_json(spans: Sequence[Span]) -> list[dict[str, Any]]:
    return [
        {"start": s.start, "end": s.end, "surface": s.surface, "lemma": s.lemma, "term": s.term}
        for s in spans
    ]


def spans_from_json(data: Sequence[dict[str, Any]]) -> tuple[Span, ...]:
    return tuple(
        Span(
            start=int(d["start"]),
            end=int(d["end"]),
            surface=str(d["surface"]),
            lemma=str(d.get("lemma", "")),
            term=str(d.get("term", "")),
        )
        for d in data
    )


def hit_from_row(row: HitRow) -> Hit:
    return Hit(
        rule_id=row.rule_id,
        category=row.category,
        spans=spans_from_json(row.spans),
        tags=tuple(row.tags or ()),
        post_id=row.post_id,
        created_at=row.created_at,
        source=row.source or HIT_SOURCE_TEXT,
        media_id=row.media_id,
    )


def post_from_row(row: PostRow, channel_telegram_id: int) -> Post:
    return Post(
        id=row.id,
        channel_telegram_id=channel_telegram_id,
        message_id=row.message_id,
        date=row.date,
        text=row.text,
        views=row.views,
        forwards=row.forwards,
        forwarded_from=row.forwarded_from,
        media_kind=row.media_kind,
        grouped_id=row.grouped_id,
        edit_date=row.edit_date,
        deleted_at=row.deleted_at,
    )


def version_from_row(row: PostVersionRow) -> PostVersion:
    return PostVersion(
        post_id=row.post_id,
        version=row.version,
        text=row.text,
        edit_date=row.edit_date,
        seen_at=row.seen_at,
    )


def channel_from_row(row: ChannelRow) -> Channel:
    return Channel(
        id=row.id,
        telegram_id=row.telegram_id,
        access_hash=row.access_hash,
        username=row.username,
        title=row.title,
        last_seen_id=row.last_seen_id,
        poll_interval_s=row.poll_interval_s,
        enabled=row.enabled,
        joined=row.joined,
        flood_wait_until=row.flood_wait_until,
        last_error=row.last_error,
        last_polled_at=row.last_polled_at,
        next_poll_at=row.next_poll_at,
        last_post_at=row.last_post_at,
        added_at=row.added_at,
        failed_polls=row.failed_polls or 0,
        rechecked_at=row.rechecked_at,
    )


def subscriber_from_row(row: SubscriberRow) -> Subscriber:
    return Subscriber(
        id=row.id,
        telegram_user_id=row.telegram_user_id,
        role=Role(row.role),
        status=SubscriberStatus(row.status),
        timezone=row.timezone,
        username=row.username,
        display_name=row.display_name,
        muted_until=row.muted_until,
        created_at=row.created_at,
        quiet_from=row.quiet_from,
        quiet_until=row.quiet_until,
    )


def subscription_from_columns(
    id_: int,
    subscriber_id: int,
    kind: str,
    value: str,
    channels: Sequence[str] | None,
    number: int | None = None,
) -> Subscription:
    """A subscription from its columns (the outbox selects them plainly, for every post)."""
    return Subscription(
        subscriber_id, SubscriptionKind(kind), value, tuple(channels or ()), id=id_, number=number
    )


def subscription_from_row(row: SubscriptionRow) -> Subscription:
    return subscription_from_columns(
        row.id, row.subscriber_id, row.kind, row.value, row.channels, row.number
    )


def alert_from_row(row: AlertRow) -> Alert:
    return Alert(
        id=row.id,
        subscriber_id=row.subscriber_id,
        post_id=row.post_id,
        status=AlertStatus(row.status),
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        sent_message_id=row.sent_message_id,
        edited=row.edited,
        rule_ids=tuple(row.rule_ids or ()),
        last_error=row.last_error,
        created_at=row.created_at,
        sent_at=row.sent_at,
    )


def media_from_row(row: MediaRow, channel_telegram_id: int = 0) -> StoredMedia:
    return StoredMedia(
        id=row.id,
        post_id=row.post_id,
        position=row.position,
        message_id=row.message_id,
        kind=row.kind,
        state=MediaState(row.state),
        mime=row.mime,
        size=row.size,
        sha256=row.sha256,
        width=row.width,
        height=row.height,
        duration=row.duration,
        file_name=row.file_name,
        local_path=row.local_path,
        attempts=row.attempts,
        next_try_at=row.next_try_at,
        failure=row.failure,
        ocr_state=OcrState(row.ocr_state),
        ocr_text=row.ocr_text,
        channel_telegram_id=channel_telegram_id,
        dc_id=row.dc_id,
        custody_seq=row.custody_seq,
    )
