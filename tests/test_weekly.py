"""Digest delivery: due weeks go out once, survive a restart, and a failed send is retried."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from monitor.digest import Digest, IsoWeek
from monitor.store.digests import DigestRepo
from monitor.store.engine import Database
from monitor.weekly import digest_for_week, send_due_digests
from tests.store.test_digests import _seed, _subscriber

KYIV = "Europe/Kyiv"
JOINED = datetime(2024, 11, 1, tzinfo=UTC)
MONDAY_10_KYIV = datetime(2024, 11, 25, 8, 0, tzinfo=UTC)


class Outbox:
    """A DigestSender that keeps what it was given (a fake of our own interface)."""

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.sent: list[tuple[str, int, bytes]] = []

    async def __call__(self, digest: Digest, messages: Sequence[str], chart: bytes) -> list[int]:
        if self.fail:
            raise ConnectionError("telegram unreachable")
        self.sent.append((str(digest.week), len(messages), chart[:4]))
        return [100 + len(self.sent)]


async def test_due_weeks_are_sent_once_even_after_a_restart(database: Database) -> None:
    await _seed(database)
    sid = await _subscriber(database)
    outbox = Outbox()
    repo = DigestRepo(database)
    kwargs = {"subscriber_id": sid, "timezone": KYIV, "joined": JOINED, "send": outbox}
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
    sid = await _subscriber(database)
    outbox = Outbox()
    repo = DigestRepo(database)
    kwargs = {"subscriber_id": sid, "timezone": KYIV, "joined": JOINED, "send": outbox}
    await send_due_digests(repo, now=MONDAY_10_KYIV - timedelta(days=7), **kwargs)
    # Down from Sunday to Wednesday: the Monday run never happened.
    back = await send_due_digests(repo, now=MONDAY_10_KYIV + timedelta(days=2), **kwargs)
    assert back == [IsoWeek(2024, 47)]


async def test_a_failed_send_releases_the_week_for_the_next_run(database: Database) -> None:
    sid = await _subscriber(database)
    repo = DigestRepo(database)
    kwargs = {"subscriber_id": sid, "timezone": KYIV, "joined": datetime(2024, 11, 20, tzinfo=UTC)}
    with pytest.raises(ConnectionError):
        await send_due_digests(repo, now=MONDAY_10_KYIV, send=Outbox(fail=True), **kwargs)
    assert await repo.find_record(sid, "2024-W47") is None
    outbox = Outbox()
    assert await send_due_digests(repo, now=MONDAY_10_KYIV, send=outbox, **kwargs) == [
        IsoWeek(2024, 47)
    ]


async def test_digest_for_week_counts_the_seeded_posts(database: Database) -> None:
    await _seed(database)
    digest = await digest_for_week(DigestRepo(database), IsoWeek(2024, 47), "Europe/Moscow")
    assert (digest.posts.count, digest.posts.previous) == (3, 2)
