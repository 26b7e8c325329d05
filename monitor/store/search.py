"""Archive search: the FTS5 index of post lemmas, kept in step on save, and queries over it (does I/O).

The index (`posts_fts`, migration 0002) maps posts.id to the lemma tokens of the post's current
text; a SaveStep works out the terms before the save (lemmatizing is the slow part) and writes
them inside the saving transaction, so an insert or an edit and its index entry commit together. Deleted posts stay indexed; the `deleted:` filter decides if they show.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import Integer, Select, and_, column, exists, func, or_, select, table, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from monitor.domain import Hit, StoredMedia
from monitor.errors import QueryError
from monitor.reader.channel_ref import MAX_ID
from monitor.search.query import (
    Deleted,
    Filters,
    FtsPlan,
    Lemmatizer,
    Query,
    SearchPage,
    SearchResult,
    Sort,
    TermFunction,
    compile_fts,
    highlight_spans,
    lemma_terms,
)
from monitor.store import fulltext_pg as pg
from monitor.store.engine import Database
from monitor.store.media_items import media_terms
from monitor.store.posts import SavedPost, SaveHook, SaveStep
from monitor.store.rows import channel_from_row, hit_from_row, media_from_row, post_from_row
from monitor.store.schema import (
    FTS_TABLE,
    TERMS_TABLE,
    ChannelRow,
    HitRow,
    MediaRow,
    PostPlaceRow,
    PostRow,
)

logger = logging.getLogger(__name__)

_fts = table(FTS_TABLE, column("rowid", Integer), column("terms"))
_MATCH = f"{FTS_TABLE} MATCH :match"
_SQLITE = "sqlite"
INDEX_STEP = "search"  # the index's SaveStep: its terms in SavedPost.derived


# Cost per post of the two ways to get the newest matches, measured on the 1,000,000-post
# benchmark archive (bench/search.py): reading a match from FTS5 and sorting it by date, or
# walking the date index and asking FTS5 about each post. Words in more than about 1 % of
# posts are faster the second way; rarer words the first.
SORT_COST_US = 2.0
SCAN_COST_US = 25.0
# The same for category: and hit: filters without words (the hits index is cheaper to ask).
HIT_COSTS_US = (2.0, 0.8)


class SearchRepo:
    """Search the archive with parsed queries; results are domain values."""

    def __init__(
        self,
        db: Database,
        lemmatizer: Lemmatizer,
        *,
        costs_us: tuple[float, float] = (SORT_COST_US, SCAN_COST_US),
        hit_costs_us: tuple[float, float] = HIT_COSTS_US,
        rank_in_fts: bool = True,
    ) -> None:
        self._db = db
        self._lemmatizer = lemmatizer
        self._costs_us = costs_us
        self._hit_costs_us = hit_costs_us
        self._rank_in_fts = rank_in_fts

    def index_hook(self) -> SaveHook:
        """The save step that keeps the index in step with inserted and edited posts: the
        terms are worked out before the transaction, written in it."""
        index_terms = self._lemmatizer.index_terms

        def terms(body: str) -> str:
            return " ".join(lemma_terms(index_terms, body))

        async def index_post(session: AsyncSession, saved: SavedPost) -> None:
            derived = saved.derived.get(INDEX_STEP)
            line = derived if isinstance(derived, str) else terms(saved.post.text)
            photos = await media_terms(session, saved.post_id)  # OCR texts stay findable
            await _write_index(session, [(saved.post_id, f"{line} {photos}" if photos else line)])

        return SaveStep(INDEX_STEP, index_post, terms)

    def plan(self, query: Query) -> FtsPlan:
        return compile_fts(query, query_terms=self._lemmatizer.query_terms)

    async def search(
        self, query: Query, *, sort: Sort = Sort.RELEVANCE, limit: int = 10, offset: int = 0
    ) -> SearchPage:
        """One page of posts matching the query, best first or newest first."""
        plan = self.plan(query)
        async with self._db.read() as session:
            ranked = plan.match is not None and sort is Sort.RELEVANCE
            ids = await self._best(session, plan, query, offset, limit) if ranked else None
            if ids is None:
                scan = not ranked and await self._scan_by_date(session, plan, query, offset + limit)
                stmt = _ids(plan, query, session, scan_by_date=scan)
                order = [_best_first(plan, session)] if ranked else [PostRow.date.desc()]
                stmt = stmt.order_by(*order, PostRow.id.desc()).limit(limit + 1).offset(offset)
                ids = list(await _run(session, query, stmt))
            results = await self._results(session, ids[:limit], plan)
        return SearchPage(query, tuple(results), offset, limit, has_more=len(ids) > limit)

    async def _best(
        self, session: AsyncSession, plan: FtsPlan, query: Query, offset: int, limit: int
    ) -> list[int] | None:
        """The best-ranked ids straight from FTS5, filtered after; None when that cannot work.

        Ranking inside FTS5 skips a posts lookup per match (three times faster). Filters that
        leave few posts could drop too many of the top candidates: the caller then joins.
        """
        filters = query.filters
        dated = filters.since is not None or filters.until is not None  # would drop most
        if not self._rank_in_fts or filters.narrowing or dated or not _is_sqlite(session):
            return None
        wanted = offset + limit + 1
        room = wanted * 2 + 10  # deleted:no, the default, drops a few
        top = (
            select(_fts.c.rowid)
            .where(text(_MATCH).bindparams(match=plan.match))
            .order_by(text(f"bm25({FTS_TABLE})"), _fts.c.rowid.desc())
            .limit(room)
        )
        candidates = list(await _run(session, query, top))
        kept = set(
            await session.scalars(
                select(PostRow.id).where(
                    PostRow.id.in_(candidates), *_filter_conditions(query.filters)
                )
            )
        )
        ordered = [c for c in candidates if c in kept]
        if len(ordered) < wanted and len(candidates) == room:
            return None
        return ordered[offset:wanted]

    async def _scan_by_date(
        self, session: AsyncSession, plan: FtsPlan, query: Query, wanted: int
    ) -> bool:
        """Whether walking the date index beats sorting every match (a word or category in many
        posts); the match count comes cheap from FTS5 or the hits index."""
        if not _is_sqlite(session):
            return False
        filters = query.filters
        if plan.match is not None and not filters.narrowing:
            stmt = (
                select(func.count())
                .select_from(_fts)
                .where(text(_MATCH).bindparams(match=plan.match))
            )
            costs = self._costs_us
        elif plan.match is None and plan.exclude is None and _only_hit_filters(filters):
            stmt = select(func.count(HitRow.id))
            if filters.categories:
                stmt = stmt.where(HitRow.category.in_(filters.categories))
            costs = self._hit_costs_us
        else:
            return False
        matches = int((await _run(session, query, stmt)).one())
        total = int(await session.scalar(select(func.max(PostRow.id))) or 0)
        return prefer_scan(matches, total, wanted + 1, costs)

    async def index_looks_complete(self) -> bool:
        """Whether the oldest and newest stored posts are indexed (cheap: two lookups).

        An archive from before the index (migration 0002) fails this: run `reindex`.
        """
        async with self._db.read() as session:
            index = _fts.c.rowid if _is_sqlite(session) else pg.terms_table.c.post_id
            ends = (await session.execute(select(func.min(PostRow.id), func.max(PostRow.id)))).one()
            for post_id in {i for i in ends if i is not None}:
                found = select(index).where(index == post_id)
                if await session.scalar(found) is None:
                    return False
            return True

    async def count(self, query: Query) -> int:
        """How many posts match (for progress bars and the bot's page count)."""
        plan = self.plan(query)
        async with self._db.read() as session:
            stmt = select(func.count()).select_from(_ids(plan, query, session).subquery())
            return int((await _run(session, query, stmt)).one())

    async def stream(self, query: Query, *, batch: int = 500) -> AsyncIterator[SearchResult]:
        """Every matching post, newest first, `batch` at a time (constant memory, for export)."""
        plan = self.plan(query)
        async with self._db.read() as session:
            scan = await self._scan_by_date(session, plan, query, batch)
        after: tuple[datetime, int] | None = None
        while True:
            async with self._db.read() as session:
                stmt = _ids(plan, query, session, scan_by_date=scan)
                if after is not None:
                    stmt = stmt.where(
                        or_(
                            PostRow.date < after[0],
                            and_(PostRow.date == after[0], PostRow.id < after[1]),
                        )
                    )
                stmt = stmt.order_by(PostRow.date.desc(), PostRow.id.desc()).limit(batch)
                ids = list(await _run(session, query, stmt))
                results = await self._results(session, ids, plan)
            for result in results:
                yield result
            if len(ids) < batch:
                return
            after = (results[-1].post.date, ids[-1])

    async def rebuild_index(self, *, batch: int = 2000) -> int:
        """Index every stored post again (after migration 0002 or a lemmatizer change)."""
        done, last_id = 0, 0
        while True:
            async with self._db.write.begin() as session:
                if last_id == 0:
                    table = FTS_TABLE if _is_sqlite(session) else TERMS_TABLE
                    await session.execute(text(f"DELETE FROM {table}"))
                rows = (
                    await session.execute(
                        select(PostRow.id, PostRow.text)
                        .where(PostRow.id > last_id)
                        .order_by(PostRow.id)
                        .limit(batch)
                    )
                ).all()
                await _index(session, [(r.id, r.text) for r in rows], self._lemmatizer.index_terms)
                await _add_media_terms(session, [r.id for r in rows])
            done += len(rows)
            if len(rows) < batch:
                return done
            last_id = rows[-1].id

    async def _results(
        self, session: AsyncSession, ids: Sequence[int], plan: FtsPlan
    ) -> list[SearchResult]:
        if not ids:
            return []
        rows = (
            await session.execute(
                select(PostRow, ChannelRow)
                .join(ChannelRow, ChannelRow.id == PostRow.channel_id)
                .where(PostRow.id.in_(ids))
            )
        ).all()
        by_id = {post.id: (post, channel) for post, channel in rows}
        hits = await _hits(session, ids)
        media = await _media(session, ids)
        results = []
        for post_id in ids:
            post_row, channel_row = by_id[post_id]
            post = post_from_row(post_row, channel_row.telegram_id)
            spans = highlight_spans(post.text, plan.highlight, self._lemmatizer.index_terms)
            results.append(
                SearchResult(
                    post,
                    channel_from_row(channel_row),
                    hits.get(post_id, ()),
                    spans,
                    media=media.get(post_id, ()),
                )
            )
        return results


async def _index(
    session: AsyncSession, posts: Sequence[tuple[int, str]], index_terms: TermFunction
) -> None:
    terms = [(post_id, " ".join(lemma_terms(index_terms, body))) for post_id, body in posts]
    await _write_index(session, terms)


async def _add_media_terms(session: AsyncSession, post_ids: Sequence[int]) -> None:
    """Append the stored OCR terms of these posts' media to their fresh index entries."""
    if not post_ids:
        return
    rows = await session.execute(
        select(MediaRow.post_id, MediaRow.ocr_terms)
        .where(MediaRow.post_id.in_(post_ids), MediaRow.ocr_terms.is_not(None))
        .order_by(MediaRow.post_id, MediaRow.position)
    )
    extra: dict[int, list[str]] = {}
    for post_id, terms in rows.all():
        extra.setdefault(post_id, []).append(terms or "")
    for post_id, parts in extra.items():
        await append_index_terms(session, post_id, " ".join(parts))


async def append_index_terms(session: AsyncSession, post_id: int, terms: str) -> None:
    """Add terms after those of the post's index entry (an OCR text after the post's own; an
    edit of the text writes both again). FTS5 keeps the line, PostgreSQL a tsvector."""
    if not terms:
        return
    if not _is_sqlite(session):
        await session.execute(pg.APPEND, pg.index_rows([(post_id, terms)]))
        return
    existing = await session.scalar(
        text(f"SELECT terms FROM {FTS_TABLE} WHERE rowid = :id").bindparams(id=post_id)
    )
    line = f"{existing} {terms}" if existing else terms
    await session.execute(
        text(f"INSERT OR REPLACE INTO {FTS_TABLE}(rowid, terms) VALUES (:id, :terms)"),
        {"id": post_id, "terms": line},
    )


async def _write_index(session: AsyncSession, posts: Sequence[tuple[int, str]]) -> None:
    """Index rows (post id, its terms joined by spaces)."""
    if not posts:
        return
    if not _is_sqlite(session):
        await session.execute(pg.UPSERT, pg.index_rows(posts))
        return
    # REPLACE: one statement both for a new post and for an edited one (FTS5 supports it).
    await session.execute(
        text(f"INSERT OR REPLACE INTO {FTS_TABLE}(rowid, terms) VALUES (:id, :terms)"),
        [{"id": post_id, "terms": terms} for post_id, terms in posts],
    )


async def _hits(session: AsyncSession, ids: Sequence[int]) -> dict[int, tuple[Hit, ...]]:
    rows = await session.scalars(
        select(HitRow).where(HitRow.post_id.in_(ids)).order_by(HitRow.post_id, HitRow.id)
    )
    found: dict[int, list[Hit]] = {}
    for row in rows:
        found.setdefault(row.post_id, []).append(hit_from_row(row))
    return {post_id: tuple(hits) for post_id, hits in found.items()}


async def _media(session: AsyncSession, ids: Sequence[int]) -> dict[int, tuple[StoredMedia, ...]]:
    rows = await session.scalars(
        select(MediaRow)
        .where(MediaRow.post_id.in_(ids))
        .order_by(MediaRow.post_id, MediaRow.position, MediaRow.id)
    )
    found: dict[int, list[StoredMedia]] = {}
    for row in rows:
        found.setdefault(row.post_id, []).append(media_from_row(row))
    return {post_id: tuple(items) for post_id, items in found.items()}


async def _run(session: AsyncSession, query: Query, stmt: Select[Any]) -> Any:
    """Run a search statement; an FTS5 complaint becomes a QueryError, never an SQL error."""
    try:
        return await session.scalars(stmt)
    except OperationalError as e:
        if "fts5" not in str(e).lower():
            raise
        logger.warning("fts5 rejected query=%r error=%s", query.text, e.orig)
        raise QueryError(query.text, "this query cannot be searched; try simpler words") from e


def _is_sqlite(session: AsyncSession) -> bool:
    return session.bind is None or session.bind.dialect.name == _SQLITE


def prefer_scan(matches: int, total: int, wanted: int, costs_us: tuple[float, float]) -> bool:
    """Walk the date index (expected wanted * total / matches posts) rather than sort matches?"""
    if matches == 0:
        return False
    sort_cost, scan_cost = costs_us
    return wanted * total / matches * scan_cost < matches * sort_cost


def _ids(
    plan: FtsPlan, query: Query, session: AsyncSession, *, scan_by_date: bool = False
) -> Select[Any]:
    """The ids of matching posts, as a statement to order and limit.

    `scan_by_date`: ask FTS5 about each post met in date order instead of joining every
    match (the planner then walks ix_posts_date and stops at the limit).
    """
    stmt = select(PostRow.id).join(ChannelRow, ChannelRow.id == PostRow.channel_id)
    if not _is_sqlite(session):  # the same lemma tokens in a tsvector (fulltext_pg)
        index = pg.terms_table
        if plan.match:
            stmt = stmt.join(index, index.c.post_id == PostRow.id)
            stmt = stmt.where(pg.match_condition(plan.match))
        if plan.exclude:
            excluded = select(index.c.post_id).where(pg.match_condition(plan.exclude))
            stmt = stmt.where(PostRow.id.not_in(excluded))
    else:
        if plan.match and scan_by_date:
            matching = select(_fts.c.rowid).where(
                text(_MATCH).bindparams(match=plan.match), _fts.c.rowid == PostRow.id
            )
            stmt = stmt.where(exists(matching))
        elif plan.match:
            stmt = stmt.join(_fts, _fts.c.rowid == PostRow.id).where(
                text(_MATCH).bindparams(match=plan.match)
            )
        if plan.exclude:
            excluded = select(_fts.c.rowid).where(text(_MATCH).bindparams(match=plan.exclude))
            stmt = stmt.where(PostRow.id.not_in(excluded))
    walk_hits = scan_by_date and plan.match is None
    return stmt.where(*_filter_conditions(query.filters, walk_hits=walk_hits))


def _best_first(plan: FtsPlan, session: AsyncSession) -> Any:
    """The relevance order: FTS5's bm25 on SQLite, ts_rank (higher first) on PostgreSQL."""
    if _is_sqlite(session) or plan.match is None:
        return text(f"bm25({FTS_TABLE})")
    return pg.rank(plan.match).desc()


def _only_hit_filters(filters: Filters) -> bool:
    """category: or hit:yes, and nothing else narrowing: the hits index can lead."""
    plain = not (
        filters.channels
        or filters.places
        or filters.regions
        or filters.edited is not None
        or filters.deleted is Deleted.YES
    )
    return plain and (bool(filters.categories) or filters.hit is True)


def _filter_conditions(filters: Filters, *, walk_hits: bool = False) -> list[Any]:
    conditions: list[Any] = []
    if filters.channels:
        conditions.append(or_(*(_channel_is(c) for c in filters.channels)))
    conditions += [_names_place(PostPlaceRow.place_id.in_(ids)) for ids in filters.places]
    conditions += [_names_place(PostPlaceRow.region.in_(rs)) for rs in filters.regions]
    if filters.categories:
        conditions.append(_has_hit(HitRow.category.in_(filters.categories), walk=walk_hits))
    if filters.since:
        conditions.append(PostRow.date >= datetime.combine(filters.since, time(), UTC))
    if filters.until:
        end = datetime.combine(filters.until + timedelta(days=1), time(), UTC)
        conditions.append(PostRow.date < end)
    if filters.hit is not None:
        conditions.append(_has_hit(walk=walk_hits) if filters.hit else ~_has_hit())
    if filters.deleted is Deleted.NO:
        conditions.append(PostRow.deleted_at.is_(None))
    elif filters.deleted is Deleted.YES:
        conditions.append(PostRow.deleted_at.is_not(None))
    if filters.edited is not None:
        edited = PostRow.edit_date.is_not(None)
        conditions.append(edited if filters.edited else ~edited)
    return conditions


def _names_place(condition: Any) -> Any:
    """The post names the place or region without doubt (post_places, monitor/places)."""
    return exists().where(
        PostPlaceRow.post_id == PostRow.id, PostPlaceRow.ambiguous.is_(False), condition
    )


def _channel_is(name: str) -> Any:
    options = [func.lower(ChannelRow.username) == name.lower(), ChannelRow.title == name]
    if name.isascii() and name.isdigit() and int(name) <= MAX_ID:  # "²" is a digit too
        options.append(ChannelRow.telegram_id == int(name))
    return or_(*options)


def _has_hit(*conditions: Any, walk: bool = False) -> Any:
    if walk:  # asked per post met on the date index: a lookup in ix_hits_category_post_id
        return exists(select(HitRow.id).where(HitRow.post_id == PostRow.id, *conditions))
    # Uncorrelated: SQLite builds the set of post ids once, not a lookup per post.
    return PostRow.id.in_(select(HitRow.post_id).where(*conditions))
