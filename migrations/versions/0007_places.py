"""places: the settlements and regions each post names; a channel's home region

Revision ID: 0007_places
Revises: 0006_media
Create Date: 2026-12-07 23:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_places"
down_revision: str | None = "0006_media"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Posts archived before this revision have no places yet: `python bot.py places retag`
    # tags them (and rebuilds the search index's place terms).
    op.create_table(
        "post_places",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(length=32), nullable=False),
        sa.Column("ambiguous", sa.Boolean(), nullable=False),
        sa.Column("how", sa.String(length=16), nullable=False),
        sa.Column("mention", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_post_places_post_id_posts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_post_places")),
        sa.UniqueConstraint(
            "post_id", "place_id", "region", name=op.f("uq_post_places_post_id_place_id_region")
        ),
    )
    op.create_index("ix_post_places_place_id_post_id", "post_places", ["place_id", "post_id"])
    op.create_index("ix_post_places_region_post_id", "post_places", ["region", "post_id"])
    op.create_table(
        "channel_regions",
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_channel_regions_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("channel_id", name=op.f("pk_channel_regions")),
    )


def downgrade() -> None:
    op.drop_table("channel_regions")
    op.drop_index("ix_post_places_region_post_id", table_name="post_places")
    op.drop_index("ix_post_places_place_id_post_id", table_name="post_places")
    op.drop_table("post_places")
