"""bot: alert random_id and stale flag; alert sightings; invites

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 05:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import monitor.store.schema

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("random_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(
            sa.Column("stale", sa.Boolean(), server_default="0", nullable=False)
        )
        batch_op.create_index(batch_op.f("ix_alerts_random_id"), ["random_id"], unique=False)
        batch_op.create_index("ix_alerts_post_id", ["post_id"], unique=False)

    op.create_table(
        "alert_sightings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("created_at", monitor.store.schema.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alerts.id"],
            name=op.f("fk_alert_sightings_alert_id_alerts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["posts.id"],
            name=op.f("fk_alert_sightings_post_id_posts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_sightings")),
        sa.UniqueConstraint(
            "alert_id", "post_id", name=op.f("uq_alert_sightings_alert_id_post_id")
        ),
    )
    with op.batch_alter_table("alert_sightings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_alert_sightings_post_id"), ["post_id"], unique=False
        )

    op.create_table(
        "invites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", monitor.store.schema.UTCDateTime(), nullable=False),
        sa.Column("expires_at", monitor.store.schema.UTCDateTime(), nullable=False),
        sa.Column("used_by", sa.BigInteger(), nullable=True),
        sa.Column("used_at", monitor.store.schema.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invites")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_invites_code_hash")),
    )


def downgrade() -> None:
    op.drop_table("invites")
    with op.batch_alter_table("alert_sightings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_sightings_post_id"))
    op.drop_table("alert_sightings")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_alerts_post_id")
        batch_op.drop_index(batch_op.f("ix_alerts_random_id"))
        batch_op.drop_column("stale")
        batch_op.drop_column("random_id")
