"""The subscriber repository on a real migrated SQLite file: access states, subscriptions, invites."""

from __future__ import annotations

from datetime import timedelta

import pytest

from monitor.domain import Role, SubscriberStatus, SubscriptionKind
from monitor.errors import NotFoundError
from monitor.store.engine import Database
from monitor.store.subscribers import SubscriberRepo
from tests.conftest import NOW


@pytest.fixture
def repo(database: Database) -> SubscriberRepo:
    return SubscriberRepo(database)


async def _start(repo: SubscriberRepo, user_id: int, *, admin: bool = False) -> int:
    sub = await repo.register(
        user_id, username="u", display_name="Оксана", is_admin=admin, timezone="UTC", now=NOW
    )
    assert sub.id is not None
    return sub.id


async def test_a_stranger_is_pending_and_an_admin_is_approved(repo: SubscriberRepo) -> None:
    await _start(repo, 1)
    await _start(repo, 2, admin=True)
    stranger = await repo.get_subscriber(1)
    admin = await repo.get_subscriber(2)
    assert (stranger.role, stranger.status) == (Role.ANALYST, SubscriberStatus.PENDING)
    assert (admin.role, admin.status) == (Role.ADMIN, SubscriberStatus.APPROVED)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (SubscriberStatus.INACTIVE, SubscriberStatus.APPROVED),
        (SubscriberStatus.BLOCKED, SubscriberStatus.BLOCKED),
        (SubscriberStatus.DENIED, SubscriberStatus.DENIED),
        (SubscriberStatus.APPROVED, SubscriberStatus.APPROVED),
    ],
)
async def test_start_again_reactivates_only_who_had_blocked_the_bot(
    repo: SubscriberRepo, before: SubscriberStatus, after: SubscriberStatus
) -> None:
    await _start(repo, 1)
    await repo.set_status(1, before)
    await _start(repo, 1)
    assert (await repo.get_subscriber(1)).status is after


async def test_subscribing_twice_replaces_the_channel_list(repo: SubscriberRepo) -> None:
    sid = await _start(repo, 1)
    await repo.save_subscription(sid, SubscriptionKind.CATEGORY, "summons", ["@a"], now=NOW)
    await repo.save_subscription(sid, SubscriptionKind.CATEGORY, "summons", ["@b"], now=NOW)
    subs = await repo.list_subscriptions(sid)
    assert [(s.value, s.channels) for s in subs] == [("summons", ("@b",))]
    removed = await repo.delete_subscription(sid, "summons")
    assert removed.kind is SubscriptionKind.CATEGORY
    assert await repo.list_subscriptions(sid) == []
    with pytest.raises(NotFoundError):
        await repo.delete_subscription(sid, "summons")


async def test_an_invite_is_redeemed_once_and_not_after_it_expires(repo: SubscriberRepo) -> None:
    await repo.save_invite("h1", created_by=9, now=NOW, expires_at=NOW + timedelta(days=1))
    await repo.save_invite("h2", created_by=9, now=NOW, expires_at=NOW + timedelta(days=1))
    assert await repo.redeem_invite("h1", 5, now=NOW) is True
    assert await repo.redeem_invite("h1", 6, now=NOW) is False
    assert await repo.redeem_invite("h2", 6, now=NOW + timedelta(days=2)) is False
    assert await repo.redeem_invite("nope", 6, now=NOW) is False
