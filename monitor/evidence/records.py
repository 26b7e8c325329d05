"""The evidence records as data: capture records, custody entries, seals (pure, no I/O).

Each record is a JSON object whose SHA-256 is taken over its RFC 8785 canonical form, so a
third party with the JSON file and `sha256sum` (after canonicalising) gets the same hash.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from monitor.domain import RawMessage
from monitor.evidence.canonical import canonical, sha256_hex

CAPTURE_TYPE = "draftwatch.capture/1"
ENTRY_TYPE = "draftwatch.custody/1"
SEAL_TYPE = "draftwatch.seal/1"


class CustodyKind(StrEnum):
    CAPTURE = "capture"  # a post version was captured
    DELETION_SEEN = "deletion_seen"  # the reader saw that a post is gone
    EXPORT = "export"  # a bag was written
    VERIFICATION = "verification"  # a bag was checked
    SEGMENT_START = "segment_start"  # the chain restarts (first use, or a restored archive)
    MEDIA_CAPTURED = "media_captured"  # a media file was downloaded: its SHA-256


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def capture_record(
    *,
    kind: str,
    channel_id: int,
    message_id: int,
    version: int | None,
    raw: RawMessage | None,
    captured_at: datetime,
    media_sha256: Sequence[str] = (),
) -> dict[str, object]:
    """What is kept of one sighting: the message as Telegram sent it and how it was seen."""
    data = dict(raw.data) if raw is not None else None
    return {
        "type": CAPTURE_TYPE,
        "kind": kind,
        "channel_id": channel_id,
        "message_id": message_id,
        "version": version,
        "source": raw.source.value if raw is not None else "unknown",
        "account": raw.account if raw is not None else "",
        "captured_at": iso(captured_at),
        "raw": data,
        "raw_sha256": sha256_hex(canonical(data)) if data is not None else None,
        "media_sha256": list(media_sha256),
    }


@dataclass(frozen=True, slots=True)
class CustodyEntry:
    """One link of the custody chain; `hash` is SHA-256 of `body`'s canonical form."""

    seq: int
    segment: int
    kind: str
    at: datetime
    body: Mapping[str, object]
    hash: str
    prev_hash: str | None
    text: bytes = b""  # the canonical form of `body`, when already made

    @property
    def canonical(self) -> bytes:
        return self.text or canonical(self.body)


def custody_entry(
    *,
    seq: int,
    segment: int,
    kind: CustodyKind | str,
    at: datetime,
    prev_hash: str | None,
    subject: Mapping[str, object],
) -> CustodyEntry:
    body: dict[str, object] = {
        "type": ENTRY_TYPE,
        "seq": seq,
        "segment": segment,
        "kind": str(kind),
        "at": iso(at),
        "prev": prev_hash,
        "subject": dict(subject),
    }
    text = canonical(body)
    return CustodyEntry(seq, segment, str(kind), at, body, sha256_hex(text), prev_hash, text)


@dataclass(frozen=True, slots=True)
class Seal:
    """Custody entries first_seq..last_seq under one Merkle root; `hash` chains the seals."""

    id: int
    segment: int
    first_seq: int
    last_seq: int
    root: str
    sealed_at: datetime
    body: Mapping[str, object]
    hash: str


def seal_body(
    *,
    segment: int,
    first_seq: int,
    last_seq: int,
    root: str,
    sealed_at: datetime,
    prev_seal: str | None,
    reason: str,
) -> dict[str, object]:
    return {
        "type": SEAL_TYPE,
        "segment": segment,
        "first_seq": first_seq,
        "last_seq": last_seq,
        "size": last_seq - first_seq + 1,
        "root": root,
        "sealed_at": iso(sealed_at),
        "prev_seal": prev_seal,
        "reason": reason,
    }


@dataclass(frozen=True, slots=True)
class Capture:
    """A stored capture record, as the export and the bot read it."""

    id: int
    post_id: int
    kind: str
    version: int | None
    source: str
    account: str
    captured_at: datetime
    record: str  # canonical JSON text
    sha256: str
    media_sha256: tuple[str, ...]
    custody_seq: int


@dataclass(frozen=True, slots=True)
class Timestamp:
    """An RFC 3161 token over a seal's root and the TSA's certificates (PEM)."""

    seal_id: int
    tsa_url: str
    token: bytes
    certificates: str
    gen_time: datetime
