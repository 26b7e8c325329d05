"""The bot's answers that read the archive: /search pages with buttons, /digest on demand (does I/O)."""

from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from monitor.bot.conversation import Button, Reply
from monitor.digest.build import IsoWeek
from monitor.digest.chart import render_chart
from monitor.digest.render import chart_caption, digest_messages, no_subscriptions_html
from monitor.digest.weekly import digest_for_week
from monitor.domain import Subscription
from monitor.errors import CommandError, QueryError
from monitor.search.query import Sort, parse_query
from monitor.search.render import search_page_messages
from monitor.store.digests import DigestRepo
from monitor.store.search import SearchRepo

PAGE_SIZE = 5
REMEMBERED_QUERIES = 2000  # queries behind page buttons (callback data holds 64 bytes at most)


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
        except QueryError as e:
            raise CommandError(
                f"{e.problem}\nExample: /search повестка channel:@melitopol_news since:2024-11-01"
            ) from e
        messages = search_page_messages(found, timezone=timezone)
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

    def _remember(self, chat_id: int, text: str) -> str:
        token = hashlib.sha256(f"{chat_id}\n{text}".encode()).hexdigest()[:12]
        self._queries[token] = (chat_id, text)
        self._queries.move_to_end(token)
        while len(self._queries) > REMEMBERED_QUERIES:
            self._queries.popitem(last=False)
        return token
