"""The human-readable page of one post in a bag: channel, link, dates, versions side by side,
media, hashes; every value escaped (pure, no I/O)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape

from monitor.domain import Channel, Post, PostVersion
from monitor.evidence.records import Capture

STYLE = (
    "body{font-family:sans-serif;max-width:70em;margin:2em auto;line-height:1.4}"
    "table{border-collapse:collapse;width:100%}td,th{border:1px solid #999;padding:.4em;"
    "vertical-align:top;text-align:left}code{font-size:.85em;word-break:break-all}"
    ".text{white-space:pre-wrap}"
)


def _when(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if moment else "–"


@dataclass(frozen=True, slots=True)
class PageFile:
    """A file of the post's folder the page links to (captures, media, OCR text)."""

    path: str  # relative to the page
    sha256: str
    label: str


def post_page(
    channel: Channel,
    post: Post,
    versions: Sequence[PostVersion],
    captures: Sequence[tuple[Capture, str]],  # each with its file name
    media: Sequence[PageFile] = (),
    ocr: Sequence[PageFile] = (),
) -> str:
    """The page as HTML text (UTF-8)."""
    link = channel.post_link(post.message_id)
    deleted = (
        f"<p><strong>Deleted</strong>: seen gone at {_when(post.deleted_at)}, "
        f"{_stayed_up(post)} after it was posted.</p>"
        if post.deleted_at
        else ""
    )
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(channel.label)} {post.message_id}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>{escape(channel.title)} ({escape(channel.label)}), post {post.message_id}</h1>",
        f'<p>Link: <a href="{escape(link)}">{escape(link)}</a></p>',
        f"<p>Posted {_when(post.date)}; last edited {_when(post.edit_date)}</p>",
        deleted,
        "<h2>Versions</h2>",
        _versions_table(versions),
        "<h2>Capture records</h2>",
        _captures_table(captures),
    ]
    if media:
        parts += ["<h2>Media</h2>", _files_list(media)]
    if ocr:
        parts += ["<h2>Text recognised in the media (OCR)</h2>", _files_list(ocr)]
    parts.append(
        "<p>Each capture file's SHA-256 is in a custody entry (custody/), which a seal's "
        "Merkle root covers (seals/); README.txt says how to check all of it.</p>"
    )
    parts.append("</body></html>")
    return "\n".join(p for p in parts if p) + "\n"


def _stayed_up(post: Post) -> str:
    assert post.deleted_at is not None
    hours = (post.deleted_at - post.date).total_seconds() / 3600
    return f"{hours:.1f} hours" if hours < 48 else f"{hours / 24:.1f} days"


def _versions_table(versions: Sequence[PostVersion]) -> str:
    head = "".join(
        f"<th>Version {v.version}<br>seen {_when(v.seen_at)}<br>edited {_when(v.edit_date)}</th>"
        for v in versions
    )
    cells = "".join(f'<td class="text">{escape(v.text)}</td>' for v in versions)
    return f"<table><tr>{head}</tr><tr>{cells}</tr></table>"


def _captures_table(captures: Sequence[tuple[Capture, str]]) -> str:
    rows = "".join(
        "<tr>"
        f"<td>{escape(c.kind)}{'' if c.version is None else f' v{c.version}'}</td>"
        f"<td>{_when(c.captured_at)}</td><td>{escape(c.source)}</td>"
        f"<td>{escape(c.account)}</td>"
        f'<td><a href="{escape(name)}">{escape(name)}</a><br><code>{c.sha256}</code></td>'
        "</tr>"
        for c, name in captures
    )
    return (
        "<table><tr><th>What</th><th>Captured</th><th>Source</th><th>Reader account</th>"
        f"<th>File and SHA-256</th></tr>{rows}</table>"
    )


def _files_list(files: Sequence[PageFile]) -> str:
    items = "".join(
        f'<li><a href="{escape(f.path)}">{escape(f.label)}</a> <code>{f.sha256}</code></li>'
        for f in files
    )
    return f"<ul>{items}</ul>"
