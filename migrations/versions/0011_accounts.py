"""accounts: reader account health and per-account access hashes; the old session is "default"

Revision ID: 0011_accounts
Revises: 0010_postgres
Create Date: 2026-12-07 23:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import monitor.store.schema

revision: str = "0011_accounts"
down_revision: str | None = "0010_postgres"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reader_accounts",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("held_until", monitor.store.schema.UTCDateTime(), nullable=True),
        sa.Column("checked_at", monitor.store.schema.UTCDateTime(), nullable=True),
        sa.Column("user", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_reader_accounts")),
    )
    op.create_table(
        "account_peers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("access_hash", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_account_peers_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_peers")),
        sa.UniqueConstraint("account", "channel_id", name=op.f("uq_account_peers_account_channel_id")),
    )
    # An archive of one account upgrades in place: its session is the account "default", and
    # every access hash it stored is that account's.
    op.execute(
        "INSERT INTO account_peers (account, channel_id, access_hash) "
        "SELECT 'default', id, access_hash FROM channels WHERE access_hash IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_table("account_peers")
    op.drop_table("reader_accounts")
