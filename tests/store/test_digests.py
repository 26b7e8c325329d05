"""Digest data from the archive, and the per-subscriber, per-week record that stops a resend."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner, Result

from monitor.alerts.planning import Prefilter
from monitor.cli import app
from monitor.digest.build import IsoWeek
from monitor.digest.weekly import digest_for_week
from monitor.domain import Channel, Post, SubscriptionKind
from monitor.errors import NotFoundError
from monitor.store.channels import ChannelRepo
from monitor.store.digests import DigestRepo, candidate_page
from monitor.store.engine import Database
from monitor.store.posts import PostRepo
from monitor.store.subscribers import SubscriberRepo
from tests.conftest import NOW
from tests.stand_in_matcher import find_hits

W47 = IsoWeek(2024, 47)
MEL = Channel(telegram_id=2001, title="Мелитополь", username="mel")
BERD = Channel(telegram_id=2002, title="Бердянськ", username="berd")
START, END = W47.bounds("Europe/Moscow")

# (channel, message id, hours from the start of W47 in Moscow, text)
SEEDED = [
    (MEL, 1, 2, "В Мелитополе раздают повестки у рынка."),
    (MEL, 2, 30, "Облава в центре, военкомат проверяет документы."),
    (MEL, 3, 31, "Погода: дождь."),
    (BERD, 4, 50, "У Бердянську роздають повістки біля школи."),
    (BERD, 5, 170, "Повістки у ТЦК — після тижня, не рахується."),  # after W47 ends (168 h)
    (MEL, 6, -20, "Повестки на прошлой неделе."),
    (MEL, 7, -100, "Облава на прошлой неделе, военкомат."),
    (BERD, 8, -200, "Повістки ще раніше — до попереднього тижня."),
]


async def _seed(db: Database) -> None:
    for channel in (MEL, BERD):
        await ChannelRepo(db).upsert_channel(channel, now=NOW)
        posts = [
            Post(channel.telegram_id, mid, START + timedelta(hours=h), body, views=mid * 100)
            for ch, mid, h, body in SEEDED
            if ch is channel
        ]
        await PostRepo(db).save_posts(channel.telegram_id, posts, now=NOW, find_hits=find_hits)


async def test_the_whole_archive_digest_gives_counts_matching_the_seed(database: Database) -> None:
    await _seed(database)
    digest = await digest_for_week(DigestRepo(database), W47, "Europe/Moscow", None)

    expected: dict[str, list[int]] = {}  # category -> [this week, last week], counted by hand
    for _channel, _mid, hours, body in SEEDED:
        column = 0 if 0 <= hours < 168 else 1 if -168 <= hours < 0 else None
        if column is None:
            continue
        for hit in find_hits(body):
            expected.setdefault(hit.category, [0, 0])[column] += 1
    assert {c.name: [c.count, c.previous] for c in digest.by_category} == expected
    assert expected == {"summons": [2, 1], "raid": [1, 1], "enlistment_office": [1, 1]}
    assert {c.name: (c.count, c.previous) for c in digest.by_channel} == {
        "@mel": (2, 2),
        "@berd": (1, 0),
    }
    assert digest.new_channels == ("@berd",)
    assert [p.link for p in digest.top_by_views][:2] == [
        "https://t.me/berd/4",
        "https://t.me/mel/2",
    ]


def _prefilter(
    categories: tuple[str, ...] = (),
    rules: tuple[str, ...] = (),
    *,
    any_text: bool = False,
    channels: tuple[str, ...] | None = None,
) -> Prefilter:
    return Prefilter(
        frozenset(categories),
        frozenset(rules),
        any_text,
        None if channels is None else frozenset(channels),
    )


@pytest.mark.parametrize(
    ("wanted", "expected"),
    [
        (None, [7, 6, 1, 2, 4]),  # every post with a hit, oldest first
        (_prefilter(("raid",)), [7, 2]),
        (_prefilter((), ("summons.stand_in",)), [6, 1, 4]),
        (_prefilter(("summons",), channels=("berd",)), [4]),
        (_prefilter(any_text=True), [7, 6, 1, 2, 3, 4]),  # keywords read every post
        (_prefilter(any_text=True, channels=("2001",)), [7, 6, 1, 2, 3]),
        (_prefilter(("summons",), channels=("nobody",)), []),
    ],
)
async def test_candidate_posts_come_a_page_at_a_time_oldest_first(
    database: Database, wanted: Prefilter | None, expected: list[int]
) -> None:
    await _seed(database)
    since = START - (END - START)
    pages = [
        page
        async for page in DigestRepo(database).stream_posts(
            since=since, end=END, wanted=wanted, batch=2
        )
    ]
    assert [p.post.message_id for page in pages for p in page] == expected
    assert all(len(page) <= 2 for page in pages)
    by_id = {p.post.message_id: p for page in pages for p in page}
    if 2 in by_id:  # every hit of a candidate, whatever matched: the scope decides on them all
        assert {h.category for h in by_id[2].hits} == {"raid", "enlistment_office"}
        assert by_id[2].channel.label == "@mel"


@pytest.mark.sqlite_only("SQLite's query plan")
@pytest.mark.parametrize(
    ("wanted", "index"),
    [
        (None, "ix_posts_date"),
        (_prefilter(("summons",), ("raid.stand_in",)), "ix_posts_date"),
        (_prefilter(any_text=True), "ix_posts_date"),
        (_prefilter(("summons",), channels=("mel",)), "ix_posts_channel_id_date"),
        (_prefilter(any_text=True, channels=("mel",)), "ix_posts_channel_id_date"),
    ],
)
async def test_digest_pages_read_posts_through_a_date_index(
    database: Database, wanted: Prefilter | None, index: str
) -> None:
    for after in (None, (START, 5)):
        stmt = candidate_page(START, END, wanted, [1, 2], after, 2000)
        async with database.read() as session:
            compiled = stmt.compile(session.bind, compile_kwargs={"literal_binds": True})
            plan = [row[3] for row in await session.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))]
        assert any(f"USING INDEX {index} (" in step and "date>" in step for step in plan), plan
        assert not any(step.startswith("SCAN posts") for step in plan), plan
        assert not any(step.startswith("SCAN hits") for step in plan), plan


async def _subscriber(db: Database, telegram_user_id: int = 777) -> int:
    async with db.write.begin() as session:
        await session.execute(
            text(
                "INSERT INTO subscribers (telegram_user_id, display_name, role, status, timezone,"
                " created_at) VALUES (:u, 'Olena', 'analyst', 'approved', 'Europe/Kyiv', :now)"
            ),
            {"u": telegram_user_id, "now": NOW.replace(tzinfo=None)},
        )
    return (await DigestRepo(db).get_subscriber_timezone(telegram_user_id))[0]


async def test_a_week_is_claimed_once_and_never_sent_twice(database: Database) -> None:
    repo = DigestRepo(database)
    sid = await _subscriber(database)
    weeks = ["2024-W46", "2024-W47"]
    assert await repo.list_unrecorded(sid, weeks) == weeks
    assert await repo.claim(sid, "2024-W47") is True
    assert await repo.claim(sid, "2024-W47") is False
    await repo.mark_sent(sid, "2024-W47", [501, 502], now=NOW)
    record = await repo.find_record(sid, "2024-W47")
    assert record is not None
    assert (record.status, record.message_ids, record.sent_at) == ("sent", (501, 502), NOW)
    await repo.release(sid, "2024-W47")  # a sent week is never given back
    assert await repo.claim(sid, "2024-W47") is False
    assert await repo.list_unrecorded(sid, weeks) == ["2024-W46"]


async def test_a_failed_send_releases_the_week_for_a_retry(database: Database) -> None:
    repo = DigestRepo(database)
    sid = await _subscriber(database)
    assert await repo.claim(sid, "2024-W46")
    await repo.release(sid, "2024-W46")
    assert await repo.list_unrecorded(sid, ["2024-W46"]) == ["2024-W46"]
    assert await repo.claim(sid, "2024-W46")


async def test_concurrent_claims_let_exactly_one_through(database: Database) -> None:
    repo = DigestRepo(database)
    sid = await _subscriber(database)
    results = await asyncio.gather(*(repo.claim(sid, "2024-W47") for _ in range(8)))
    assert sorted(results) == [False] * 7 + [True]


async def test_marking_an_unclaimed_week_and_an_unknown_subscriber_are_errors(
    database: Database,
) -> None:
    repo = DigestRepo(database)
    sid = await _subscriber(database)
    with pytest.raises(NotFoundError, match="digest claim"):
        await repo.mark_sent(sid, "2024-W40", [1], now=NOW)
    with pytest.raises(NotFoundError, match="subscriber 12345"):
        await repo.get_subscriber_timezone(12345)


def test_cli_preview_writes_text_html_and_chart(
    db_url: str, clean_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    async def seed() -> None:
        db = Database.open(db_url)
        try:
            await _seed(db)
            subscriber_id = await _subscriber(db, 4242)
            await SubscriberRepo(db).save_subscription(
                subscriber_id, SubscriptionKind.CATEGORY, "raid", [], now=NOW
            )
            await _subscriber(db, 4343)  # no subscriptions
        finally:
            await db.close()

    asyncio.run(seed())
    monkeypatch.setenv("DATABASE_URL", db_url)
    out = tmp_path / "preview"

    def preview(*args: str) -> Result:
        return CliRunner().invoke(
            app, ["digest", "--preview", "--week", "2024-W47", *args, "--out", str(out)]
        )

    result = preview("--subscriber", "4242")
    assert result.exit_code == 0, result.output
    assert "digest 2024-W47 (Europe/Kyiv): 1 posts with hits" in result.output
    body = (out / "digest.txt").read_text(encoding="utf-8")
    assert "Covers only your subscription:\n• #1 category raid\n" in body
    assert "• raid: 1 (±0 from 1 last week)" in body
    assert "summons" not in body
    assert "<b>Weekly digest 2024-W47</b>" in (out / "digest.html").read_text(encoding="utf-8")
    assert (out / "chart.png").read_bytes()[:4] == b"\x89PNG"

    everything = preview()
    assert everything.exit_code == 0, everything.output
    body = (out / "digest.txt").read_text(encoding="utf-8")
    assert "Covers every hit in the archive" in body
    assert "• summons: 2 (±0 from 2 last week)" in body  # the default zone, UTC

    nothing = preview("--subscriber", "4343")
    assert nothing.exit_code == 2
    assert "Subscriber 4343 has no subscriptions" in nothing.output
    bad = CliRunner().invoke(app, ["digest", "--preview", "--week", "48", "--out", str(out)])
    assert bad.exit_code == 2
    assert "not an ISO week like 2024-W48" in bad.output


def test_cli_preview_without_out_writes_a_named_folder_and_says_where(
    db_url: str, clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asyncio.run(_seeded(db_url))
    monkeypatch.setenv("DATABASE_URL", db_url)
    result = CliRunner().invoke(app, ["digest", "--preview", "--week", "2024-W47"])
    assert result.exit_code == 0, result.output
    [folder] = list(clean_env.glob("draftwatch-digest-*"))
    assert f"written to {folder}/digest.txt" in result.output.replace("\n", "")
    assert "Covers every hit in the archive" in (folder / "digest.txt").read_text(encoding="utf-8")


async def _seeded(url: str) -> None:
    db = Database.open(url)
    try:
        await _seed(db)
    finally:
        await db.close()
