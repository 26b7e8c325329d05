"""Feedback on alerts (👍 / 👎 per alert, rule and channel), per-analyst channel mutes, and the
per-rule, per-channel precision that tuning the packs starts from (does I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, delete, func, select

from monitor.domain import AlertStatus, Channel
from monitor.errors import NotFoundError
from monitor.store.engine import Database
from monitor.store.rows import channel_from_row
from monitor.store.schema import (
    AlertFeedbackRow,
    AlertRow,
    ChannelMuteRow,
    ChannelRow,
    PostRow,
    SubscriberRow,
)


@dataclass(frozen=True, slots=True)
class AlertFacts:
    """What a button under an alert acts on."""

    alert_id: int
    subscriber_id: int
    telegram_user_id: int
    post_id: int
    channel_id: int  # the archive's id
    channel: Channel
    rule_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RuleStats:
    """One rule in one channel: alerts sent, 👍, 👎, and the posts marked 👎."""

    rule_id: str
    channel: str
    sent: int
    relevant: int
    not_relevant: int
    not_relevant_posts: tuple[str, ...]  # links

    @property
    def precision(self) -> float | None:
        judged = self.relevant + self.not_relevant
        return self.relevant / judged if judged else None


class FeedbackRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get_alert(self, alert_id: int) -> AlertFacts:
        """NotFoundError for an alert that is gone."""
        async with self._db.read() as session:
            row = (
                await session.execute(
                    select(AlertRow, SubscriberRow.telegram_user_id, PostRow.channel_id, ChannelRow)
                    .join(SubscriberRow, SubscriberRow.id == AlertRow.subscriber_id)
                    .join(PostRow, PostRow.id == AlertRow.post_id)
                    .join(ChannelRow, ChannelRow.id == PostRow.channel_id)
                    .where(AlertRow.id == alert_id)
                )
            ).first()
            if row is None:
                raise NotFoundError("alert", alert_id)
            alert, user_id, channel_id, channel = row
            return AlertFacts(
                alert.id, alert.subscriber_id, int(user_id), alert.post_id, int(channel_id),
                channel_from_row(channel), tuple(alert.rule_ids or ()),
            )  # fmt: skip

    async def save_feedback(self, alert: AlertFacts, *, relevant: bool, now: datetime) -> None:
        """One row per rule of the alert; pressing again changes the verdict."""
        async with self._db.write.begin() as session:
            await session.execute(
                delete(AlertFeedbackRow).where(AlertFeedbackRow.alert_id == alert.alert_id)
            )
            for rule_id in alert.rule_ids or ("",):
                session.add(
                    AlertFeedbackRow(
                        alert_id=alert.alert_id, subscriber_id=alert.subscriber_id,
                        post_id=alert.post_id, channel_id=alert.channel_id, rule_id=rule_id,
                        relevant=relevant, created_at=now,
                    )
                )  # fmt: skip

    async def mute_channel(self, subscriber_id: int, channel_id: int, *, now: datetime) -> bool:
        """False when it was muted already."""
        async with self._db.write.begin() as session:
            found = await session.scalar(
                select(ChannelMuteRow.id).where(
                    ChannelMuteRow.subscriber_id == subscriber_id,
                    ChannelMuteRow.channel_id == channel_id,
                )
            )
            if found is not None:
                return False
            session.add(
                ChannelMuteRow(subscriber_id=subscriber_id, channel_id=channel_id, created_at=now)
            )
            return True

    async def unmute_channel(self, subscriber_id: int, channel_id: int) -> None:
        async with self._db.write.begin() as session:
            await session.execute(
                delete(ChannelMuteRow).where(
                    ChannelMuteRow.subscriber_id == subscriber_id,
                    ChannelMuteRow.channel_id == channel_id,
                )
            )

    async def rule_stats(self, *, worst_posts: int = 5) -> list[RuleStats]:
        """Per rule and channel: alerts sent, 👍, 👎 (most 👎 first), with the 👎 posts' links."""
        async with self._db.read() as session:
            sent: dict[tuple[str, int], int] = {}
            alerts = await session.execute(
                select(AlertRow.rule_ids, PostRow.channel_id)
                .join(PostRow, PostRow.id == AlertRow.post_id)
                .where(AlertRow.status == AlertStatus.SENT.value)
            )
            for rule_ids, channel_id in alerts.all():
                for rule_id in rule_ids or ():
                    sent[(rule_id, channel_id)] = sent.get((rule_id, channel_id), 0) + 1
            votes = await session.execute(
                select(
                    AlertFeedbackRow.rule_id,
                    AlertFeedbackRow.channel_id,
                    func.sum(case((AlertFeedbackRow.relevant, 1), else_=0)),
                    func.sum(case((AlertFeedbackRow.relevant, 0), else_=1)),
                ).group_by(AlertFeedbackRow.rule_id, AlertFeedbackRow.channel_id)
            )
            counted = {(r, c): (int(y or 0), int(n or 0)) for r, c, y, n in votes.all()}
            bad = await session.execute(
                select(AlertFeedbackRow.rule_id, AlertFeedbackRow.channel_id, PostRow.message_id)
                .join(PostRow, and_(PostRow.id == AlertFeedbackRow.post_id))
                .where(AlertFeedbackRow.relevant.is_(False))
                .order_by(AlertFeedbackRow.id.desc())
            )
            links: dict[tuple[str, int], list[int]] = {}
            for rule_id, channel_id, message_id in bad.all():
                links.setdefault((rule_id, channel_id), []).append(message_id)
            channels = {
                row.id: channel_from_row(row) for row in await session.scalars(select(ChannelRow))
            }
        out = []
        for key in sorted(set(sent) | set(counted)):
            rule_id, channel_id = key
            channel = channels[channel_id]
            yes, no = counted.get(key, (0, 0))
            posts = tuple(channel.post_link(m) for m in links.get(key, [])[:worst_posts])
            out.append(RuleStats(rule_id, channel.label, sent.get(key, 0), yes, no, posts))
        out.sort(key=lambda s: (-s.not_relevant, -s.sent, s.rule_id, s.channel))
        return out
