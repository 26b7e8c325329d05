"""reader cursor: per-channel failed polls (backoff) and time of the last re-check

Revision ID: 0005_reader_cursor
Revises: 0004
Create Date: 2026-12-07 19:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import monitor.store.schema

revision: str = "0005_reader_cursor"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A channel that keeps failing or hanging backs off on its own (failed_polls in a row), and
    # the re-check for edits and deletions is due from when it last ran, not from a start.
    # Plain ADD / DROP COLUMN (SQLite >= 3.35): a batch copy of `channels` would break the
    # views that name it.
    op.add_column(
        "channels", sa.Column("failed_polls", sa.Integer(), nullable=False, server_default="0")
    )
    op.add_column("channels", sa.Column("rechecked_at", monitor.store.schema.UTCDateTime()))


def downgrade() -> None:
    op.drop_column("channels", "rechecked_at")
    op.drop_column("channels", "failed_polls")
