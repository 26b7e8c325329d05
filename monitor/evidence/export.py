"""`evidence export`: the posts a search query finds, with their captures, custody entries,
proofs and seals, written as a bag; the export itself goes into the custody log (does I/O)."""

from __future__ import annotations

import dataclasses
import mimetypes
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from monitor.domain import Channel, MediaState, Post, PostVersion, StoredMedia
from monitor.evidence.bundle import (
    BagSummary,
    PostEvidence,
    SealEvidence,
    custody_seqs,
    write_bag,
)
from monitor.evidence.canonical import sha256_hex
from monitor.evidence.notary import Notary
from monitor.evidence.records import Capture, CustodyEntry, CustodyKind, Seal
from monitor.media.files import MediaFiles
from monitor.search.query import Deleted, Query, parse_query
from monitor.store.evidence import EvidenceRepo
from monitor.store.media import MediaRepo
from monitor.store.posts import PostRepo
from monitor.store.search import SearchRepo

CHUNK = 500  # post ids per query (SQLite's bound parameters)


def evidence_query(text: str) -> Query:
    """The search query, with deleted posts included unless it says `deleted:` itself: a
    deleted post is the evidence most wanted."""
    query = parse_query(text)
    if "deleted:" in text:
        return query
    return dataclasses.replace(
        query, filters=dataclasses.replace(query.filters, deleted=Deleted.ANY)
    )


@dataclass(frozen=True)
class EvidenceSources:
    """The repositories an export reads; `media_dir`: MEDIA_DIR, where the media files are."""

    search: SearchRepo
    posts: PostRepo
    evidence: EvidenceRepo
    media: MediaRepo | None = None
    media_dir: Path | None = None


async def gather_posts(
    sources: EvidenceSources, found: Sequence[tuple[Post, Channel]]
) -> list[PostEvidence]:
    ids = [p.id for p, _ in found if p.id is not None]
    captures: dict[int, list[Capture]] = {}
    versions: dict[int, list[PostVersion]] = {}
    media: dict[int, list[StoredMedia]] = {}
    for start in range(0, len(ids), CHUNK):  # a few queries for the lot, not one per post
        chunk = ids[start : start + CHUNK]
        for capture in await sources.evidence.list_captures(chunk):
            captures.setdefault(capture.post_id, []).append(capture)
        for post_id, of_post in (await sources.evidence.list_versions(chunk)).items():
            versions[post_id] = of_post
        if sources.media is not None:
            media.update(await sources.media.list_media(chunk))
    items = []
    for post, channel in found:
        assert post.id is not None
        items.append(
            PostEvidence(
                channel,
                post,
                tuple(versions.get(post.id, ())),
                tuple(captures.get(post.id, ())),
                *_media_files(media.get(post.id, ()), sources.media_dir),
            )
        )
    return items


def _media_files(
    media: Sequence[StoredMedia], media_dir: Path | None
) -> tuple[tuple[tuple[str, bytes], ...], tuple[tuple[str, str], ...], tuple[int, ...]]:
    """A post's downloaded files (read from MEDIA_DIR), their OCR texts and the custody entries
    that logged their SHA-256. A file gone from the disk is left out (verify would fail on it)."""
    if media_dir is None:
        return (), (), ()
    files = MediaFiles(media_dir)
    out: list[tuple[str, bytes]] = []
    ocr: list[tuple[str, str]] = []
    seqs: list[int] = []
    for item in media:
        if item.state is not MediaState.DONE or not item.sha256:
            continue
        try:
            content = files.path_for(item.sha256).read_bytes()
        except (OSError, ValueError):
            continue
        name = f"{item.position + 1:02d}-{item.sha256[:16]}{_extension(item)}"
        out.append((name, content))
        if item.ocr_text:
            ocr.append((f"{name}.txt", item.ocr_text))
        if item.custody_seq is not None:
            seqs.append(item.custody_seq)
    return tuple(out), tuple(ocr), tuple(seqs)


def _extension(item: StoredMedia) -> str:
    if item.file_name and "." in item.file_name:
        suffix = Path(item.file_name).suffix
        if suffix.isascii() and 1 < len(suffix) <= 8:
            return suffix.lower()
    guessed = mimetypes.guess_extension(item.mime or "") if item.mime else None
    if guessed:
        return guessed
    return ".jpg" if item.kind == "photo" else ""


async def gather_seals(
    evidence: EvidenceRepo, seqs: set[int]
) -> tuple[list[SealEvidence], list[CustodyEntry]]:
    """The seals covering `seqs` with all their entries and tokens; the entries no seal covers."""
    covering: list[Seal] = []
    left = set(seqs)
    for seal in await evidence.list_seals():
        inside = {s for s in left if seal.first_seq <= s <= seal.last_seq}
        if inside:
            covering.append(seal)
            left -= inside
    stamps = await evidence.list_timestamps([s.id for s in covering])
    sealed = [
        SealEvidence(
            seal,
            tuple(await evidence.list_entries(seal.first_seq, seal.last_seq)),
            tuple(t for t in stamps if t.seal_id == seal.id),
        )
        for seal in covering
    ]
    loose = [e for s in sorted(left) for e in await evidence.list_entries(s, s)]
    return sealed, loose


async def export_bag(
    sources: EvidenceSources,
    notary: Notary,
    query_text: str,
    out: Path,
    *,
    now: datetime,
    tsa_ca_pems: Sequence[bytes] = (),
) -> BagSummary:
    """Seal what is new (and get it timestamped), then write the bag and log the export."""
    query = evidence_query(query_text)
    await notary.seal(now=now, reason="export")
    found = [(r.post, r.channel) async for r in sources.search.stream(query)]
    return await export_posts(sources, found, query_text, out, now=now, tsa_ca_pems=tsa_ca_pems)


async def export_posts(
    sources: EvidenceSources,
    found: Sequence[tuple[Post, Channel]],
    label: str,
    out: Path,
    *,
    now: datetime,
    tsa_ca_pems: Sequence[bytes] = (),
) -> BagSummary:
    """The bag of these posts (sealed beforehand by the caller), and its custody entry."""
    query_text = label
    posts = await gather_posts(sources, found)
    seqs = custody_seqs(posts)
    seals, loose = await gather_seals(sources.evidence, seqs)
    summary = write_bag(
        out,
        posts,
        seals,
        loose_entries=loose,
        query=query_text,
        now=now,
        tsa_ca_pems=tsa_ca_pems,
    )
    manifest = (out / "manifest-sha256.txt").read_bytes()
    await sources.evidence.append(
        CustodyKind.EXPORT,
        {
            "query": query_text,
            "posts": summary.posts,
            "captures": summary.captures,
            "manifest_sha256": sha256_hex(manifest),
        },
        now=now,
    )
    return summary
