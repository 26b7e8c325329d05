"""Digest delivery: due weeks go out once, survive a restart, and a failed send is retried; each
subscriber's digest covers only their subscriptions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from monitor.alerts.planning import make_expression_hits
from monitor.digest.build import IsoWeek
from monitor.digest.render import digest_plain
from monitor.digest.weekly import digest_for_week, send_due_digests
from monitor.domain import Post, Subscription, SubscriptionKind
from monitor.store.channels import ChannelRepo
from monitor.store.digests import DigestRepo
from monitor.store.engine import Database
from monitor.store.outbox import make_outbox_hook
from monitor.store.posts import PostRepo
from monitor.store.subscribers import SubscriberRepo
from tests.conftest import NOW
from tests.stand_in_matcher import find_hits
from tests.store.test_digests import BERD, MEL, SEEDED, _seed, _subscriber

KYIV = "Europe/Kyiv"
JOINED = datetime(2024, 11, 1, tzinfo=UTC)
MONDAY_10_KYIV = datetime(2024, 11, 25, 8, 0, tzinfo=UTC)


class Outbox:
    """A DigestSender that keeps what it was given (a fake of our own interface)."""

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.sent: list[tuple[str, int, bytes | None]] = []
        self.texts: list[str] = []

    async def __call__(
        self, week: IsoWeek, messages: Sequence[str], chart: bytes | None
    ) -> list[int]:
        if self.fail:
            raise ConnectionError("telegram unreachable")
        self.sent.append((str(week), len(messages), chart[:4] if chart else None))
        self.texts.append("\n".join(messages))
        return [100 + len(self.sent)]


async def _subscribe(
    db: Database, subscriber_id: int, kind: SubscriptionKind, value: str, *channels: str
) -> list[Subscription]:
    repo = SubscriberRepo(db)
    await repo.save_subscription(subscriber_id, kind, value, channels, now=NOW)
    return await repo.list_subscriptions(subscriber_id)


async def _sending(db: Database, outbox: Outbox, *categories: str) -> dict[str, Any]:
    """send_due_digests' arguments for a subscriber in Kyiv since JOINED, subscribed to these."""
    sid = await _subscriber(db)
    subs: list[Subscription] = []
    for category in categories:
        subs = await _subscribe(db, sid, SubscriptionKind.CATEGORY, category)
    return {
        "subscriber_id": sid,
        "subscriptions": subs,
        "timezone": KYIV,
        "joined": JOINED,
        "send": outbox,
    }


async def test_due_weeks_are_sent_once_even_after_a_restart(database: Database) -> None:
    await _seed(database)
    outbox = Outbox()
    repo = DigestRepo(database)
    kwargs = await _sending(database, outbox, "summons")
    sid = kwargs["subscriber_id"]
    first = await send_due_digests(repo, now=MONDAY_10_KYIV, **kwargs)
    assert [str(w) for w in first] == ["2024-W44", "2024-W45", "2024-W46", "2024-W47"]
    restarted = DigestRepo(database)
    again = await send_due_digests(restarted, now=MONDAY_10_KYIV + timedelta(minutes=5), **kwargs)
    assert again == []
    assert [w for w, _, _ in outbox.sent] == ["2024-W44", "2024-W45", "2024-W46", "2024-W47"]
    assert all(png == b"\x89PNG" for _, _, png in outbox.sent)
    record = await repo.find_record(sid, "2024-W47")
    assert record is not None
    assert (record.status, record.message_ids) == ("sent", (104,))


async def test_a_week_missed_while_down_is_sent_on_return(database: Database) -> None:
    outbox = Outbox()
    repo = DigestRepo(database)
    kwargs = await _sending(database, outbox, "summons")
    await send_due_digests(repo, now=MONDAY_10_KYIV - timedelta(days=7), **kwargs)
    # Down from Sunday to Wednesday: the Monday run never happened.
    back = await send_due_digests(repo, now=MONDAY_10_KYIV + timedelta(days=2), **kwargs)
    assert back == [IsoWeek(2024, 47)]


async def test_a_failed_send_releases_the_week_for_the_next_run(database: Database) -> None:
    sid = await _subscriber(database)
    repo = DigestRepo(database)
    kwargs = {
        "subscriber_id": sid,
        "subscriptions": await _subscribe(database, sid, SubscriptionKind.CATEGORY, "raid"),
        "timezone": KYIV,
        "joined": datetime(2024, 11, 20, tzinfo=UTC),
    }
    with pytest.raises(ConnectionError):
        await send_due_digests(repo, now=MONDAY_10_KYIV, send=Outbox(fail=True), **kwargs)
    assert await repo.find_record(sid, "2024-W47") is None
    outbox = Outbox()
    assert await send_due_digests(repo, now=MONDAY_10_KYIV, send=outbox, **kwargs) == [
        IsoWeek(2024, 47)
    ]


async def test_digest_for_week_counts_the_seeded_posts(database: Database) -> None:
    await _seed(database)
    digest = await digest_for_week(DigestRepo(database), IsoWeek(2024, 47), "Europe/Moscow", None)
    assert (digest.posts.count, digest.posts.previous) == (3, 2)


async def test_two_analysts_with_different_subscriptions_get_different_digests(
    database: Database,
) -> None:
    await _seed(database)
    olena, petro = await _subscriber(database, 777), await _subscriber(database, 778)
    # Olena: summons anywhere. Petro: raids, and summons only in Berdyansk.
    olena_subs = await _subscribe(database, olena, SubscriptionKind.CATEGORY, "summons")
    await _subscribe(database, petro, SubscriptionKind.CATEGORY, "raid")
    petro_subs = await _subscribe(
        database, petro, SubscriptionKind.RULE, "summons.stand_in", BERD.label
    )
    repo = DigestRepo(database)
    week = IsoWeek(2024, 47)
    mine = await digest_for_week(repo, week, "Europe/Moscow", olena_subs)
    his = await digest_for_week(repo, week, "Europe/Moscow", petro_subs)

    # Counted by hand from SEEDED: summons in 1 (@mel) and 4 (@berd), 6 last week; raid in 2,
    # 7 last week; the weather post 3 and the office hits of 2 and 7 count for nobody.
    assert [(c.name, c.count, c.previous) for c in mine.by_category] == [("summons", 2, 1)]
    assert [(c.name, c.count, c.previous) for c in mine.by_channel] == [
        ("@mel", 1, 1),
        ("@berd", 1, 0),
    ]
    assert [(c.name, c.count, c.previous) for c in his.by_category] == [
        ("raid", 1, 1),
        ("summons", 1, 0),
    ]
    assert (mine.posts.count, his.posts.count) == (2, 2)
    assert dict(mine.daily) == {"summons": (1, 0, 1, 0, 0, 0, 0)}
    assert dict(his.daily) == {"raid": (0, 1, 0, 0, 0, 0, 0), "summons": (0, 0, 1, 0, 0, 0, 0)}
    assert [p.link for p in mine.top_by_views] == ["https://t.me/berd/4", "https://t.me/mel/1"]
    assert [p.link for p in his.top_by_views] == ["https://t.me/berd/4", "https://t.me/mel/2"]
    his_text = digest_plain(his)
    assert "Облава в центре" in his_text
    assert "раздают повестки у рынка" not in his_text  # summons in @mel: not his
    assert "enlistment_office" not in digest_plain(mine) + his_text

    outboxes = {olena: Outbox(), petro: Outbox()}
    for sid, subs in ((olena, olena_subs), (petro, petro_subs)):
        await send_due_digests(
            repo,
            subscriber_id=sid,
            subscriptions=subs,
            timezone="Europe/Moscow",
            joined=datetime(2024, 11, 19, tzinfo=UTC),
            now=MONDAY_10_KYIV,
            send=outboxes[sid],
        )
    [olena_text], [petro_text] = outboxes[olena].texts, outboxes[petro].texts
    assert "Covers only your subscription:" in olena_text
    assert "Covers only your 2 subscriptions:" in petro_text
    assert "category <code>raid</code>" in petro_text
    assert "rule <code>summons.stand_in</code> in @berd" in petro_text
    assert "raid" not in olena_text


async def test_without_subscriptions_the_newest_week_brings_a_note_and_no_chart(
    database: Database,
) -> None:
    await _seed(database)
    outbox = Outbox()
    repo = DigestRepo(database)
    kwargs = await _sending(database, outbox)
    sid = kwargs["subscriber_id"]
    sent = await send_due_digests(repo, now=MONDAY_10_KYIV, **kwargs)
    assert sent == [IsoWeek(2024, 47)]  # one note, not four, after a long absence
    assert outbox.sent == [("2024-W47", 1, None)]
    [note] = outbox.texts
    assert "You have no subscriptions" in note
    assert "/subscribe" in note
    assert "Posts" not in note
    for week in ("2024-W44", "2024-W45", "2024-W46", "2024-W47"):
        record = await repo.find_record(sid, week)
        assert record is not None
        assert record.status == "sent"
    assert await send_due_digests(repo, now=MONDAY_10_KYIV, **kwargs) == []
    assert len(outbox.sent) == 1


async def test_a_digest_holds_the_posts_its_subscriber_was_alerted_about(
    database: Database,
) -> None:
    """The outbox hook and the digest decide alike: one source of truth (select_recipients)."""
    olena, petro = await _subscriber(database, 777), await _subscriber(database, 778)
    await _subscribe(database, olena, SubscriptionKind.CATEGORY, "summons", "@mel")
    olena_subs = await _subscribe(database, olena, SubscriptionKind.EXPRESSION, "дождь")
    await _subscribe(database, petro, SubscriptionKind.RULE, "raid.stand_in")
    petro_subs = await _subscribe(database, petro, SubscriptionKind.CATEGORY, "summons", "2002")
    start, _ = IsoWeek(2024, 47).bounds("Europe/Moscow")
    hook = make_outbox_hook(make_expression_hits())
    for channel in (MEL, BERD):  # watched well before the posts: they alert, not history
        added = replace(channel, added_at=start - timedelta(days=30))
        await ChannelRepo(database).upsert_channel(added, now=start - timedelta(days=30))
        posts = [
            Post(channel.telegram_id, mid, start + timedelta(hours=h), body, views=mid * 100)
            for ch, mid, h, body in SEEDED
            if ch is channel and 0 <= h < 168
        ]
        await PostRepo(database).save_posts(
            channel.telegram_id, posts, now=NOW, find_hits=find_hits, hooks=[hook]
        )
    repo = DigestRepo(database)
    counted: dict[int, set[str]] = {}
    for sid, subs in ((olena, olena_subs), (petro, petro_subs)):
        digest = await digest_for_week(repo, IsoWeek(2024, 47), "Europe/Moscow", subs)
        counted[sid] = {p.link for p in digest.top_by_views}
        async with database.read() as session:
            rows = await session.execute(
                text(
                    "SELECT c.username, p.message_id FROM alerts a JOIN posts p ON p.id = a.post_id"
                    " JOIN channels c ON c.id = p.channel_id WHERE a.subscriber_id = :s"
                ),
                {"s": sid},
            )
            alerted = {f"https://t.me/{user}/{mid}" for user, mid in rows.all()}
        assert counted[sid] == alerted
        assert digest.posts.count == len(alerted)
    # Olena: summons in @mel (1) and the rain (3); Petro: the raid (2) and summons in @berd (4).
    assert counted == {
        olena: {"https://t.me/mel/1", "https://t.me/mel/3"},
        petro: {"https://t.me/mel/2", "https://t.me/berd/4"},
    }
