"""Datasette plugin (loaded by `python bot.py browse`): SQL function draftwatch_match(query).

It turns search words into the FTS5 MATCH of their lemmas, so the archive's canned search
query finds inflected Russian and Ukrainian forms as `python bot.py search` does.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

from datasette import hookimpl
from markupsafe import Markup, escape

from monitor.errors import QueryError
from monitor.search.query import compile_fts, default_lemmatizer, parse_query


def draftwatch_match(text: str | None) -> str:
    """The FTS5 MATCH string for the words of a query; empty when it has only filters."""
    try:
        plan = compile_fts(parse_query(text or ""), query_terms=default_lemmatizer().query_terms)
    except QueryError:
        return '""'  # matches nothing; the bot and the CLI say what is wrong
    return plan.match or ""


def draftwatch_filter(text: str | None, key: str) -> str | None:
    """A filter of the query language for the SQL: `since` / `until` (ISO dates, `until` the
    day after), `deleted` (no, yes, any); None when not given (the other filters are
    draftwatch_keep's)."""
    try:
        filters = parse_query(text or "").filters
    except QueryError:
        return "no" if key == "deleted" else None
    if key == "since" and filters.since:
        return filters.since.isoformat()
    if key == "deleted":
        return filters.deleted.value
    if key == "until" and filters.until:
        return (filters.until + timedelta(days=1)).isoformat()
    return None


def draftwatch_keep(
    text: str | None,
    username: str | None,
    title: str | None,
    telegram_id: int,
    categories: str | None,
    edited: int,
    regions: str | None,
    places: str | None,
) -> int:
    """1 when the post passes the query's channel:, category:, hit:, edited:, region: and
    place: filters as `search` applies them: any of several channel: or category: filters; each
    region: or place: filter (a set: any of it) must meet the regions or GeoNames ids the post
    names without doubt. Lists come comma-separated, as group_concat gives them."""
    try:
        filters = parse_query(text or "").filters
    except QueryError:
        return 0
    if filters.channels and not any(
        _is_channel(name, username, title, telegram_id) for name in filters.channels
    ):
        return 0
    found = set((categories or "").split(",")) - {""}
    if filters.categories and not found & set(filters.categories):
        return 0
    if filters.hit is not None and bool(found) != filters.hit:
        return 0
    if filters.edited is not None and bool(edited) != filters.edited:
        return 0
    named_regions = set((regions or "").split(","))
    if any(not (wanted & named_regions) for wanted in filters.regions):
        return 0
    named_places = {int(p) for p in (places or "").split(",") if p}
    return int(all(wanted & named_places for wanted in filters.places))


def _is_channel(name: str, username: str | None, title: str | None, telegram_id: int) -> bool:
    bare = name.removeprefix("@")
    return (
        (username is not None and username.lower() == bare.lower())
        or title == name
        or (bare.isascii() and bare.isdigit() and int(bare) == telegram_id)
    )


def draftwatch_week(date: str | None) -> str | None:
    """The ISO week of a stored date ('2024-11-20 12:00:00…' -> '2024-W47')."""
    if not date:
        return None
    year, week, _ = datetime.fromisoformat(date[:10]).isocalendar()
    return f"{year}-W{week:02d}"


def _prepare_connection(conn: sqlite3.Connection) -> None:
    conn.create_function("draftwatch_match", 1, draftwatch_match, deterministic=True)
    conn.create_function("draftwatch_filter", 2, draftwatch_filter, deterministic=True)
    conn.create_function("draftwatch_keep", 8, draftwatch_keep, deterministic=True)
    conn.create_function("draftwatch_week", 1, draftwatch_week, deterministic=True)


def _render_cell(value: object, column: str, database: str) -> Markup | None:
    """In the search results the post column links to the post's page (versions side by side,
    media, places, hashes)."""
    if column == "post" and isinstance(value, int):
        return Markup(f'<a class="dw-post" href="/-/post/{int(value)}">{escape(value)}</a>')
    return None


prepare_connection = hookimpl(_prepare_connection)
render_cell = hookimpl(_render_cell)
