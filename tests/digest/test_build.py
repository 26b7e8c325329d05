"""The weekly digest: weeks in a timezone, counts and changes, top posts, rendering, the chart."""

from __future__ import annotations

import random
import struct
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest

from monitor.digest.build import (
    Change,
    DigestData,
    HitRecord,
    IsoWeek,
    build_digest,
    due_weeks,
    last_complete_week,
)
from monitor.digest.chart import render_chart
from monitor.digest.render import digest_html, digest_messages, digest_plain
from monitor.markup import MESSAGE_LIMIT

W47 = IsoWeek(2024, 47)
KYIV = "Europe/Kyiv"


def test_iso_weeks_parse_print_and_step() -> None:
    assert IsoWeek.parse("2024-W48") == IsoWeek(2024, 48)
    assert str(IsoWeek(2025, 1).previous()) == "2024-W52"
    assert str(IsoWeek(2020, 53).next()) == "2021-W01"
    with pytest.raises(ValueError, match="not an ISO week"):
        IsoWeek.parse("2024-48")
    with pytest.raises(ValueError, match="53"):
        IsoWeek(2024, 53)


def test_a_week_is_monday_to_monday_in_the_subscribers_timezone() -> None:
    start, end = W47.bounds(KYIV)
    assert start.astimezone(UTC) == datetime(2024, 11, 17, 22, 0, tzinfo=UTC)
    assert end.astimezone(UTC) == datetime(2024, 11, 24, 22, 0, tzinfo=UTC)
    assert W47.send_time(KYIV).astimezone(UTC) == datetime(2024, 11, 25, 7, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "since", "expected"),
    [
        # Monday 25 Nov 08:59 Kyiv: last week's digest is not due yet.
        (
            datetime(2024, 11, 25, 6, 59, tzinfo=UTC),
            datetime(2024, 11, 12, tzinfo=UTC),
            ["2024-W46"],
        ),
        (
            datetime(2024, 11, 25, 7, 0, tzinfo=UTC),
            datetime(2024, 11, 12, tzinfo=UTC),
            ["2024-W46", "2024-W47"],
        ),
        # Back after three weeks down: the missed weeks are still due, at most four.
        (
            datetime(2024, 12, 18, tzinfo=UTC),
            datetime(2024, 1, 1, tzinfo=UTC),
            ["2024-W47", "2024-W48", "2024-W49", "2024-W50"],
        ),
        # Joined on Wednesday: that week counts, the ones before do not.
        (
            datetime(2024, 12, 3, tzinfo=UTC),
            datetime(2024, 11, 20, tzinfo=UTC),
            ["2024-W47", "2024-W48"],
        ),
    ],
)
def test_due_weeks(now: datetime, since: datetime, expected: list[str]) -> None:
    assert [str(w) for w in due_weeks(now, KYIV, since=since)] == expected


def test_last_complete_week_uses_the_local_date() -> None:
    sunday_night_utc = datetime(2024, 11, 24, 23, 30, tzinfo=UTC)  # Monday 01:30 in Kyiv
    assert last_complete_week(sunday_night_utc, KYIV) == W47
    assert last_complete_week(sunday_night_utc, "UTC") == IsoWeek(2024, 46)


CHANNELS = ("@dvizh_mel", "@zp_online", "@berdyansk24", "@herson_now")
CATEGORIES = ("summons", "raid", "enlistment_office")


def _seeded_hits(seed: int) -> list[HitRecord]:
    """Random posts over three weeks around W47 (Kyiv), each with one to three categories."""
    rng = random.Random(seed)
    start, _ = W47.bounds(KYIV)
    hits = []
    for post_id in range(1, 120):
        when = start - timedelta(days=10) + timedelta(minutes=rng.randrange(60 * 24 * 24))
        channel = rng.choice(CHANNELS[:3] if when < start else CHANNELS[1:])
        for category in rng.sample(CATEGORIES, rng.randint(1, 3)):
            hits.append(
                HitRecord(
                    post_id,
                    channel,
                    category,
                    when.astimezone(UTC),
                    f"https://t.me/{channel[1:]}/{post_id}",
                    f"Пост {post_id}: повестки",
                    views=rng.randint(0, 5000),
                    forwards=rng.choice([None, rng.randint(0, 300)]),
                )
            )
    return hits


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_counts_and_changes_match_an_independent_count(seed: int) -> None:
    hits = _seeded_hits(seed)
    start, end = W47.bounds(KYIV)
    digest = build_digest(DigestData(tuple(hits)), start=start, end=end, timezone=KYIV)

    def posts_per(key: str, lo: datetime, hi: datetime) -> dict[str, set[int]]:
        found: dict[str, set[int]] = defaultdict(set)
        for h in hits:
            if lo <= h.date < hi:
                found[getattr(h, key)].add(h.post_id)
        return dict(found)

    this_cat, last_cat = (
        posts_per("category", start, end),
        posts_per("category", start - timedelta(7), start),
    )
    assert {c.name: (c.count, c.previous) for c in digest.by_category} == {
        name: (len(this_cat.get(name, ())), len(last_cat.get(name, ())))
        for name in set(this_cat) | set(last_cat)
    }
    this_ch, last_ch = (
        posts_per("channel", start, end),
        posts_per("channel", start - timedelta(7), start),
    )
    assert {c.name: (c.count, c.previous) for c in digest.by_channel} == {
        name: (len(this_ch.get(name, ())), len(last_ch.get(name, ())))
        for name in set(this_ch) | set(last_ch)
    }
    this_posts = {h.post_id for h in hits if start <= h.date < end}
    assert digest.posts.count == len(this_posts)
    assert digest.new_channels == tuple(sorted(set(this_ch) - set(last_ch)))
    assert digest.quiet_channels == tuple(sorted(set(last_ch) - set(this_ch)))
    assert "@herson_now" in digest.new_channels
    assert "@dvizh_mel" in digest.quiet_channels
    views = {h.post_id: h.views for h in hits if start <= h.date < end}
    best = sorted(views.values(), reverse=True)[:5]
    assert [p.views for p in digest.top_by_views] == best
    for category, per_day in digest.daily:
        assert sum(per_day) == len(this_cat[category])


def test_a_hand_counted_week() -> None:
    start, end = W47.bounds("UTC")
    monday, tuesday = start + timedelta(hours=10), start + timedelta(days=1, hours=10)
    last_week = start - timedelta(days=3)

    def hit(post: int, channel: str, category: str, when: datetime, views: int) -> HitRecord:
        return HitRecord(post, channel, category, when, f"https://t.me/x/{post}", "текст", views, 1)

    data = DigestData(
        (
            hit(1, "@a", "summons", monday, 900),
            hit(1, "@a", "raid", monday, 900),
            hit(2, "@a", "summons", tuesday, 50),
            hit(3, "@b", "summons", tuesday, 5000),
            hit(4, "@c", "raid", last_week, 10),
            hit(5, "@a", "summons", last_week, 10),
        )
    )
    digest = build_digest(data, start=start, end=end, timezone="UTC", top=2)
    assert digest.posts == Change("posts", 3, 2)
    assert digest.by_category == (Change("summons", 3, 1), Change("raid", 1, 1))
    assert digest.by_channel == (Change("@a", 2, 1), Change("@b", 1, 0), Change("@c", 0, 1))
    assert [p.link for p in digest.top_by_views] == ["https://t.me/x/3", "https://t.me/x/1"]
    assert digest.top_by_views[1].categories == ("summons", "raid")
    assert (digest.new_channels, digest.quiet_channels) == (("@b",), ("@c",))
    assert digest.days[0] == date(2024, 11, 18)
    assert dict(digest.daily) == {"raid": (1, 0, 0, 0, 0, 0, 0), "summons": (1, 2, 0, 0, 0, 0, 0)}
    text = digest_plain(digest)
    assert "Weekly digest 2024-W47 (18.11–24.11.2024, UTC)" in text
    assert "Posts with hits: 3 (+1 from 2 last week)" in text
    assert "• summons: 3 (+2 from 1 last week)" in text
    assert "• raid: 1 (±0 from 1 last week)" in text
    assert "• @c: 0 (−1 from 1 last week)" in text
    assert "Channels with hits for the first time this week\n@b" in text
    assert "Channels gone quiet (hits last week, none this week)\n@c" in text
    assert '<a href="https://t.me/x/3">@b</a>' in digest_html(digest)
    assert "5,000 views" in text


def test_a_long_digest_is_split_under_the_limit_into_valid_parts() -> None:
    start, end = W47.bounds("UTC")
    hits = tuple(
        HitRecord(
            i,
            f"@channel_{i:03d}_with_a_long_name",
            "summons",
            start + timedelta(hours=1),
            f"https://t.me/c/{i}",
            "Повестки <раздают> & " * 20,
            views=i,
            forwards=i,
        )
        for i in range(1, 400)
    )
    digest = build_digest(DigestData(hits), start=start, end=end, top=10)
    messages = digest_messages(digest)
    assert len(messages) > 1
    assert all(len(m) <= MESSAGE_LIMIT for m in messages)
    assert all(m.count("<b>") == m.count("</b>") for m in messages)
    assert "&lt;раздают&gt; &amp;" in "".join(messages)


def test_the_chart_is_a_png_of_the_promised_size() -> None:
    start, end = W47.bounds(KYIV)
    digest = build_digest(DigestData(tuple(_seeded_hits(1))), start=start, end=end, timezone=KYIV)
    png = render_chart(digest)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", png[16:24]) == (800, 450)
    empty = build_digest(DigestData(()), start=start, end=end, timezone=KYIV)
    assert render_chart(empty)[:8] == b"\x89PNG\r\n\x1a\n"
