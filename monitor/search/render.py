"""Search results as text: Telegram HTML cards for the bot, flat records for CSV/JSONL (pure)."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Sequence
from typing import TextIO
from zoneinfo import ZoneInfo

from monitor.domain import MediaState, StoredMedia
from monitor.markup import escape, snippet, split_message, truncate
from monitor.search.query import SearchPage, SearchResult

RECORD_FIELDS = (
    "date",
    "channel",
    "channel_id",
    "message_id",
    "link",
    "text",
    "categories",
    "rules",
    "views",
    "forwards",
    "forwarded_from",
    "media",
    "edited",
    "deleted",
    "media_files",
    "ocr_text",
)


def result_record(result: SearchResult) -> dict[str, str | int | None]:
    """One result as a flat record: the columns of a CSV export, the keys of a JSONL line."""
    post = result.post
    return {
        "date": post.date.isoformat(),
        "channel": result.channel.label,
        "channel_id": result.channel.telegram_id,
        "message_id": post.message_id,
        "link": result.link,
        "text": post.text,
        "categories": ",".join(result.categories),
        "rules": ",".join(h.rule_id for h in result.hits),
        "views": post.views,
        "forwards": post.forwards,
        "forwarded_from": post.forwarded_from,
        "media": post.media_kind,
        "edited": post.edit_date.isoformat() if post.edit_date else None,
        "deleted": post.deleted_at.isoformat() if post.deleted_at else None,
        "media_files": " | ".join(media_line(m) for m in result.media) or None,
        "ocr_text": "\n---\n".join(m.ocr_text for m in result.media if m.ocr_text) or None,
    }


def media_line(media: StoredMedia) -> str:
    """`photo image/jpeg 48213 B sha256:3f2a…`, or the state when it is not stored (yet)."""
    parts = [media.kind, media.mime or "?"]
    if media.size is not None:
        parts.append(f"{media.size} B")
    if media.state is MediaState.DONE and media.sha256:
        parts.append(f"sha256:{media.sha256}")
    else:
        parts.append(media.state.value + (f" ({media.failure})" if media.failure else ""))
    return " ".join(parts)


def result_card(result: SearchResult, *, number: int, timezone: str = "UTC") -> str:
    """A short Telegram HTML card: number, channel, local date, snippet in bold, link."""
    when = result.post.date.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")
    marks = []
    if result.post.edit_date:
        marks.append("edited")
    if result.post.deleted_at:
        marks.append("deleted")
    categories = ", ".join(result.categories)
    head = f"<b>{number}.</b> {escape(result.channel.label)} · {when}"
    if categories:
        head += f" · {escape(categories)}"
    if marks:
        head += f" · <i>{', '.join(marks)}</i>"
    body = snippet(result.post.text, result.spans, width=200) or "<i>(no text)</i>"
    read = [m.ocr_text for m in result.media if m.ocr_text]
    if read and not result.spans:  # found by what OCR read in its photo
        body += f"\n📷 <i>{escape(truncate(' '.join(read[0].split()), 160))}</i>"
    return f'{head}\n{body}\n<a href="{escape(result.link)}">open post</a>'


def search_page_messages(
    page: SearchPage, *, timezone: str = "UTC", total: int | None = None
) -> list[str]:
    """The bot's reply to /search: a header (with the total count when known) and the cards,
    split under Telegram's limit."""
    if not page.results:
        return [f"Nothing found for <code>{escape(page.query.text)}</code>."]
    first = page.offset + 1
    last = page.offset + len(page.results)
    more = " (more on the next page)" if page.has_more else ""
    of = f" of {total}" if total is not None else ""
    header = f"Results {first}–{last}{of} for <code>{escape(page.query.text)}</code>{more}"
    cards = _cards(page.results, first, timezone)
    return split_message("\n\n".join([header, *cards]))


def _cards(results: Sequence[SearchResult], first: int, timezone: str) -> list[str]:
    return [result_card(r, number=first + i, timezone=timezone) for i, r in enumerate(results)]


def record_writer(fmt: str, fh: TextIO) -> Callable[[SearchResult], None]:
    """A writer of results to `fh`: CSV with a header row, or `jsonl` (one JSON object a line)."""
    if fmt == "jsonl":

        def write_json(result: SearchResult) -> None:
            fh.write(json.dumps(result_record(result), ensure_ascii=False) + "\n")

        return write_json
    writer = csv.DictWriter(fh, fieldnames=RECORD_FIELDS)
    writer.writeheader()

    def write_csv(result: SearchResult) -> None:
        writer.writerow(result_record(result))

    return write_csv
