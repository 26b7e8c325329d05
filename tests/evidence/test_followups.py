"""Follow-ups on a real archive: queued with the capture for each alert already sent, sent once
as a reply, never again (a resend after a crash is answered RANDOM_ID_DUPLICATE)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from monitor.domain import AlertStatus, CaptureSource, Channel, Post, RawMessage
from monitor.errors import AlreadyDeliveredError
from monitor.evidence.followups import send_followups
from monitor.reader.ingest import Ingest
from monitor.store.channels import ChannelRepo
from monitor.store.engine import Database
from monitor.store.evidence import evidence_step
from monitor.store.followups import FollowUpRepo
from monitor.store.posts import PostRepo
from monitor.store.schema import AlertRow, AlertSightingRow
from monitor.store.subscribers import SubscriberRepo
from tests.conftest import NOW

CHANNEL = Channel(telegram_id=4242, title="Крым 24", username="crimea_24")


class Sender:
    """Our ReplySender: records replies; `duplicate` answers as Telegram does to a resend."""

    def __init__(self, *, duplicate: bool = False) -> None:
        self.sent: list[tuple[int, int, str]] = []
        self.duplicate = duplicate

    async def reply(self, chat_id: int, html: str, *, reply_to: int, random_id: int) -> int:
        if self.duplicate:
            raise AlreadyDeliveredError(random_id)
        self.sent.append((chat_id, reply_to, html))
        return 1000 + len(self.sent)


def unhtml(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


class Gate:
    async def acquire(self, chat_id: int) -> None:
        return None


def post(text: str) -> Post:
    raw = RawMessage({"_": "Message", "id": 7, "message": text}, CaptureSource.LIVE, "r")
    return Post(CHANNEL.telegram_id, 7, NOW, text, raw=raw)


@pytest.fixture
async def alerted(database: Database) -> Ingest:
    """Post 7 stored, and an alert for it already sent to analyst 555 as message 77."""
    await ChannelRepo(database).upsert_channel(CHANNEL, now=NOW)
    ingest = Ingest(PostRepo(database), lambda _t: (), (evidence_step(),))
    saved = await ingest.save(CHANNEL.telegram_id, [post("Повестки у рынка")], now=NOW)
    analyst = await SubscriberRepo(database).register(
        555, username="oksana", display_name="Оксана", is_admin=False, timezone="UTC", now=NOW
    )
    async with database.write.begin() as session:
        session.add(
            AlertRow(
                subscriber_id=analyst.id,
                post_id=saved.new_posts[0],
                status=AlertStatus.SENT.value,
                sent_message_id=77,
                created_at=NOW,
                sent_at=NOW,
            )
        )
    return ingest


async def test_an_edit_and_a_deletion_are_each_told_once_as_replies(
    alerted: Ingest, database: Database
) -> None:
    await alerted.save(
        CHANNEL.telegram_id, [post("Повестки у школы")], now=NOW + timedelta(minutes=30)
    )
    await alerted.delete(CHANNEL.telegram_id, [7], now=NOW + timedelta(hours=2, minutes=30))
    sender = Sender()
    assert await send_followups(FollowUpRepo(database), sender, Gate(), now=NOW) == 2
    assert [(chat, reply_to) for chat, reply_to, _ in sender.sent] == [(555, 77), (555, 77)]
    edit, gone = (html for _, _, html in sender.sent)
    assert "Now: «Повестки у школы»" in edit
    assert "Was: «Повестки у рынка»" in edit
    assert "It stayed up about 2.5 hours" in gone
    assert "https://t.me/crimea_24/7" in gone
    # Again, and after the same edit is read again: nothing more.
    await alerted.save(
        CHANNEL.telegram_id, [post("Повестки у школы")], now=NOW + timedelta(hours=3)
    )
    assert await send_followups(FollowUpRepo(database), sender, Gate(), now=NOW) == 0
    assert len(sender.sent) == 2


async def test_a_follow_up_sent_before_a_crash_is_not_sent_again(
    alerted: Ingest, database: Database
) -> None:
    await alerted.delete(CHANNEL.telegram_id, [7], now=NOW + timedelta(hours=1))
    # The reply went out, then the process died before marking it: Telegram answers the
    # resend (same random_id) with RANDOM_ID_DUPLICATE.
    resend = Sender(duplicate=True)
    assert await send_followups(FollowUpRepo(database), resend, Gate(), now=NOW) == 1
    assert resend.sent == []
    assert await FollowUpRepo(database).count("sent") == 1
    assert await FollowUpRepo(database).count("pending") == 0


async def pending_alert(database: Database, ingest: Ingest) -> int:
    """Post 7 stored, and an alert for it to analyst 555 still pending (not sent yet)."""
    await ChannelRepo(database).upsert_channel(CHANNEL, now=NOW)
    saved = await ingest.save(CHANNEL.telegram_id, [post("Повестки у рынка")], now=NOW)
    analyst = await SubscriberRepo(database).register(
        555, username="oksana", display_name="Оксана", is_admin=False, timezone="UTC", now=NOW
    )
    async with database.write.begin() as session:
        row = AlertRow(
            subscriber_id=analyst.id,
            post_id=saved.new_posts[0],
            status=AlertStatus.PENDING.value,
            created_at=NOW,
        )
        session.add(row)
        await session.flush()
        return row.id


async def test_an_alert_still_pending_gets_its_follow_ups_once_it_is_sent(
    database: Database,
) -> None:
    ingest = Ingest(PostRepo(database), lambda _t: (), (evidence_step(),))
    alert_id = await pending_alert(database, ingest)
    await ingest.save(
        CHANNEL.telegram_id, [post("Повестки у школы")], now=NOW + timedelta(minutes=9)
    )
    await ingest.delete(CHANNEL.telegram_id, [7], now=NOW + timedelta(hours=1))
    sender = Sender()
    assert await send_followups(FollowUpRepo(database), sender, Gate(), now=NOW) == 0
    assert sender.sent == []  # nothing to reply to yet

    async with database.write.begin() as session:  # the delivery worker sends the alert
        await session.execute(
            update(AlertRow)
            .where(AlertRow.id == alert_id)
            .values(status=AlertStatus.SENT.value, sent_message_id=88, sent_at=NOW)
        )
    assert await send_followups(FollowUpRepo(database), sender, Gate(), now=NOW) == 2
    assert [(chat, reply_to) for chat, reply_to, _ in sender.sent] == [(555, 88), (555, 88)]
    assert "✏️ Edited: the post of this alert changed" in unhtml(sender.sent[0][2])
    assert "🗑 Deleted: the post of this alert is gone" in unhtml(sender.sent[1][2])
    assert await send_followups(FollowUpRepo(database), sender, Gate(), now=NOW) == 0


async def test_the_follow_ups_of_an_alert_never_sent_are_given_up(database: Database) -> None:
    ingest = Ingest(PostRepo(database), lambda _t: (), (evidence_step(),))
    alert_id = await pending_alert(database, ingest)
    await ingest.delete(CHANNEL.telegram_id, [7], now=NOW + timedelta(hours=1))
    async with database.write.begin() as session:
        await session.execute(
            update(AlertRow).where(AlertRow.id == alert_id).values(status="failed")
        )
    sender = Sender()
    assert await send_followups(FollowUpRepo(database), sender, Gate(), now=NOW) == 0
    assert await FollowUpRepo(database).count("pending") == 0
    assert await FollowUpRepo(database).count("failed") == 1


async def test_a_copy_listed_in_an_alert_that_is_deleted_is_told_as_a_reply_to_it(
    alerted: Ingest, database: Database
) -> None:
    other = Channel(telegram_id=4343, title="Мелитополь 24", username="melitopol_24")
    await ChannelRepo(database).upsert_channel(other, now=NOW)
    copy = Post(other.telegram_id, 12, NOW, "Повестки у рынка", raw=post("").raw)
    saved = await alerted.save(other.telegram_id, [copy], now=NOW + timedelta(minutes=5))
    async with database.write.begin() as session:  # the outbox folded it into the alert
        alert_id = await session.scalar(select(AlertRow.id))
        session.add(
            AlertSightingRow(
                alert_id=alert_id, post_id=saved.new_posts[0], created_at=NOW + timedelta(minutes=5)
            )
        )
    await alerted.delete(other.telegram_id, [12], now=NOW + timedelta(minutes=50))
    sender = Sender()
    assert await send_followups(FollowUpRepo(database), sender, Gate(), now=NOW) == 1
    [(chat, reply_to, html)] = sender.sent
    assert (chat, reply_to) == (555, 77)
    assert "🗑 Deleted: a copy this alert lists (also in) is gone" in unhtml(html)
    assert "https://t.me/melitopol_24/12" in html
    assert "It stayed up about 50 min" in html
