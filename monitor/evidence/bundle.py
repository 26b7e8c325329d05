"""Writing an evidence bag: per post its captures, versions, media, OCR and page; the custody
entries that cover them with Merkle inclusion proofs; the seals with their RFC 3161 tokens;
a README for a lawyer; BagIt manifests (SHA-256) over all of it (does file I/O)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape
from pathlib import Path

import bagit

from monitor.domain import Channel, Post, PostVersion
from monitor.evidence.canonical import canonical, sha256_hex
from monitor.evidence.merkle import MerkleTree, leaf_hash
from monitor.evidence.page import PageFile, post_page
from monitor.evidence.readme import readme_text
from monitor.evidence.records import Capture, CustodyEntry, Seal, Timestamp, iso


class BagWriteError(Exception):
    """The bag cannot be written where asked; the message says what to do."""


@dataclass(frozen=True, slots=True)
class PostEvidence:
    """One post as the bag shows it."""

    channel: Channel
    post: Post
    versions: tuple[PostVersion, ...]
    captures: tuple[Capture, ...]
    media: tuple[tuple[str, bytes], ...] = ()  # (file name, content): the media pipeline's files
    ocr: tuple[tuple[str, str], ...] = ()  # (file name, recognised text)
    media_seqs: tuple[int, ...] = ()  # the "media_captured" custody entries of `media`

    @property
    def folder(self) -> str:
        return f"posts/{self.channel.telegram_id}-{self.post.message_id}"


@dataclass(frozen=True, slots=True)
class SealEvidence:
    """A seal, every entry it covers (in order), and its timestamps."""

    seal: Seal
    entries: tuple[CustodyEntry, ...]
    timestamps: tuple[Timestamp, ...]


@dataclass(frozen=True, slots=True)
class BagSummary:
    posts: int
    captures: int
    entries: int
    seals: int
    tokens: int
    unsealed: int  # capture entries no seal covers yet (none after an export's own seal)


def _write(path: Path, data: bytes | str) -> str:
    """Write a file and return its SHA-256."""
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    path.write_bytes(raw)
    return sha256_hex(raw)


def _prepare(out: Path) -> None:
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise BagWriteError(f"{out} exists and is not an empty folder: name a new folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise BagWriteError(f"cannot create {out}: {e.strerror}") from e


def _write_post(data: Path, item: PostEvidence) -> list[str]:
    folder = data / item.folder
    names: list[tuple[Capture, str]] = []
    for n, capture in enumerate(item.captures, 1):
        version = "" if capture.version is None else f"-v{capture.version}"
        name = f"captures/{n:03d}-{capture.kind}{version}.json"
        _write(folder / name, capture.record)
        names.append((capture, name))
    versions = [
        {
            "version": v.version,
            "text": v.text,
            "edit_date": iso(v.edit_date) if v.edit_date else None,
            "seen_at": iso(v.seen_at),
        }
        for v in item.versions
    ]
    _write(folder / "versions.json", json.dumps(versions, ensure_ascii=False, indent=2) + "\n")
    media = [
        PageFile(f"media/{name}", _write(folder / "media" / name, content), name)
        for name, content in item.media
    ]
    ocr = [
        PageFile(f"ocr/{name}", _write(folder / "ocr" / name, text), name)
        for name, text in item.ocr
    ]
    page = post_page(item.channel, item.post, item.versions, names, media, ocr)
    _write(folder / "post.html", page)
    return [c.sha256 for c in item.captures]


def custody_seqs(posts: Sequence[PostEvidence]) -> set[int]:
    """The custody entries a bag of these posts carries: captures and media captured."""
    return {c.custody_seq for item in posts for c in item.captures} | {
        seq for item in posts for seq in item.media_seqs
    }


def _write_custody(
    data: Path, seqs: set[int], seals: Sequence[SealEvidence], loose: Sequence[CustodyEntry]
) -> tuple[int, int]:
    """custody/<seq>.json (canonical) and, for sealed ones, custody/<seq>.proof.json."""
    written = unsealed = 0
    for sealed in seals:
        tree = MerkleTree([leaf_hash(e.canonical) for e in sealed.entries])
        for index, entry in enumerate(sealed.entries):
            if entry.seq not in seqs:
                continue
            _write(data / "custody" / f"{entry.seq}.json", entry.canonical)
            proof = {
                "seq": entry.seq,
                "seal": sealed.seal.id,
                "index": index,
                "size": len(sealed.entries),
                "leaf": tree.leaves[index].hex(),
                "path": [p.hex() for p in tree.proof(index)],
            }
            _write(data / "custody" / f"{entry.seq}.proof.json", canonical(proof))
            written += 1
    for entry in loose:
        _write(data / "custody" / f"{entry.seq}.json", entry.canonical)
        written += 1
        unsealed += 1
    return written, unsealed


def _write_seals(data: Path, seals: Sequence[SealEvidence]) -> int:
    tokens = 0
    for sealed in seals:
        folder = data / "seals" / str(sealed.seal.id)
        _write(folder / "seal.json", canonical(sealed.seal.body))
        for n, stamp in enumerate(sealed.timestamps, 1):
            _write(folder / f"tsa-{n}.tsr", stamp.token)
            _write(folder / f"tsa-{n}-certs.pem", stamp.certificates)
            about = {"tsa_url": stamp.tsa_url, "gen_time": iso(stamp.gen_time)}
            _write(folder / f"tsa-{n}.json", json.dumps(about, indent=2) + "\n")
            tokens += 1
    return tokens


def write_bag(
    out: Path,
    posts: Sequence[PostEvidence],
    seals: Sequence[SealEvidence],
    *,
    loose_entries: Sequence[CustodyEntry] = (),
    query: str,
    now: datetime,
    tsa_ca_pems: Sequence[bytes] = (),
) -> BagSummary:
    """Write the bag into `out` (a new or empty folder)."""
    _prepare(out)
    data = out  # make_bag moves all of it into data/
    captures = 0
    for item in posts:
        captures += len(_write_post(data, item))
    seqs = custody_seqs(posts)
    entries, unsealed = _write_custody(data, seqs, seals, loose_entries)
    tokens = _write_seals(data, seals)
    for n, pem in enumerate(tsa_ca_pems, 1):
        _write(data / "tsa-ca" / f"ca-{n}.pem", pem)
    _write(data / "README.txt", readme_text(query=query, now=now, posts=len(posts)))
    _write(data / "index.html", _index(posts))
    bagit.make_bag(
        str(out),
        bag_info={
            "Source-Organization": "draftwatch",
            "External-Description": f"draftwatch evidence export of the query {query!r}",
            "Bagging-Date": now.date().isoformat(),
        },
        checksums=["sha256"],
    )
    return BagSummary(len(posts), captures, entries, len(seals), tokens, unsealed)


def _index(posts: Sequence[PostEvidence]) -> str:
    items = "".join(
        f'<li><a href="{escape(p.folder)}/post.html">{escape(p.channel.label)} '
        f"{p.post.message_id}</a> {escape(p.post.text[:120])}</li>"
        for p in posts
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>draftwatch '
        f"evidence</title></head><body><h1>Posts</h1><ul>{items}</ul></body></html>\n"
    )
