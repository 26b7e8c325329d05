"""Alert messages for Telegram: one alert, or a batch after a burst, in Telegram HTML (pure)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from html import unescape
from zoneinfo import ZoneInfo

from monitor.alerts.planning import EXPRESSION_RULE_PREFIX, AlertItem, Sighting
from monitor.domain import Hit, Span
from monitor.markup import (
    CAPTION_LIMIT,
    MESSAGE_LIMIT,
    bold_spans,
    escape,
    snippet,
    split_message,
    truncate,
)
from monitor.matching import CATEGORIES
from monitor.places.render import places_html

TEXT_LIMIT = 1500  # characters of the post shown under an alert
SNIPPET_WIDTH = 200
BATCH_SNIPPET_WIDTH = 90
SIGHTINGS_SHOWN = 8
VISIBLE_LIMIT = MESSAGE_LIMIT - 96  # margin for characters Telegram counts twice (UTF-16)
CAPTION_TEXT_LIMIT = 600  # characters of the post under an alert that carries its photo
CAPTION_VISIBLE_LIMIT = CAPTION_LIMIT - 64
_TAG = re.compile(r"<[^>]*>")


def local_time(moment: datetime, timezone: str) -> str:
    """`2024-11-25 11:00 EET`: a post's date in the subscriber's time zone."""
    return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M %Z")


def render_alert(item: AlertItem, timezone: str, *, text_limit: int = TEXT_LIMIT) -> str:
    """One alert: what matched, where and when, the snippet in bold, the post's text, what was
    read in its photo, copies. With a photo to carry it is a caption: it fits CAPTION_LIMIT."""
    if item.photo is None:
        return _alert(item, timezone, text_limit)
    for limit in (min(text_limit, CAPTION_TEXT_LIMIT), 300, 120, 0):
        html = _alert(item, timezone, limit)
        if visible_length(html) <= CAPTION_VISIBLE_LIMIT:
            return html
    return split_message(html, CAPTION_LIMIT)[0]


def _alert(item: AlertItem, timezone: str, text_limit: int) -> str:
    post, channel = item.post, item.channel
    spans = _spans(item.hits)
    head = "✏️ <b>Edited post now matches</b>" if item.edited else "🔔 <b>Draft notice</b>"
    lines = [
        f"{head} · {_rules(item.hits)}",
        f'<a href="{escape(channel.post_link(post.message_id))}">{escape(channel.title)}</a>'
        f" · {escape(local_time(post.date, timezone))}",
    ]
    if (where := places_html(post.text)) is not None:  # 📍 settlements · regions (monitor/places)
        lines.append(where)
    if post.deleted_at is not None:
        lines.append("<i>(deleted from the channel since)</i>")
    if spans and len(post.text) > text_limit:
        lines += ["", snippet(post.text, spans, width=SNIPPET_WIDTH)]
    if post.text and text_limit > 0:
        lines += ["", _body(post.text, spans, text_limit)]
    photo_words = in_the_photo(item.hits)
    if photo_words:
        lines += ["", photo_words]
    if item.also_in:
        lines += ["", _also_in(item.also_in)]
    html = "\n".join(lines)
    if len(html) > MESSAGE_LIMIT:  # only with pathological titles: cut, never fail
        html = split_message(html)[0]
    return html


def visible_length(html: str) -> int:
    """Characters Telegram counts against its limit: the text without tags, entities decoded."""
    return len(unescape(_TAG.sub("", html)))


def render_batch(items: Sequence[AlertItem], timezone: str) -> str:
    """A burst as one message: a line per alert with time, channel link, rule and a snippet.

    Tags do not count against Telegram's limit, so the visible text is measured, with a
    margin; snippets shrink, then go, when many alerts share one message.
    """
    for width in (BATCH_SNIPPET_WIDTH, 50, 0):
        html = _batch(items, timezone, width)
        if visible_length(html) <= VISIBLE_LIMIT and len(html) <= 3 * MESSAGE_LIMIT:
            return html
    return split_message(html)[0]


def _batch(items: Sequence[AlertItem], timezone: str, width: int) -> str:
    zone = ZoneInfo(timezone)
    lines = [f"📦 <b>{len(items)} draft notices</b> (a burst, batched; times {escape(timezone)})"]
    for n, item in enumerate(items, 1):
        post, channel = item.post, item.channel
        when = post.date.astimezone(zone).strftime("%d.%m %H:%M")
        link = f'<a href="{escape(channel.post_link(post.message_id))}">{escape(channel.title)}</a>'
        edited = " ✏️" if item.edited else ""
        also = f" (+{_channel_count(item.also_in)} ch.)" if item.also_in else ""
        photo = " 📷" if any(h.source == "media" for h in item.hits) else ""
        line = f"{n}. {when} {link}{edited}{also}{photo} · {_rules(item.hits, short=True)}"
        if width:
            line += "\n    " + snippet(post.text, _spans(item.hits), width=width)
        lines.append(line)
    return "\n".join(lines)


def category_words(category: str) -> str:
    """`roundup` -> `Round-ups and street checks`: a category as an analyst reads it (the
    description's words before its examples); an unknown category stays as it is."""
    description = CATEGORIES.get(category, "")
    return description.split(" (", 1)[0] or category


def _rules(hits: Sequence[Hit], *, short: bool = False) -> str:
    """What matched, in words: the categories (not rule ids); keyword expressions in code."""
    if not hits:
        return "<i>no rule</i>"
    parts: dict[str, list[str]] = {}
    for hit in hits:
        if hit.rule_id.startswith(EXPRESSION_RULE_PREFIX):
            expression = hit.rule_id.removeprefix(EXPRESSION_RULE_PREFIX)
            parts.setdefault("keywords", []).append(
                f"<code>{escape(truncate(expression, 60))}</code>"
            )
        else:
            parts.setdefault(category_words(hit.category), [])
    if short:
        return escape(", ".join(parts))
    return "; ".join(
        f"<b>{escape(c)}</b>" + (f": {', '.join(dict.fromkeys(r))}" if r else "")
        for c, r in parts.items()
    )


def _phrases(spans: Sequence[Span]) -> list[str]:
    """Surfaces, lowercased; neighbours (one space or line break apart) joined."""
    out: list[str] = []
    end = -10
    for span in sorted(spans, key=lambda s: s.start):
        word = " ".join(span.surface.split()).lower()
        if out and 0 <= span.start - end <= 1:
            out[-1] += " " + word
        else:
            out.append(word)
        end = span.end
    return out


def _spans(hits: Sequence[Hit]) -> list[tuple[int, int]]:
    """Spans into the post's text (a photo's hits point into its OCR text instead)."""
    return sorted({(s.start, s.end) for h in hits if h.source != "media" for s in h.spans})


def in_the_photo(hits: Sequence[Hit], shown: int = 6) -> str:
    """`📷 in the photo: «повестка», «военный комиссариат»` for hits read by OCR, else "".

    Spans of one hit that stand next to each other in the OCR text read as one phrase."""
    words: list[str] = []
    for hit in hits:
        if hit.source != "media":
            continue
        for phrase in _phrases(hit.spans):
            if phrase and phrase not in words:
                words.append(phrase)
    if not words and any(h.source == "media" for h in hits):
        return "📷 in the photo"
    if not words:
        return ""
    quoted = ", ".join(f"«{escape(truncate(w, 60))}»" for w in words[:shown])
    return f"📷 in the photo: {quoted}" + (" …" if len(words) > shown else "")


def _body(text: str, spans: Sequence[tuple[int, int]], limit: int) -> str:
    shown = truncate(text, limit)
    cut = len(shown) - (1 if shown != text else 0)
    inside = [(s, e) for s, e in spans if e <= cut]
    body = bold_spans(text[:cut], inside) + ("…" if shown != text else "")
    return f"<blockquote>{body}</blockquote>"


def _channel_count(sightings: Sequence[Sighting]) -> int:
    return len({s.channel.telegram_id for s in sightings})


def _also_in(sightings: Sequence[Sighting]) -> str:
    links = [
        f'<a href="{escape(s.link)}">{escape(s.channel.title)}</a>'
        for s in sightings[:SIGHTINGS_SHOWN]
    ]
    more = len(sightings) - SIGHTINGS_SHOWN
    tail = f" and {more} more" if more > 0 else ""
    n = _channel_count(sightings)
    noun = "channel" if n == 1 else "channels"
    return f"🔁 Also in {n} {noun}: {', '.join(links)}{tail}"
