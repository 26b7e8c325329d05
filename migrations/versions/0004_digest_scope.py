"""digest scope: index posts by channel and date

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 09:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A digest of subscriptions limited to some channels reads those channels' posts of two
    # weeks; without it, SQLite walks each channel's whole history (the unique key's index).
    op.create_index("ix_posts_channel_id_date", "posts", ["channel_id", "date"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_posts_channel_id_date", table_name="posts")
