"""The subscriber repository on a real migrated SQLite file: access states, subscriptions, invites."""

from __future__ import annotations

from datetime import timedelta

import pytest

from monitor.bot.access import AccessEvent
from monitor.domain import Role, SubscriberStatus, SubscriptionKind
from monitor.errors import NotFoundError
from monitor.store.deliveries import DeliveryRepo
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
    # an admin's rights follow ADMIN_IDS: the role is not stored at registration
    assert (admin.role, admin.status) == (Role.ANALYST, SubscriberStatus.APPROVED)


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


async def test_an_admin_block_survives_every_other_event(repo: SubscriberRepo) -> None:
    await _start(repo, 1)
    await repo.apply(1, AccessEvent.BLOCKED_BY_ADMIN)
    for event in AccessEvent:
        await repo.apply(1, event)
        await _start(repo, 1, admin=True)
        await repo.set_status(1, SubscriberStatus.APPROVED)
    await repo.sync_admins([1])
    assert (await repo.get_subscriber(1)).status is SubscriberStatus.BLOCKED


async def test_a_failed_delivery_does_not_unblock(database: Database, repo: SubscriberRepo) -> None:
    blocked = await _start(repo, 1)
    approved = await _start(repo, 2)
    await repo.set_status(2, SubscriberStatus.APPROVED)
    await repo.apply(1, AccessEvent.BLOCKED_BY_ADMIN)
    deliveries = DeliveryRepo(database)
    await deliveries.deactivate_subscriber(blocked)  # USER_IS_BLOCKED of an alert in flight
    await deliveries.deactivate_subscriber(approved)
    assert (await repo.get_subscriber(1)).status is SubscriberStatus.BLOCKED
    assert (await repo.get_subscriber(2)).status is SubscriberStatus.INACTIVE


async def test_sync_admins_clears_stored_roles_of_listed_ids(repo: SubscriberRepo) -> None:
    for user_id in (1, 2, 3):
        await _start(repo, user_id)
    await repo.set_role(1, Role.ADMIN)  # an admin row from before: ADMIN_IDS or /promote
    await repo.set_role(2, Role.ADMIN)  # /promote
    promoted = await repo.sync_admins([1, 3])
    assert [s.telegram_user_id for s in promoted] == [2]
    first, third = await repo.get_subscriber(1), await repo.get_subscriber(3)
    assert (first.role, first.status) == (Role.ANALYST, SubscriberStatus.APPROVED)
    assert (third.role, third.status) == (Role.ANALYST, SubscriberStatus.APPROVED)


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
