"""Value objects shared by every layer: channels, posts, versions, hits, subscribers, alerts (no I/O)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


def _require_aware(name: str, value: datetime | None) -> None:
    if value is not None and value.tzinfo is None:
        raise ValueError(f"{name} must be timezone-aware (UTC), got naive {value!r}")


@dataclass(frozen=True, slots=True)
class Channel:
    """A public channel being watched; `telegram_id` is the bare channel id (no -100 prefix)."""

    telegram_id: int
    title: str
    username: str | None = None
    access_hash: int | None = None
    # The poll cursor: every id up to it was covered by a history read (poll, backfill, import).
    # Live updates never move it, so a post Telegram never pushed is still read by the poll.
    last_seen_id: int = 0
    poll_interval_s: int = 300
    enabled: bool = True
    joined: bool = False
    flood_wait_until: datetime | None = None
    last_error: str | None = None
    last_polled_at: datetime | None = None
    next_poll_at: datetime | None = None
    last_post_at: datetime | None = None
    added_at: datetime | None = None
    id: int | None = None
    failed_polls: int = 0  # polls in a row that failed or hung: the channel's own backoff
    rechecked_at: datetime | None = None  # when its edits and deletions were last re-read

    def __post_init__(self) -> None:
        if self.telegram_id <= 0:
            raise ValueError(
                f"telegram_id must be a positive bare channel id, got {self.telegram_id}"
            )
        if self.poll_interval_s <= 0:
            raise ValueError(f"poll_interval_s must be positive, got {self.poll_interval_s}")
        for name in (
            "flood_wait_until",
            "last_polled_at",
            "next_poll_at",
            "last_post_at",
            "added_at",
            "rechecked_at",
        ):
            _require_aware(name, getattr(self, name))

    @property
    def label(self) -> str:
        """How people name the channel: @username when it has one, else its id."""
        return f"@{self.username}" if self.username else str(self.telegram_id)

    def post_link(self, message_id: int) -> str:
        """The public t.me link of one post (t.me/c/... for channels without a username)."""
        if self.username:
            return f"https://t.me/{self.username}/{message_id}"
        return f"https://t.me/c/{self.telegram_id}/{message_id}"


class CaptureSource(StrEnum):
    """How the reader saw a post: the evidence capture record says which."""

    LIVE = "live"
    POLL = "poll"
    RECHECK = "recheck"
    IMPORT = "import"


@dataclass(frozen=True, slots=True)
class RawMessage:
    """What Telegram sent, as JSON-ready data (Telethon's `to_dict()`, bytes as base64,
    datetimes as ISO 8601), how it was read and by which account: the evidence capture."""

    data: Mapping[str, object]
    source: CaptureSource
    account: str = ""


@dataclass(frozen=True, slots=True)
class MediaItem:
    """One photo, video, voice note or document of a post as Telegram (or an export) describes
    it, before it is downloaded; an album has one per part, each from its own message."""

    message_id: int
    kind: str  # photo, video, voice, audio, document, ...
    mime: str | None = None
    size: int | None = None
    width: int | None = None
    height: int | None = None
    duration: float | None = None
    file_name: str | None = None
    local_path: str | None = None  # an import's file beside result.json (absolute), else None
    dc_id: int | None = None  # the data centre its file lives on (Photo/Document.dc_id)


class MediaState(StrEnum):
    PENDING = "pending"
    DOWNLOADING = "downloading"
    DONE = "done"
    FAILED = "failed"  # gave up after the last retry, or a file that can never be read
    SKIPPED = "skipped"  # over MEDIA_MAX_BYTES, or its kind is turned off (MEDIA_KINDS)


class OcrState(StrEnum):
    NONE = "none"  # not an image
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"  # rejected image, or Tesseract missing; the reason is on the row
    OFF = "off"  # OCR turned off (OCR=no)


@dataclass(frozen=True, slots=True)
class StoredMedia:
    """A media row of the archive: one item of a post, its download and its OCR."""

    id: int
    post_id: int
    position: int
    message_id: int
    kind: str
    state: MediaState
    mime: str | None = None
    size: int | None = None
    sha256: str | None = None
    width: int | None = None
    height: int | None = None
    duration: float | None = None
    file_name: str | None = None
    local_path: str | None = None
    attempts: int = 0
    next_try_at: datetime | None = None
    failure: str | None = None
    ocr_state: OcrState = OcrState.NONE
    ocr_text: str | None = None
    channel_telegram_id: int = 0
    dc_id: int | None = None  # the data centre its file lives on (FLOOD_WAIT is per DC)
    custody_seq: int | None = None  # the custody entry that logged its SHA-256

    @property
    def is_image(self) -> bool:
        return self.kind == "photo" or (self.mime or "").startswith("image/")


@dataclass(frozen=True, slots=True)
class Post:
    """One channel post as read from Telegram (an album is one post)."""

    channel_telegram_id: int
    message_id: int
    date: datetime
    text: str
    views: int | None = None
    forwards: int | None = None
    forwarded_from: str | None = None
    media_kind: str | None = None
    grouped_id: int | None = None
    edit_date: datetime | None = None
    deleted_at: datetime | None = None
    id: int | None = None
    media: tuple[MediaItem, ...] = ()  # what to download; not stored on the post itself
    # The message as Telegram sent it (evidence capture); None where no raw form exists.
    raw: RawMessage | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.message_id <= 0:
            raise ValueError(f"message_id must be positive, got {self.message_id}")
        for name in ("date", "edit_date", "deleted_at"):
            _require_aware(name, getattr(self, name))


@dataclass(frozen=True, slots=True)
class PostVersion:
    """One text a post has had; version 1 is the text first seen."""

    post_id: int
    version: int
    text: str
    edit_date: datetime | None
    seen_at: datetime


@dataclass(frozen=True, slots=True)
class Span:
    """Where a pattern term matched: offsets into the original text, the surface and the lemma."""

    start: int
    end: int
    surface: str
    lemma: str = ""
    term: str = ""

    def __post_init__(self) -> None:
        if not 0 <= self.start <= self.end:
            raise ValueError(f"bad span {self.start}..{self.end}")


@dataclass(frozen=True, slots=True)
class Hit:
    """A rule that matched a post, with the spans that explain why."""

    rule_id: str
    category: str
    spans: tuple[Span, ...]
    tags: tuple[str, ...] = ()
    post_id: int | None = None
    created_at: datetime | None = None
    # Where the spans point: the post's text, or the OCR text of one media item (media_id).
    source: str = "text"
    media_id: int | None = None


HIT_SOURCE_TEXT = "text"
HIT_SOURCE_MEDIA = "media"


class Role(StrEnum):
    ADMIN = "admin"
    ANALYST = "analyst"


class SubscriberStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DENIED = "denied"
    BLOCKED = "blocked"
    INACTIVE = "inactive"  # the user blocked the bot; reactivated by their next /start


@dataclass(frozen=True, slots=True)
class Subscriber:
    """A Telegram user who talks to the bot."""

    telegram_user_id: int
    role: Role = Role.ANALYST
    status: SubscriberStatus = SubscriberStatus.PENDING
    timezone: str = "UTC"
    username: str | None = None
    display_name: str = ""
    muted_until: datetime | None = None
    created_at: datetime | None = None
    id: int | None = None
    quiet_from: int | None = None  # quiet hours: minutes after local midnight, both or neither
    quiet_until: int | None = None

    @property
    def active(self) -> bool:
        return self.status is SubscriberStatus.APPROVED


class SubscriptionKind(StrEnum):
    CATEGORY = "category"
    RULE = "rule"
    EXPRESSION = "expression"


@dataclass(frozen=True, slots=True)
class Subscription:
    """What one subscriber wants alerts for, optionally limited to some channels."""

    subscriber_id: int
    kind: SubscriptionKind
    value: str
    channels: tuple[str, ...] = ()
    id: int | None = None
    number: int | None = None  # the analyst's own numbering: #1 is their first subscription


class AlertStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up after the last retry; kept for the operator
    DROPPED = "dropped"  # the subscriber went away before delivery


@dataclass(frozen=True, slots=True)
class Alert:
    """One row of the outbox: a post to deliver to a subscriber, exactly once."""

    subscriber_id: int
    post_id: int
    status: AlertStatus = AlertStatus.PENDING
    attempts: int = 0
    next_attempt_at: datetime | None = None
    sent_message_id: int | None = None
    edited: bool = False
    rule_ids: tuple[str, ...] = ()
    last_error: str | None = None
    created_at: datetime | None = None
    sent_at: datetime | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class SaveResult:
    """What saving a batch of posts changed in the archive."""

    new_posts: tuple[int, ...] = ()  # archive ids of posts stored for the first time
    edited_posts: tuple[int, ...] = ()  # archive ids of posts whose text changed
    new_hits: tuple[Hit, ...] = field(default=())
    last_seen_id: int = 0


# ---- places (monitor/places; stored in post_places) ---------------------------------------


@dataclass(frozen=True, slots=True)
class PostPlace:
    """A settlement (GeoNames id; 0: unknown settlement of `region`) or region a post names.

    `ambiguous`: one candidate of a name several places bear; `how` it was resolved (only,
    region named, home region, largest, place nearby, ambiguous); `mention` as written.
    """

    place_id: int
    region: str
    ambiguous: bool = False
    how: str = "only"
    mention: str = ""
