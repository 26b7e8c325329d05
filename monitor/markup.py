"""Telegram HTML primitives: escaping, bold spans, snippets, splitting under the 4096 limit (pure)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence

MESSAGE_LIMIT = 4096  # characters in one Telegram message
CAPTION_LIMIT = 1024  # characters in a photo caption


def escape(text: str) -> str:
    """Escape text for Telegram's HTML parse mode (only &, < and > matter there)."""
    return html.escape(text, quote=False)


def bold_spans(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """Escape `text` and wrap the given [start, end) ranges in <b>; overlaps are merged."""
    merged: list[list[int]] = []
    for start, end in sorted((max(0, s), min(len(text), e)) for s, e in spans):
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out: list[str] = []
    pos = 0
    for start, end in merged:
        out.append(escape(text[pos:start]))
        out.append(f"<b>{escape(text[start:end])}</b>")
        pos = end
    out.append(escape(text[pos:]))
    return "".join(out)


def snippet(text: str, spans: Sequence[tuple[int, int]], *, width: int = 160) -> str:
    """HTML of the text around the first match, matched words in bold, cut at word edges with …."""
    if not spans:
        short = text[:width]
        cut = short if len(text) <= width else short.rsplit(" ", 1)[0] + "…"
        return escape(cut)
    first = min(s for s, _ in spans)
    start = max(0, first - width // 3)
    end = min(len(text), start + width)
    if start > 0:
        space = text.find(" ", start, first)
        start = space + 1 if space != -1 else start
    if end < len(text):
        space = text.rfind(" ", max(s for s, _ in spans if s < end), end)
        end = space if space > start else end
    inside = [
        (max(s, start) - start, min(e, end) - start) for s, e in spans if s < end and e > start
    ]
    body = bold_spans(text[start:end], inside)
    return ("…" if start > 0 else "") + body + ("…" if end < len(text) else "")


def truncate(text: str, limit: int) -> str:
    """Plain text cut to `limit` characters at a word edge, with … when cut."""
    if len(text) <= limit:
        return text
    cut = text[: max(0, limit - 1)]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut) + "…"


_TOKEN = re.compile(r"<[^<>]*>|&#?\w+;|\n|[^<&\n]+|[<&]")
_TAG = re.compile(r"<(/?)([a-zA-Z0-9-]+)")


def split_message(html_text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split HTML into messages of at most `limit` characters, preferring line breaks.

    A cut never falls inside a tag or an entity; tags open at a cut are closed there and
    opened again in the next part, so every part is valid HTML on its own.
    """
    splitter = _Splitter(limit)
    for token in _TOKEN.findall(html_text):
        splitter.add(token)
    return splitter.finish()


class _Splitter:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.parts: list[str] = []
        self.current = ""
        self.stack: list[tuple[str, str]] = []  # (tag name, opening tag) of open elements
        self.last_break = -1  # index in current of a newline outside any element

    def add(self, token: str) -> None:
        while True:
            stack = self._stack_after(token)
            if len(self.current) + len(token) + _closing_len(stack) <= self.limit:
                self.current += token
                self.stack = stack
                if token == "\n" and not stack:
                    self.last_break = len(self.current) - 1
                return
            if self.last_break > 0:
                self.parts.append(self.current[: self.last_break])
                self.current = self.current[self.last_break + 1 :]
                self.last_break = -1
                continue
            if not token.startswith(("<", "&")) and token != "\n":
                token = self._fill(token)
            self._flush()

    def _fill(self, text: str) -> str:
        """Put as much of `text` as fits (at a space if possible) into the current part."""
        room = self.limit - len(self.current) - _closing_len(self.stack)
        if room <= 0:
            return text
        cut = room
        space = text.rfind(" ", 0, room)
        if space > room // 2:
            cut = space + 1
        self.current += text[:cut]
        return text[cut:]

    def _flush(self) -> None:
        closing = "".join(f"</{name}>" for name, _ in reversed(self.stack))
        if self.current.strip():
            self.parts.append(self.current + closing)
        self.current = "".join(tag for _, tag in self.stack)
        self.last_break = -1

    def _stack_after(self, token: str) -> list[tuple[str, str]]:
        m = _TAG.match(token)
        if m is None:
            return self.stack
        if m[1]:
            return self.stack[:-1]
        return [*self.stack, (m[2].lower(), token)]

    def finish(self) -> list[str]:
        if self.current or not self.parts:
            self.parts.append(self.current)
        return self.parts


def _closing_len(stack: list[tuple[str, str]]) -> int:
    return sum(len(name) + 3 for name, _ in stack)
