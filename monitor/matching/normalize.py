"""Normalize post text for matching and keep a map back to the original characters (no I/O).

Every step that keeps the length (case, ё, apostrophes, markup, homoglyphs) works on the
whole string at C speed; the steps that delete or insert characters (NFKC of decomposed
text, zero-width and stress marks, spaced-out letters, camel-case hashtags) run only when a
cheap regex says they are needed, and only then build an offset map.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Any

import re2

# Characters dropped inside words: zero-width, soft hyphen, BOM, combining stress marks.
_DELETABLE = "\u00ad\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\ufeff\u0300\u0301"
_DELETABLE_RE = re.compile(f"[{_DELETABLE}]")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")

# Compatibility characters common in posts, folded one-for-one before the NFKC check so that
# the check passes and no offset map is needed (NFKC would turn "…" into three characters).
_PRE_FOLD = (
    ("\u00a0", " "),
    ("\u202f", " "),
    ("\u200a", " "),
    ("…", "."),
    ("№", "#"),
    ("\u2011", "-"),
)
# Length-preserving folds applied after lower(): ё, apostrophes, Telegram markdown, hashtags.
# A chain of str.replace is ten times faster than str.translate on Cyrillic text.
_FOLD = (
    ("ё", "е"),
    ("ʼ", "'"),
    ("’", "'"),
    ("‘", "'"),
    ("`", "'"),
    ("´", "'"),
    ("ʹ", "'"),
    ("*", " "),
    ("_", " "),
    ("~", " "),
    ("|", " "),
    ("#", " "),
)

# Latin letters and digits that pass for Cyrillic ones, folded inside mostly-Cyrillic words.
_HOMOGLYPHS = str.maketrans(
    {
        "a": "а",
        "b": "в",
        "c": "с",
        "e": "е",
        "h": "н",
        "i": "і",
        "k": "к",
        "m": "м",
        "o": "о",
        "p": "р",
        "t": "т",
        "x": "х",
        "y": "у",
        "0": "о",
        "3": "з",
        "4": "ч",
        "6": "б",
    }
)
_LOOKALIKE_LETTERS = frozenset("abcehikmoptxy")
_CYRILLIC = "а-яіїєґ"
_MIXED_WORD_RE = re.compile(f"[^\\W_]*(?:[{_CYRILLIC}][a-z0-9]|[a-z0-9][{_CYRILLIC}])[^\\W_]*")
_CYRILLIC_RE = re.compile(f"[{_CYRILLIC}]")


def _re2(pattern: str) -> Any:
    options = re2.Options()
    options.log_errors = False
    return re2.compile(pattern, options)


# Cheap detectors (RE2, a DFA: 3x faster than re here) that decide whether a slow step runs.
_MIXED = f"[{_CYRILLIC}][a-z0-9]|[a-z0-9][{_CYRILLIC}]"
_SPACED = r"(?:^|[^\pL\pN])\pL[ .\-·\s]{1,2}\pL[ .\-·\s]{1,2}\pL(?:[^\pL\pN]|$)"
_MIXED_SEEN = _re2(_MIXED)
_SPACED_SEEN = _re2(_SPACED)
# Either of the two, in one pass: most posts have neither.
_OBFUSCATION_SEEN = _re2(f"{_MIXED}|{_SPACED}")
# Either a lone surrogate or a deletable character: most posts have neither.
_RARE_RE = re.compile(f"[\ud800-\udfff{_DELETABLE}]")

# Three or more single letters spread out with spaces, dots or dashes: "п о в е с т к а".
_SPACED_RE = re.compile(
    r"(?<![^\W_])(?:[^\W\d_](?:[ .\-·]{1,2}|\s))(?:[^\W\d_](?:[ .\-·]{1,2}|\s)){1,}"
    r"[^\W\d_](?![^\W_])"
)
_CELL_RE = re.compile(r"([^\W\d_])((?:[ .\-·]{1,2}|\s)?)")

# [text](url) as Telethon renders links: the url is blanked, the text stays in place.
_LINK_RE = re.compile(r"\[([^\[\]\n]*)\]\(([^()\s]*)\)")
_CAMEL_HASHTAG_RE = re.compile(r"#[^\W_]*[^\W\d_](?=[^\W_]*[A-ZА-ЯЁІЇЄҐ])\w*")

TOKEN_RE = re.compile(r"[^\W_]+(?:'[^\W_]+)*")


@dataclass(frozen=True, slots=True)
class Normalized:
    """A normalized text and, where it differs in length, where each character came from."""

    text: str
    source: str
    offsets: tuple[int, ...] | None = None  # offsets[i]: index in source of text[i]; None: same

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The original offsets of the normalized range text[start:end]."""
        if self.offsets is None:
            return start, end
        if start >= end:
            at = self.offsets[start] if start < len(self.offsets) else len(self.source)
            return at, at
        return self.offsets[start], self.offsets[end - 1] + 1


def normalize(text: str) -> Normalized:
    """Fold a post's text to the form patterns are compiled in, with a map to the original."""
    s, idx = text, None
    rare = _RARE_RE.search(s) is not None
    if rare and _SURROGATE_RE.search(s):  # lone surrogates from broken JSON: RE2 cannot encode them
        s = _SURROGATE_RE.sub("\ufffd", s)
    for old, new in _PRE_FOLD:
        if old in s:
            s = s.replace(old, new)
    if not unicodedata.is_normalized("NFKC", s):
        s, idx = _nfkc(s)
        rare = True  # NFKC may have made a deletable character
    if rare and _DELETABLE_RE.search(s):
        s, idx = _delete(s, idx, _DELETABLE_RE)
    if "#" in s and _CAMEL_HASHTAG_RE.search(s):
        s, idx = _split_hashtags(s, idx)
    lowered = s.lower()
    if len(lowered) != len(s):
        s, idx = _lower_by_char(s, idx)
    else:
        s = lowered
    for old, new in _FOLD:
        if old in s:
            s = s.replace(old, new)
    if "](" in s:
        s = _LINK_RE.sub(_blank_link, s)
    if _OBFUSCATION_SEEN.search(s):
        if _SPACED_SEEN.search(s) and _SPACED_RE.search(s):
            s, idx = _collapse_spaced(s, idx)
        if _MIXED_SEEN.search(s):
            s = _MIXED_WORD_RE.sub(_fold_homoglyphs, s)
    return Normalized(s, text, None if idx is None else tuple(idx))


def tokens(text: str) -> list[tuple[int, int]]:
    """Word tokens of a normalized text as (start, end) offsets."""
    return [m.span() for m in TOKEN_RE.finditer(text)]


def fold_word(word: str) -> str:
    """Normalize one dictionary word or pattern word (no offsets needed)."""
    return normalize(word).text.strip()


def _positions(s: str, idx: list[int] | None) -> list[int]:
    return list(range(len(s))) if idx is None else idx


def _nfkc(s: str) -> tuple[str, list[int]]:
    # Normalize per base character with its combining marks, so each output maps to a source.
    out: list[str] = []
    idx: list[int] = []
    for m in re.finditer(r".[\u0300-\u036f]*", s, re.DOTALL):
        piece = unicodedata.normalize("NFKC", m.group())
        out.append(piece)
        idx.extend([m.start()] * len(piece))
    return "".join(out), idx


def _delete(s: str, idx: list[int] | None, pattern: re.Pattern[str]) -> tuple[str, list[int]]:
    """Drop every match of `pattern`, slicing the kept runs (emoji joiners make this common)."""
    pos = _positions(s, idx)
    pieces: list[str] = []
    kept: list[int] = []
    last = 0
    for m in pattern.finditer(s):
        pieces.append(s[last : m.start()])
        kept.extend(pos[last : m.start()])
        last = m.end()
    pieces.append(s[last:])
    kept.extend(pos[last:])
    return "".join(pieces), kept


def _split_hashtags(s: str, idx: list[int] | None) -> tuple[str, list[int]]:
    pos = _positions(s, idx)
    out: list[str] = []
    new: list[int] = []
    last = 0
    for m in _CAMEL_HASHTAG_RE.finditer(s):
        out.append(s[last : m.start()])
        new.extend(pos[last : m.start()])
        tag = m.group()
        for i, c in enumerate(tag):
            at = m.start() + i
            if i > 1 and c.isupper() and _camel_boundary(tag, i):
                out.append(" ")
                new.append(pos[at])
            out.append(c)
            new.append(pos[at])
        last = m.end()
    out.append(s[last:])
    new.extend(pos[last:])
    return "".join(out), new


def _camel_boundary(tag: str, i: int) -> bool:
    before, after = tag[i - 1], tag[i + 1 : i + 2]
    return before.islower() or (before.isupper() and after.islower())


def _lower_by_char(s: str, idx: list[int] | None) -> tuple[str, list[int]]:
    pos = _positions(s, idx)
    out: list[str] = []
    new: list[int] = []
    for i, c in enumerate(s):
        low = c.lower()
        out.append(low)
        new.extend([pos[i]] * len(low))
    return "".join(out), new


def _blank_link(m: re.Match[str]) -> str:
    return " " + m.group(1) + " " * (len(m.group()) - len(m.group(1)) - 1)


def _collapse_spaced(s: str, idx: list[int] | None) -> tuple[str, list[int]]:
    """Join spread-out letters; a gap unlike the run's usual one stays a word break."""
    pos = _positions(s, idx)
    pieces: list[str] = []
    kept: list[int] = []
    last = 0
    for m in _SPACED_RE.finditer(s):
        pieces.append(s[last : m.start()])
        kept.extend(pos[last : m.start()])
        cells = list(_CELL_RE.finditer(s, m.start(), m.end()))
        usual = Counter(c.group(2) for c in cells[:-1]).most_common(1)[0][0]
        for i, cell in enumerate(cells):
            pieces.append(cell.group(1))
            kept.append(pos[cell.start(1)])
            if i < len(cells) - 1 and cell.group(2) != usual:
                pieces.append(" ")
                kept.append(pos[cell.start(2)])
        last = m.end()
    pieces.append(s[last:])
    kept.extend(pos[last:])
    return "".join(pieces), kept


def _fold_homoglyphs(m: re.Match[str]) -> str:
    word = m.group()
    cyrillic = len(_CYRILLIC_RE.findall(word))
    # Fold a mostly-Cyrillic word, or a Cyrillic word whose every Latin letter has a look-alike.
    all_lookalikes = all(c in _LOOKALIKE_LETTERS for c in word if "a" <= c <= "z")
    if cyrillic < 2 or (cyrillic * 2 <= len(word) and not all_lookalikes):
        return word
    # Digits count as letters only inside a word: "п0вестка", not "мобилизация2024".
    head = len(word) - len(word.lstrip("0123456789"))
    tail = len(word.rstrip("0123456789"))
    return word[:head] + word[head:tail].translate(_HOMOGLYPHS) + word[tail:]
