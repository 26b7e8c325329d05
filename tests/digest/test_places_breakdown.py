"""The digest's breakdown by region and settlement, this week against the week before."""

from __future__ import annotations

from datetime import UTC, datetime

from monitor.digest.build import DigestData, HitRecord, build_digest
from monitor.digest.chart import render_chart
from monitor.digest.render import digest_plain

START, END = datetime(2024, 11, 18, tzinfo=UTC), datetime(2024, 11, 25, tzinfo=UTC)


def record(post_id: int, day: int, text: str, category: str = "summons") -> HitRecord:
    return HitRecord(
        post_id=post_id,
        channel="@zp",
        category=category,
        date=datetime(2024, 11, day, 12, tzinfo=UTC),
        link=f"https://t.me/zp/{post_id}",
        text=text,
    )


def test_posts_are_counted_once_per_region_and_settlement_with_last_weeks_counts() -> None:
    data = DigestData(
        (
            record(1, 19, "У Мелітополі роздають повістки"),
            record(1, 19, "У Мелітополі роздають повістки", category="raid"),  # one post
            record(2, 20, "В Мелитополе и Энергодаре раздают повестки"),
            record(3, 21, "В Харькове раздают повестки"),
            record(4, 12, "В Энергодаре повестки"),  # the week before
            record(5, 21, "Повестки раздают везде"),  # no place
        )
    )
    digest = build_digest(data, start=START, end=END)
    regions = {c.name: (c.count, c.previous) for c in digest.by_region}
    assert regions == {
        "Запорізька область (occupied)": (2, 1),
        "Харківська область": (1, 0),
    }
    places = {c.name: (c.count, c.previous) for c in digest.by_place}
    assert places == {
        "Мелітополь / Мелитополь": (2, 0),
        "Енергодар / Энергодар": (1, 1),
        "Харків / Харьков": (1, 0),
    }
    text = digest_plain(digest)
    assert "By region\n• Запорізька область (occupied): 2 (+1 from 1 last week)" in text
    assert "By settlement\n• Мелітополь / Мелитополь: 2 (+2 from 0 last week)" in text
    assert render_chart(digest).startswith(b"\x89PNG")


def test_a_week_without_places_has_no_place_sections() -> None:
    digest = build_digest(DigestData((record(1, 19, "Повестки раздают"),)), start=START, end=END)
    assert (digest.by_region, digest.by_place) == ((), ())
    assert "By region" not in digest_plain(digest)
