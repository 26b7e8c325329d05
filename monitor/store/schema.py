"""SQLAlchemy table models (*Row) of the archive; the metadata Alembic migrates (no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on every backend (SQLite keeps no zone)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the archive stores aware UTC only")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC)


FTS_TABLE = "posts_fts"  # FTS5 virtual table (migration 0002), SQLite only; not in the metadata
TERMS_TABLE = "posts_terms"  # its tsvector twin (migration 0010_postgres), PostgreSQL only; nor


def is_migrated_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Alembic include_object: leave out the search index tables (no model): FTS5's with its
    shadow tables on SQLite, posts_terms on PostgreSQL."""
    return not (type_ == "table" and name is not None and name.startswith((FTS_TABLE, TERMS_TABLE)))


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class ChannelRow(Base):
    __tablename__ = "channels"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    access_hash: Mapped[int | None] = mapped_column(BigInteger)
    username: Mapped[str | None] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(String(255))
    last_seen_id: Mapped[int] = mapped_column(Integer, default=0)
    poll_interval_s: Mapped[int] = mapped_column(Integer, default=300)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    joined: Mapped[bool] = mapped_column(Boolean, default=False)
    flood_wait_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_polled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_poll_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_post_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # 0005: failed polls in a row (the channel's own backoff); when edits were last re-checked
    failed_polls: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    rechecked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PostRow(Base):
    __tablename__ = "posts"
    __table_args__ = (
        UniqueConstraint("channel_id", "message_id"),
        Index("ix_posts_date", "date"),
        # 0004: one channel's posts of a week (a digest of subscriptions limited to channels)
        Index("ix_posts_channel_id_date", "channel_id", "date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    message_id: Mapped[int] = mapped_column(Integer)
    date: Mapped[datetime] = mapped_column(UTCDateTime)
    text: Mapped[str] = mapped_column(Text, default="")
    views: Mapped[int | None] = mapped_column(Integer)
    forwards: Mapped[int | None] = mapped_column(Integer)
    forwarded_from: Mapped[str | None] = mapped_column(String(255))
    media_kind: Mapped[str | None] = mapped_column(String(32))
    grouped_id: Mapped[int | None] = mapped_column(BigInteger)
    edit_date: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PostVersionRow(Base):
    __tablename__ = "post_versions"
    __table_args__ = (UniqueConstraint("post_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    edit_date: Mapped[datetime | None] = mapped_column(UTCDateTime)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)


class HitRow(Base):
    __tablename__ = "hits"
    __table_args__ = (
        UniqueConstraint("post_id", "rule_id"),
        Index("ix_hits_category", "category"),
        Index("ix_hits_category_post_id", "category", "post_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    rule_id: Mapped[str] = mapped_column(String(128))
    category: Mapped[str] = mapped_column(String(64))
    spans: Mapped[list[Any]] = mapped_column(JSON)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # 0006 (media): where the spans point: "text" (the post's text) or "media" (media_id's OCR)
    source: Mapped[str] = mapped_column(String(8), default="text", server_default="text")
    media_id: Mapped[int | None] = mapped_column(Integer)


class SubscriberRow(Base):
    __tablename__ = "subscribers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_user_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    username: Mapped[str | None] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(255), default="")
    role: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), index=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    muted_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # 0009 (analyst): quiet hours, minutes after local midnight (both or neither)
    quiet_from: Mapped[int | None] = mapped_column(Integer)
    quiet_until: Mapped[int | None] = mapped_column(Integer)


class SubscriptionRow(Base):
    __tablename__ = "subscriptions"
    # 0009 (analyst): numbered per subscriber; one value may be kept twice with other channels
    __table_args__ = (UniqueConstraint("subscriber_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(Text)
    channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    number: Mapped[int] = mapped_column(Integer)  # 0009 (analyst): #1 is each analyst's first


class AlertRow(Base):
    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("subscriber_id", "post_id"),
        Index("ix_alerts_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"))
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_message_id: Mapped[int | None] = mapped_column(BigInteger)
    edited: Mapped[bool] = mapped_column(Boolean, default=False)
    rule_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # 0003 (bot): the Telegram random_id of the message carrying this alert, fixed before the
    # first send so a resend after a crash is answered RANDOM_ID_DUPLICATE; shared by a batch.
    random_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    # 0003 (bot): a sighting arrived after sending: the sent message must be edited
    stale: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")


# 0003 (bot): finding the alerts of a post (edits, same-story lookup) without a scan
Index("ix_alerts_post_id", AlertRow.post_id)


class AlertSightingRow(Base):
    """The same story seen in another channel: folded into an existing alert (0003, bot)."""

    __tablename__ = "alert_sightings"
    __table_args__ = (UniqueConstraint("alert_id", "post_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class InviteRow(Base):
    """A one-time invite code; only its SHA-256 is stored (0003, bot)."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_by: Mapped[int | None] = mapped_column(BigInteger)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DigestRow(Base):
    __tablename__ = "digests"
    __table_args__ = (UniqueConstraint("subscriber_id", "week"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"))
    week: Mapped[str] = mapped_column(String(10))  # ISO week, e.g. 2024-W48
    status: Mapped[str] = mapped_column(String(16), default="sent")
    message_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# ---- 0006 (media): media items of posts, their downloads and OCR ------------------------------


class MediaRow(Base):
    """One photo, video, voice note or document of a post (an album: one per part); its file
    is content-addressed under MEDIA_DIR by `sha256`. Pending downloads are these rows."""

    __tablename__ = "media"
    __table_args__ = (
        UniqueConstraint("post_id", "message_id"),
        Index("ix_media_due", "state", "next_try_at"),
        Index("ix_media_sha256", "sha256"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)  # order in the album
    message_id: Mapped[int] = mapped_column(Integer)  # the message carrying this item
    kind: Mapped[str] = mapped_column(String(16))
    mime: Mapped[str | None] = mapped_column(String(128))
    size: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    duration: Mapped[float | None] = mapped_column(Float)
    file_name: Mapped[str | None] = mapped_column(String(255))
    local_path: Mapped[str | None] = mapped_column(Text)  # an import's file, read instead
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_try_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failure: Mapped[str | None] = mapped_column(Text)
    ocr_state: Mapped[str] = mapped_column(String(16), default="none")
    ocr_text: Mapped[str | None] = mapped_column(Text)
    ocr_terms: Mapped[str | None] = mapped_column(Text)  # its search-index lemmas
    ocr_confidence: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The data centre its file lives on (Photo/Document.dc_id): a FLOOD_WAIT holds that DC only.
    dc_id: Mapped[int | None] = mapped_column(Integer)
    # The custody entry "media_captured" that logged its SHA-256 when the download completed.
    custody_seq: Mapped[int | None] = mapped_column(Integer)


# ---- end 0006 (media) --------------------------------------------------------------------------


# ---- places (migration 0007_places): post_places, channel_regions -------------------------


class PostPlaceRow(Base):
    """A settlement or region a post names (monitor/places). place_id is the GeoNames id, 0 for
    "a settlement of this region, which one unknown"; an ambiguous mention stores each candidate
    with `ambiguous` set, and filters and digests count only the unambiguous rows."""

    __tablename__ = "post_places"
    __table_args__ = (
        UniqueConstraint("post_id", "place_id", "region"),
        Index("ix_post_places_place_id_post_id", "place_id", "post_id"),
        Index("ix_post_places_region_post_id", "region", "post_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    place_id: Mapped[int] = mapped_column(Integer)
    region: Mapped[str] = mapped_column(String(32))
    ambiguous: Mapped[bool] = mapped_column(Boolean, default=False)
    how: Mapped[str] = mapped_column(String(16))  # only, region named, home region, largest…
    mention: Mapped[str] = mapped_column(String(255))  # as the post wrote it (first mention)


class ChannelRegionRow(Base):
    """A channel's home region (`channels add --region`): resolves homonymous villages."""

    __tablename__ = "channel_regions"

    channel_id: Mapped[int] = mapped_column(
        ForeignKey("channels.id", ondelete="CASCADE"), primary_key=True
    )
    region: Mapped[str] = mapped_column(String(32))


# ---- end of places ---------------------------------------------------------------------------


# --- 0009_analyst (branch analyst-bot): alert feedback and per-analyst channel mutes -----------


class AlertFeedbackRow(Base):
    """👍 / 👎 on an alert, one row per rule of the alert, with its post's channel (0009)."""

    __tablename__ = "alert_feedback"
    __table_args__ = (
        UniqueConstraint("alert_id", "rule_id"),
        Index("ix_alert_feedback_rule_id", "rule_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    subscriber_id: Mapped[int] = mapped_column(Integer)
    post_id: Mapped[int] = mapped_column(Integer)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    rule_id: Mapped[str] = mapped_column(String(128))
    relevant: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ChannelMuteRow(Base):
    """An analyst's "mute this channel": no alerts from it for them (0009)."""

    __tablename__ = "channel_mutes"
    __table_args__ = (UniqueConstraint("subscriber_id", "channel_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"))
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


# --- end 0009_analyst --------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------------
# evidence (migration 0008_evidence): capture records, the custody log, seals and timestamps.
# Append-only: the migration adds triggers that refuse UPDATE and DELETE on these four tables.
# ---------------------------------------------------------------------------------------------


class EvidenceCaptureRow(Base):
    """One post version (or its deletion) as Telegram sent it, canonical JSON and its SHA-256."""

    __tablename__ = "evidence_captures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # version | deletion
    version: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(16))  # live | poll | recheck | import
    account: Mapped[str] = mapped_column(String(255), default="")
    captured_at: Mapped[datetime] = mapped_column(UTCDateTime)
    record: Mapped[str] = mapped_column(Text)  # RFC 8785 canonical JSON of the capture record
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    # SHA-256 of each media file of the version (the media table's hashes, once media lands)
    media_sha256: Mapped[list[str]] = mapped_column(JSON, default=list)
    custody_seq: Mapped[int] = mapped_column(Integer)


class CustodyEntryRow(Base):
    """An entry of the custody log: each carries the hash of the one before (a hash chain)."""

    __tablename__ = "evidence_custody"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    segment: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    body: Mapped[str] = mapped_column(Text)  # canonical JSON; `prev` inside it
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64))


class SealRow(Base):
    """The custody entries first_seq..last_seq under one Merkle root (RFC 6962 hashing)."""

    __tablename__ = "evidence_seals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    segment: Mapped[int] = mapped_column(Integer)
    first_seq: Mapped[int] = mapped_column(Integer)
    last_seq: Mapped[int] = mapped_column(Integer)
    root: Mapped[str] = mapped_column(String(64))
    sealed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    body: Mapped[str] = mapped_column(Text)  # canonical JSON: range, root, previous seal's hash
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class TimestampRow(Base):
    """An RFC 3161 token over a seal's root, with the TSA's certificate chain (PEM)."""

    __tablename__ = "evidence_timestamps"
    __table_args__ = (UniqueConstraint("seal_id", "tsa_url"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seal_id: Mapped[int] = mapped_column(ForeignKey("evidence_seals.id"))
    tsa_url: Mapped[str] = mapped_column(Text)
    token: Mapped[bytes] = mapped_column(LargeBinary)
    certificates: Mapped[str] = mapped_column(Text)
    gen_time: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FollowUpRow(Base):
    """An analyst told once, as a reply to their alert, that the post was edited or deleted.

    An outbox row (not evidence): pending -> sent; its random_id, fixed at creation, makes a
    resend after a crash a RANDOM_ID_DUPLICATE instead of a second message.
    """

    __tablename__ = "evidence_followups"
    __table_args__ = (
        UniqueConstraint("alert_id", "capture_id"),
        Index("ix_evidence_followups_status", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"))
    capture_id: Mapped[int] = mapped_column(ForeignKey("evidence_captures.id"))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    reply_to: Mapped[int] = mapped_column(BigInteger)
    html: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # pending | sent | failed
    random_id: Mapped[int] = mapped_column(BigInteger)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# ---------------------------------------------------------------------------------------------
# end of evidence
# ---------------------------------------------------------------------------------------------


# --- 0011_accounts: the pool of reader accounts (branch accounts) -------------------------------


class ReaderAccountRow(Base):
    """A reader account's health, as the pool last saw it (0011)."""

    __tablename__ = "reader_accounts"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), default="healthy")
    reason: Mapped[str | None] = mapped_column(Text)
    held_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user: Mapped[str | None] = mapped_column(String(255))


class AccountPeerRow(Base):
    """A channel's access hash as one account resolved it: hashes differ per account (0011)."""

    __tablename__ = "account_peers"
    __table_args__ = (UniqueConstraint("account", "channel_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    access_hash: Mapped[int] = mapped_column(BigInteger)


# --- end 0011_accounts ---------------------------------------------------------------------------
