"""Search results as the bot shows them: short cards with bold matches, escaped text, links."""

from __future__ import annotations

from datetime import UTC, datetime

from monitor.domain import Channel, Hit, Post, Span
from monitor.markup import MESSAGE_LIMIT
from monitor.search.query import SearchPage, SearchResult, parse_query
from monitor.search.render import result_card, result_record, search_page_messages

CHANNEL = Channel(telegram_id=1001, title="Движение", username="dvizh_mel")


def _result(message_id: int, text: str, *, deleted: bool = False) -> SearchResult:
    at = text.find("повестк")
    post = Post(
        1001,
        message_id,
        datetime(2024, 11, 20, 7, 30, tzinfo=UTC),
        text,
        deleted_at=datetime(2024, 11, 21, tzinfo=UTC) if deleted else None,
    )
    hits = (Hit("ru.summons", "summons", (Span(at, at + 8, text[at : at + 8]),)),)
    return SearchResult(post, CHANNEL, hits, ((at, at + 8),))


def test_a_card_shows_channel_local_time_category_bold_match_and_link() -> None:
    card = result_card(
        _result(5, "В <Мелитополе> раздают повестки & штрафы", deleted=True),
        number=3,
        timezone="Europe/Kyiv",
    )
    assert card == (
        "<b>3.</b> @dvizh_mel · 2024-11-20 09:30 · summons · <i>deleted</i>\n"
        "В &lt;Мелитополе&gt; раздают <b>повестки</b> &amp; штрафы\n"
        '<a href="https://t.me/dvizh_mel/5">open post</a>'
    )


def test_a_page_has_a_header_and_stays_under_the_limit() -> None:
    results = tuple(_result(i, "Раздают повестки у рынка. " * 40) for i in range(1, 11))
    page = SearchPage(parse_query("повестка"), results, offset=10, limit=10, has_more=True)
    messages = search_page_messages(page)
    assert messages[0].startswith("Results 11–20 for <code>повестка</code> (more on the next page)")
    assert all(len(m) <= MESSAGE_LIMIT for m in messages)
    assert "<b>20.</b>" in messages[-1]


def test_nothing_found_says_so() -> None:
    page = SearchPage(parse_query("облава"), (), offset=0, limit=10, has_more=False)
    assert search_page_messages(page) == ["Nothing found for <code>облава</code>."]


def test_a_record_flattens_a_result_for_csv_and_jsonl() -> None:
    record = result_record(_result(7, "повестки"))
    assert record["link"] == "https://t.me/dvizh_mel/7"
    assert record["categories"] == "summons"
    assert record["date"] == "2024-11-20T07:30:00+00:00"
