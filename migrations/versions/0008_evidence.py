"""evidence: capture records, custody log, seals, timestamps (append-only)

Revision ID: 0008_evidence
Revises: 0007_places
Create Date: 2026-12-07 23:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import monitor.store.schema

revision: str = "0008_evidence"
down_revision: str | None = "0007_places"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = ("evidence_captures", "evidence_custody", "evidence_seals", "evidence_timestamps")
UTC = monitor.store.schema.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "evidence_custody",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("segment", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("at", UTC(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_evidence_custody")),
        sa.UniqueConstraint("hash", name=op.f("uq_evidence_custody_hash")),
    )
    op.create_table(
        "evidence_captures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("account", sa.String(length=255), nullable=False),
        sa.Column("captured_at", UTC(), nullable=False),
        sa.Column("record", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("media_sha256", sa.JSON(), nullable=False),
        sa.Column("custody_seq", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_evidence_captures_post_id_posts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_captures")),
    )
    op.create_index(
        op.f("ix_evidence_captures_post_id"), "evidence_captures", ["post_id"], unique=False
    )
    op.create_index(
        op.f("ix_evidence_captures_sha256"), "evidence_captures", ["sha256"], unique=False
    )
    op.create_table(
        "evidence_seals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("segment", sa.Integer(), nullable=False),
        sa.Column("first_seq", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("root", sa.String(length=64), nullable=False),
        sa.Column("sealed_at", UTC(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_seals")),
        sa.UniqueConstraint("hash", name=op.f("uq_evidence_seals_hash")),
    )
    op.create_table(
        "evidence_timestamps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seal_id", sa.Integer(), nullable=False),
        sa.Column("tsa_url", sa.Text(), nullable=False),
        sa.Column("token", sa.LargeBinary(), nullable=False),
        sa.Column("certificates", sa.Text(), nullable=False),
        sa.Column("gen_time", UTC(), nullable=False),
        sa.Column("created_at", UTC(), nullable=False),
        sa.ForeignKeyConstraint(
            ["seal_id"],
            ["evidence_seals.id"],
            name=op.f("fk_evidence_timestamps_seal_id_evidence_seals"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_timestamps")),
        sa.UniqueConstraint("seal_id", "tsa_url", name=op.f("uq_evidence_timestamps_seal_id_tsa_url")),
    )
    op.create_table(
        "evidence_followups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("capture_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("reply_to", sa.BigInteger(), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("random_id", sa.BigInteger(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_message_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("sent_at", UTC(), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_evidence_followups_alert_id_alerts")
        ),
        sa.ForeignKeyConstraint(
            ["capture_id"],
            ["evidence_captures.id"],
            name=op.f("fk_evidence_followups_capture_id_evidence_captures"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_followups")),
        sa.UniqueConstraint(
            "alert_id", "capture_id", name=op.f("uq_evidence_followups_alert_id_capture_id")
        ),
    )
    op.create_index("ix_evidence_followups_status", "evidence_followups", ["status"])
    _append_only()


def _append_only() -> None:
    """Nothing updates or deletes evidence: the database itself refuses it."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION evidence_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'evidence is append-only: % on % refused', TG_OP, TG_TABLE_NAME "
            "USING ERRCODE = 'restrict_violation'; "
            "END $$"
        )
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION evidence_append_only()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION evidence_append_only()"
            )
        return
    for table in APPEND_ONLY:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'evidence is append-only: {action} on {table} "
                "refused'); END"
            )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.drop_table("evidence_followups")
    for table in reversed(APPEND_ONLY):
        op.drop_table(table)  # its triggers go with it
    if postgres:
        op.execute("DROP FUNCTION evidence_append_only()")
