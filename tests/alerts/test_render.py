"""Alert text: what the analyst reads, escaped, in their time zone, always under 4096."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from telethon.extensions import html as telethon_html

from monitor.alerts.planning import AlertItem, Sighting
from monitor.alerts.render import render_alert, render_batch, visible_length
from monitor.domain import Channel, Hit, Post, Span
from monitor.markup import MESSAGE_LIMIT

CHANNEL = Channel(telegram_id=1001, title="Мелитополь <live> & news", username="melitopol_news")
OTHER = Channel(telegram_id=1002, title="Херсон онлайн", username="kherson_online")
PRIVATE = Channel(telegram_id=1003, title="Без имени")
TEXT = "В Мелитополе мужчинам вручают повестки прямо на улице"
WHEN = datetime(2024, 11, 25, 9, 30, tzinfo=UTC)


def item(
    text: str = TEXT, *, edited: bool = False, channel: Channel = CHANNEL, **kw: object
) -> AlertItem:
    at = text.find("повестки")
    hits = (
        (Hit("ru.summons.povestka", "summons", (Span(at, at + 8, "повестки"),)),) if at >= 0 else ()
    )
    post = Post(channel.telegram_id, 42, date=WHEN, text=text)
    return AlertItem(1, post, channel, hits, edited=edited, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("timezone", "shown"),
    [
        ("Europe/Kyiv", "2024-11-25 11:30 EET"),
        ("UTC", "2024-11-25 09:30 UTC"),
        ("Europe/Moscow", "2024-11-25 12:30 MSK"),
    ],
)
def test_the_date_is_in_the_subscribers_time_zone(timezone: str, shown: str) -> None:
    assert shown in render_alert(item(), timezone)


def test_an_alert_links_the_post_names_the_category_in_words_and_bolds_the_match() -> None:
    html = render_alert(item(), "UTC")
    assert '<a href="https://t.me/melitopol_news/42">Мелитополь &lt;live&gt; &amp; news</a>' in html
    assert html.startswith("🔔 <b>Draft notice</b> · <b>Summonses</b>\n")
    assert "ru.summons" not in html  # the category in words, not rule ids
    assert "вручают <b>повестки</b> прямо" in html
    text, _ = telethon_html.parse(html)
    assert "Мелитополь <live> & news" in text
    assert "Edited" not in html


def test_a_channel_without_username_links_by_id() -> None:
    assert 'href="https://t.me/c/1003/42"' in render_alert(item(channel=PRIVATE), "UTC")


def test_an_edited_alert_says_so() -> None:
    assert "Edited post now matches" in render_alert(item(edited=True), "UTC")


def test_copies_in_other_channels_are_listed() -> None:
    also = (Sighting(OTHER, 7), Sighting(PRIVATE, 9), Sighting(OTHER, 8))
    html = render_alert(item(also_in=also), "UTC")
    assert "Also in 2 channels" in html
    assert '<a href="https://t.me/kherson_online/7">Херсон онлайн</a>' in html


def test_a_long_post_is_cut_with_a_snippet_and_stays_under_the_limit() -> None:
    long_text = ("Длинный текст <script> & " * 400) + TEXT + (" хвост" * 500)
    html = render_alert(item(long_text), "UTC")
    assert len(html) <= MESSAGE_LIMIT
    assert "<b>повестки</b>" in html  # in the snippet, far beyond the text limit
    assert "&lt;script&gt;" in html
    assert "…" in html
    telethon_html.parse(html)


def test_a_batch_lists_every_alert_under_the_limit() -> None:
    items = [item(TEXT + " " + "слово " * 200, edited=n % 2 == 0) for n in range(25)]
    html = render_batch(items, "Europe/Kyiv")
    text, _ = telethon_html.parse(html)
    assert len(text) == visible_length(html) <= MESSAGE_LIMIT
    assert html.startswith("📦 <b>25 draft notices</b>")
    assert html.count("https://t.me/melitopol_news/42") == 25
    assert "25. 25.11 11:30" in html


def test_a_keyword_expression_shows_the_expression() -> None:
    post = Post(CHANNEL.telegram_id, 5, date=WHEN, text="облава <у> рынка")
    hit = Hit("expr:облава AND рынок", "keywords", (Span(0, 6, "облава"),))
    html = render_alert(AlertItem(1, post, CHANNEL, (hit,)), "UTC")
    assert "<b>keywords</b>: <code>облава AND рынок</code>" in html
    assert "<b>облава</b> &lt;у&gt; рынка" in html
