"""The text of a follow-up: an analyst's alerted post was edited or deleted (pure, no I/O)."""

from __future__ import annotations

from datetime import datetime, timedelta
from html import escape

SNIPPET = 300


def _snippet(text: str) -> str:
    flat = " ".join(text.split())
    return escape(flat if len(flat) <= SNIPPET else flat[: SNIPPET - 1] + "…")


def _duration(span: timedelta) -> str:
    minutes = max(0, int(span.total_seconds() // 60))
    if minutes < 90:
        return f"{minutes} min"
    hours = minutes / 60
    return f"{hours:.1f} hours" if hours < 48 else f"{hours / 24:.1f} days"


def _whose(copy: bool) -> str:
    """The post of the alert, or a copy of its story in another channel the alert lists."""
    return "a copy this alert lists (also in)" if copy else "the post of this alert"


def deleted_text(
    *,
    link: str,
    posted: datetime,
    seen_gone: datetime,
    capture_sha256: str,
    post_id: int,
    copy: bool = False,
) -> str:
    return (
        f"🗑 <b>Deleted</b>: {_whose(copy)} is gone ({escape(link)}). It stayed up "
        f"about {_duration(seen_gone - posted)} (posted {posted:%Y-%m-%d %H:%M} UTC, seen "
        f"gone {seen_gone:%Y-%m-%d %H:%M} UTC).\n"
        f"Its capture is kept: SHA-256 <code>{capture_sha256}</code>\n"
        f"The evidence bundle: /evidence #{post_id}"
    )


def edited_text(
    *,
    link: str,
    version: int,
    before: str,
    after: str,
    capture_sha256: str,
    post_id: int,
    copy: bool = False,
) -> str:
    return (
        f"✏️ <b>Edited</b>: {_whose(copy)} changed (version {version}, {escape(link)}).\n"
        f"Now: «{_snippet(after)}»\n"
        f"Was: «{_snippet(before)}»\n"
        f"Every version is kept; this capture's SHA-256 is <code>{capture_sha256}</code>\n"
        f"The evidence bundle: /evidence #{post_id}"
    )
