"""Conversions between *Row objects and domain values, and dialect-neutral insert-or-ignore (no I/O)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Insert, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from monitor.domain import Hit, Post, PostVersion, Span
from monitor.store.schema import HitRow, PostRow, PostVersionRow


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
