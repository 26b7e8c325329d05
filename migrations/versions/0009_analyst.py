"""analyst: per-analyst subscription numbers, alert feedback, channel mutes, quiet hours

Revision ID: 0009_analyst
Revises: 0008_evidence
Create Date: 2026-12-07 23:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import monitor.store.schema

revision: str = "0009_analyst"
down_revision: str | None = "0008_evidence"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Subscriptions are numbered per analyst (#1 is each analyst's first), and the same value may
    # be kept twice with other channels ("keep both"): the unique key moves from
    # (subscriber, kind, value) to (subscriber, number). No view names `subscriptions`, so a
    # batch copy is safe on SQLite. Existing subscriptions are numbered in the order they were
    # made (their id).
    with op.batch_alter_table("subscriptions") as batch:
        batch.add_column(sa.Column("number", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE subscriptions SET number = (SELECT COUNT(*) FROM subscriptions AS s "
        "WHERE s.subscriber_id = subscriptions.subscriber_id AND s.id <= subscriptions.id)"
    )
    with op.batch_alter_table("subscriptions") as batch:
        batch.alter_column("number", existing_type=sa.Integer(), nullable=False)
        batch.drop_constraint("uq_subscriptions_subscriber_id_kind_value", type_="unique")
        batch.create_unique_constraint(
            "uq_subscriptions_subscriber_id_number", ["subscriber_id", "number"]
        )
    # Quiet hours: minutes after local midnight (the subscriber's time zone), both or neither.
    op.add_column("subscribers", sa.Column("quiet_from", sa.Integer(), nullable=True))
    op.add_column("subscribers", sa.Column("quiet_until", sa.Integer(), nullable=True))
    op.create_table(
        "alert_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.String(length=128), nullable=False),
        sa.Column("relevant", sa.Boolean(), nullable=False),
        sa.Column("created_at", monitor.store.schema.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name="fk_alert_feedback_alert_id_alerts",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name="fk_alert_feedback_channel_id_channels",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_alert_feedback"),
        sa.UniqueConstraint("alert_id", "rule_id", name="uq_alert_feedback_alert_id_rule_id"),
    )  # fmt: skip
    op.create_index("ix_alert_feedback_rule_id", "alert_feedback", ["rule_id"])
    op.create_table(
        "channel_mutes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("created_at", monitor.store.schema.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["subscriber_id"], ["subscribers.id"], name="fk_channel_mutes_subscriber_id_subscribers",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name="fk_channel_mutes_channel_id_channels",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_channel_mutes"),
        sa.UniqueConstraint(
            "subscriber_id", "channel_id", name="uq_channel_mutes_subscriber_id_channel_id"
        ),
    )  # fmt: skip


def downgrade() -> None:
    op.drop_table("channel_mutes")
    op.drop_index("ix_alert_feedback_rule_id", table_name="alert_feedback")
    op.drop_table("alert_feedback")
    op.drop_column("subscribers", "quiet_until")
    op.drop_column("subscribers", "quiet_from")
    # Keeping both copies of one value cannot survive the old key: keep the first of each.
    op.execute(
        "DELETE FROM subscriptions WHERE id NOT IN (SELECT MIN(id) FROM subscriptions "
        "GROUP BY subscriber_id, kind, value)"
    )
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_constraint("uq_subscriptions_subscriber_id_number", type_="unique")
        batch.create_unique_constraint(
            "uq_subscriptions_subscriber_id_kind_value", ["subscriber_id", "kind", "value"]
        )
        batch.drop_column("number")
