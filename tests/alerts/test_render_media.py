"""Alerts for hits read in a photo: they say so, their spans never bold the caption, and an
alert that carries its photo fits Telegram's 1024-character caption."""

from __future__ import annotations

from datetime import UTC, datetime

from telethon.extensions import html as telethon_html

from monitor.alerts.planning import AlertItem
from monitor.alerts.render import render_alert, render_batch, visible_length
from monitor.domain import Channel, Hit, Post, Span
from monitor.markup import CAPTION_LIMIT

CHANNEL = Channel(telegram_id=1001, title="Запоріжжя. Новини", username="zp_news")
CAPTION = "ось що роздають сьогодні біля ринку 👇"
OCR = "ПОВЕСТКА\nВам надлежит явиться в военный комиссариат"


def photo_hits() -> tuple[Hit, ...]:
    return (
        Hit(
            "ru.summons.povestka", "summons", (Span(0, 8, "ПОВЕСТКА"),), source="media", media_id=7
        ),
        Hit(
            "ru.enlistment.office",
            "enlistment",
            (Span(31, 38, "военный"), Span(39, 50, "комиссариат")),
            source="media",
            media_id=7,
        ),
    )


def photo_item(text: str = CAPTION) -> AlertItem:
    post = Post(CHANNEL.telegram_id, 5, datetime(2024, 11, 25, 9, tzinfo=UTC), text)
    return AlertItem(1, post, CHANNEL, photo_hits(), photo="a" * 64)


def test_a_hit_in_the_photo_says_so_and_bolds_nothing_in_the_caption() -> None:
    html = render_alert(photo_item(), "UTC")
    assert "📷 in the photo: «повестка», «военный комиссариат»" in html
    assert f"<blockquote>{CAPTION}</blockquote>" in html  # no span of the OCR text in it
    assert "<b>Summonses</b>" in html  # the category in words, not the rule id


def test_an_alert_with_its_photo_fits_a_caption_however_long_the_post() -> None:
    html = render_alert(photo_item("Довгий допис про все на світі. " * 200), "UTC")
    text, _ = telethon_html.parse(html)
    assert len(text) <= CAPTION_LIMIT
    assert visible_length(html) <= CAPTION_LIMIT
    assert "📷 in the photo" in html


def test_a_batch_marks_the_alerts_read_in_a_photo() -> None:
    html = render_batch([photo_item(), photo_item()], "UTC")
    assert html.count("📷") == 2
