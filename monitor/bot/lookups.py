"""The bot's answers that read the archive: /search pages with buttons, /digest on demand (does I/O)."""

from __future__ import annotations

import asyncio
import hashlib
import io
from collections import OrderedDict
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from monitor.alerts.planning import make_expression_hits, prefilter, select_recipients
from monitor.bot.replies import Button, Reply
from monitor.bot.subscribing import fired_by
from monitor.digest.build import ArchivedPost, IsoWeek
from monitor.digest.chart import render_chart
from monitor.digest.render import chart_caption, digest_messages, no_subscriptions_html
from monitor.digest.weekly import digest_for_week
from monitor.domain import Subscription
from monitor.errors import CommandError, QueryError
from monitor.markup import escape, snippet
from monitor.search.query import Sort, parse_query
from monitor.search.render import record_writer, search_page_messages
from monitor.store.digests import DigestRepo
from monitor.store.search import SearchRepo

PAGE_SIZE = 5
PREVIEW_PERIOD = timedelta(days=7)
PREVIEW_SHOWN = 3
EXPORT_POSTS = 5000  # posts in one /export file
EXPORT_BYTES = 20_000_000  # under the 50 MB a bot may send, with room
PREVIEW_WIDTH = 120
_EXPRESSION_HITS = make_expression_hits()
REMEMBERED_QUERIES = 2000  # queries behind page buttons (callback data holds 64 bytes at most)


def _matches(expression: str, *, text: str) -> bool:
    return bool(_EXPRESSION_HITS(expression, text))


class ArchiveAnswers:
    """Answers /search and /digest; page buttons carry a token that stands for the query in
    one chat: another chat cannot page through it."""

    def __init__(self, search: SearchRepo, digests: DigestRepo) -> None:
        self._search = search
        self._digests = digests
        self._queries: OrderedDict[str, tuple[int, str]] = OrderedDict()  # token -> (chat, query)

    async def search(
        self, chat_id: int, text: str, *, page: int = 0, timezone: str = "UTC"
    ) -> list[Reply]:
        """One page of results as short cards, newest first, with ◀ / ▶ buttons when there are more."""
        try:
            query = parse_query(text)
            found = await self._search.search(
                query, sort=Sort.DATE, limit=PAGE_SIZE, offset=page * PAGE_SIZE
            )
            total = await self._search.count(query) if found.results else 0
        except QueryError as e:
            raise CommandError(
                f"{e.problem}\nExample: /search повестка channel:@melitopol_news since:2024-11-01"
            ) from e
        messages = search_page_messages(found, timezone=timezone, total=total)
        token = self._remember(chat_id, text)
        row = []
        if page > 0:
            row.append(Button("◀ Newer", f"search:{page - 1}:{token}"))
        if found.has_more:
            row.append(Button("Older ▶", f"search:{page + 1}:{token}"))
        out = [Reply(chat_id, html) for html in messages]
        if out and row:
            last = out[-1]
            out[-1] = Reply(last.chat_id, last.html, (tuple(row),))
        return out

    async def page(self, chat_id: int, data: str, *, timezone: str) -> list[Reply]:
        """A ◀ / ▶ press: `search:<page>:<token>`."""
        raw_page, _, token = data.removeprefix("search:").partition(":")
        owner, text = self._queries.get(token, (None, ""))
        if owner is None or not raw_page.isdigit():
            raise CommandError("That search has expired: send /search again.")
        if owner != chat_id:
            raise CommandError("That search page belongs to another chat: send /search yourself.")
        return await self.search(chat_id, text, page=int(raw_page), timezone=timezone)

    async def digest(
        self,
        chat_id: int,
        *,
        subscriptions: Sequence[Subscription],
        timezone: str,
        now: datetime,
    ) -> list[Reply]:
        """This week's digest so far of what the subscriptions match, in the subscriber's zone:
        text, then the chart as a photo; without subscriptions, how to subscribe."""
        week = IsoWeek.of(now.astimezone(ZoneInfo(timezone)).date())
        if not subscriptions:
            return [Reply(chat_id, no_subscriptions_html(week))]
        digest = await digest_for_week(self._digests, week, timezone, subscriptions)
        chart = await asyncio.to_thread(render_chart, digest)
        out = [Reply(chat_id, html) for html in digest_messages(digest)]
        out.append(Reply(chat_id, chart_caption(week, so_far=True), photo=chart))
        return out

    async def preview(self, subscription: Subscription, *, now: datetime, timezone: str) -> str:
        """`📊 Last week this would have matched 4 posts; the top 3: …` (most viewed first)."""
        matched: list[tuple[ArchivedPost, list[tuple[int, int]]]] = []
        wanted = prefilter([subscription])
        async for page in self._digests.stream_posts(
            since=now - PREVIEW_PERIOD, end=now, wanted=wanted
        ):
            for item in page:
                text = item.post.text
                hits = select_recipients(
                    [subscription], item.hits, item.channel, partial(_matches, text=text)
                )
                if hits:
                    spans = [(s.start, s.end) for h in fired_by(subscription, item.hits,
                             item.post.text) for s in h.spans]  # fmt: skip
                    matched.append((item, spans))
        if not matched:
            return "📊 Last week this would have matched no post."
        matched.sort(key=lambda m: (m[0].post.views or 0, m[0].post.date), reverse=True)
        lines = [
            f"📊 Last week this would have matched {len(matched)} "
            f"{'post' if len(matched) == 1 else 'posts'}"
            + ("; the top 3:" if len(matched) > PREVIEW_SHOWN else ":")
        ]
        zone = ZoneInfo(timezone)
        for item, spans in matched[:PREVIEW_SHOWN]:
            post, channel = item.post, item.channel
            link = escape(channel.post_link(post.message_id))
            when = post.date.astimezone(zone).strftime("%d.%m %H:%M")
            lines.append(
                f'• <a href="{link}">{escape(channel.label)}</a> {when}: '
                + snippet(post.text, sorted(set(spans)), width=PREVIEW_WIDTH)
            )
        return "\n".join(lines)

    async def export(self, chat_id: int, text: str, *, fmt: str, now: datetime) -> list[Reply]:
        """Every post a search finds as a CSV (UTF-8 with BOM: Excel reads Cyrillic) or JSONL
        document; past EXPORT_POSTS posts or EXPORT_BYTES, a message that says how to narrow."""
        try:
            query = parse_query(text)
            total = await self._search.count(query)
        except QueryError as e:
            raise CommandError(f"{e.problem}\nExample: /export повестка since:2024-11-01") from e
        if total == 0:
            return [Reply(chat_id, f"Nothing found for <code>{escape(text)}</code>.")]
        if total > EXPORT_POSTS:
            raise CommandError(
                f"The search finds {total} posts; a file in the chat holds at most "
                f"{EXPORT_POSTS}. Narrow it (since:, until:, channel:, category:) or ask an "
                "operator for `python bot.py export`."
            )
        out = io.StringIO()
        write = record_writer(fmt, out)
        async for result in self._search.stream(query):
            write(result)
        data = (("\ufeff" if fmt == "csv" else "") + out.getvalue()).encode("utf-8")
        if len(data) > EXPORT_BYTES:
            raise CommandError(
                f"The file would be {len(data) // 1_000_000} MB, over the "
                f"{EXPORT_BYTES // 1_000_000} MB a file in the chat may have: narrow the search "
                "(since:, until:, channel:)."
            )
        name = f"draftwatch-export-{now:%Y%m%d-%H%M}.{fmt}"
        caption = f"📄 {total} {'post' if total == 1 else 'posts'} for <code>{escape(text)}</code>"
        return [Reply(chat_id, caption, document=(name, data))]

    def _remember(self, chat_id: int, text: str) -> str:
        token = hashlib.sha256(f"{chat_id}\n{text}".encode()).hexdigest()[:12]
        self._queries[token] = (chat_id, text)
        self._queries.move_to_end(token)
        while len(self._queries) > REMEMBERED_QUERIES:
            self._queries.popitem(last=False)
        return token
