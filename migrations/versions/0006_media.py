"""media: media items of posts (downloads, content-addressed files, OCR) and hit sources

Revision ID: 0006_media
Revises: 0005_reader_cursor
Create Date: 2026-12-07 23:20:00

`media` holds one row per photo, video, voice note or document of a post (an album: one per
part): what Telegram said of it, its download state (pending downloads are these rows, so a
restart loses none) and its OCR text. `hits` learns where its spans point: the post's text
(every existing hit) or the OCR text of one media item.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import monitor.store.schema

revision: str = "0006_media"
down_revision: str | None = "0005_reader_cursor"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "media",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("mime", sa.String(length=128), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("duration", sa.Float(), nullable=True),
        sa.Column("file_name", sa.String(length=255), nullable=True),
        sa.Column("local_path", sa.Text(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_try_at", monitor.store.schema.UTCDateTime(), nullable=True),
        sa.Column("failure", sa.Text(), nullable=True),
        sa.Column("ocr_state", sa.String(length=16), nullable=False),
        sa.Column("ocr_text", sa.Text(), nullable=True),
        sa.Column("ocr_terms", sa.Text(), nullable=True),
        sa.Column("ocr_confidence", sa.Float(), nullable=True),
        sa.Column("created_at", monitor.store.schema.UTCDateTime(), nullable=False),
        sa.Column("done_at", monitor.store.schema.UTCDateTime(), nullable=True),
        sa.Column("dc_id", sa.Integer(), nullable=True),
        sa.Column("custody_seq", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_media_post_id_posts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media")),
        sa.UniqueConstraint("post_id", "message_id", name=op.f("uq_media_post_id_message_id")),
    )
    op.create_index("ix_media_due", "media", ["state", "next_try_at"], unique=False)
    op.create_index("ix_media_sha256", "media", ["sha256"], unique=False)
    op.create_index(op.f("ix_media_post_id"), "media", ["post_id"], unique=False)
    # Plain ADD COLUMN (SQLite >= 3.35): a batch copy of `hits` would break the hit_posts view.
    op.add_column(
        "hits",
        sa.Column("source", sa.String(length=8), nullable=False, server_default="text"),
    )
    op.add_column("hits", sa.Column("media_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("hits", "media_id")
    op.drop_column("hits", "source")
    op.drop_index(op.f("ix_media_post_id"), table_name="media")
    op.drop_index("ix_media_sha256", table_name="media")
    op.drop_index("ix_media_due", table_name="media")
    op.drop_table("media")
