"""Re-inflected and re-ordered variants of a post, for the robustness test (pure, no I/O).

A rule that means "men are detained" should fire on «задерживают мужчин», «задержали
мужчину» and «мужчин задержат» alike. `inflections` changes one word of a post at a time:
a verb into its other tenses, persons, numbers and genders and into its aspect partner
(monitor/patterns/aspects.toml), a noun into its other cases and numbers, a participle into
its other cases, numbers and short forms. `reordered` reverses the order of the phrases of a
clause. tests/matching/test_robustness.py requires the same rules to fire on the variants.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from monitor.matching.aspects import aspect_partners
from monitor.matching.morphology import analyzers

WORD_RE = re.compile(r"[^\W\d_]+(?:['ʼ’\-][^\W\d_]+)*")
_CYRILLIC = re.compile(r"[а-яёіїєґ'ʼ’\-]{3,}")
_AUXILIARY = frozenset({"быть", "бути"})
_CLAUSE_END = re.compile(r"[.!?;:,()«»\"\n—–]")
_CHANGED = frozenset({"NOUN", "VERB", "INFN", "PRTF", "PRTS"})
# Words that lean on the next word of the clause and move with it.
_LEANING = frozenset({"PREP", "CONJ", "PRCL", "ADJF", "PRTF", "NUMR", "NPRO", "ADVB"})
_FUTURE_AUX = {"ru": ("будет", "будут"), "uk": ("буде", "будуть")}


@dataclass(frozen=True, slots=True)
class Variant:
    """A post with one change: `kind` is inflect, aspect or order; `change` says what."""

    text: str
    kind: str
    change: str


@dataclass(frozen=True, slots=True)
class _Form:
    word: str
    kind: str  # inflect | aspect


def _parse(word: str, lang: str) -> Any | None:
    # Not a first name, surname or abbreviation: «дані» is data, not the name Дан.
    parses = [
        p
        for p in analyzers()[lang].parse(word)
        if p.is_known and not {"Name", "Surn", "Patr", "Abbr", "Init"} & set(p.tag.grammemes)
    ]
    for parse in parses:
        if parse.tag.POS in _CHANGED:
            return parse
    return parses[0] if parses else None


@lru_cache(maxsize=50_000)
def _tag(word: str, lang: str) -> Any | None:
    parses = analyzers()[lang].parse(word.lower())
    return parses[0].tag if parses else None


def _infinitive(lemma: str, lang: str) -> Any | None:
    for parse in analyzers()[lang].parse(lemma):
        # The lemma of a verb is its infinitive (tagged INFN in Russian, VERB in Ukrainian).
        if parse.is_known and parse.tag.POS in ("INFN", "VERB") and parse.normal_form == lemma:
            return parse
    return None


def _finite(parse: Any) -> list[str]:
    return [
        f.word
        for f in parse.lexeme
        if f.tag.POS == "VERB"
        and f.tag.mood != "impr"
        and not {"Infr", "infn"} & set(f.tag.grammemes)
    ]


@lru_cache(maxsize=50_000)
def forms(word: str, lang: str) -> tuple[_Form, ...]:
    """The other forms of a word (lower case) that `inflections` puts in its place."""
    parse = _parse(word, lang) if _CYRILLIC.fullmatch(word) else None
    if parse is None or parse.tag.POS not in _CHANGED or parse.normal_form in _AUXILIARY:
        return ()
    pos = parse.tag.POS
    out: dict[str, str] = {}
    if pos in ("VERB", "INFN"):
        for form in _finite(parse):
            out.setdefault(form, "inflect")
        infinitive = _infinitive(parse.normal_form, lang)
        if infinitive is not None and parse.tag.aspect == "impf":
            singular, plural = _FUTURE_AUX[lang]
            aux = singular if parse.tag.number == "sing" else plural
            out.setdefault(f"{aux} {infinitive.word}", "inflect")
        partner = aspect_partners().get(parse.normal_form.replace("ё", "е"))
        partner_parse = None if partner is None else _infinitive(partner, lang)
        if partner_parse is not None:
            out.setdefault(partner_parse.word, "aspect")
            for form in _finite(partner_parse):
                out.setdefault(form, "aspect")
    elif pos == "NOUN":
        # A noun used only in the plural (дані) or the singular keeps its number.
        fixed = "Pltm" in parse.tag or "Sgtm" in parse.tag
        for f in parse.lexeme:
            if f.tag.POS == "NOUN" and (not fixed or f.tag.number == parse.tag.number):
                out.setdefault(f.word, "inflect")
    else:
        for f in parse.lexeme:
            same = f.tag.voice == parse.tag.voice and f.tag.tense == parse.tag.tense
            if f.tag.POS in ("PRTF", "PRTS") and same:
                out.setdefault(f.word, "inflect")
    out.pop(word, None)
    return tuple(_Form(w, k) for w, k in out.items() if w)


def _cased(form: str, original: str) -> str:
    if original.isupper() and len(original) > 1:
        return form.upper()
    if original[:1].isupper():
        return form[:1].upper() + form[1:]
    return form


def inflections(
    text: str, lang: str, spans: Iterable[tuple[int, int]] | None = None
) -> list[Variant]:
    """Every one-word re-inflection of `text`; with `spans`, only of the words they touch."""
    wanted = None if spans is None else list(spans)
    out: list[Variant] = []
    for m in WORD_RE.finditer(text):
        start, end = m.span()
        if wanted is not None and not any(s < end and start < e for s, e in wanted):
            continue
        word = m.group()
        # Hashtags, handles, links and names like «Резерв+» stay as written.
        if text[start - 1 : start] in ("#", "@", "/") or text[end : end + 1] == "+":
            continue
        for form in forms(word.lower(), lang):
            new = _cased(form.word, word)
            out.append(Variant(text[:start] + new + text[end:], form.kind, f"{word}→{new}"))
    return out


def reordered(text: str, lang: str, around: Iterable[tuple[int, int]]) -> Variant | None:
    """The clauses that hold `around` with their phrases in reverse order; None if unchanged.

    A phrase is a word with the prepositions, adjectives and particles leaning on it:
    «Оккупанты | задерживают | молодых мужчин | на улицах» becomes «на улицах молодых мужчин
    задерживают Оккупанты».
    """
    bounds = [0, *(m.end() for m in _CLAUSE_END.finditer(text)), len(text)]
    pieces: list[str] = []
    last = 0
    changed = False
    spans = list(around)
    for start, end in itertools.pairwise(bounds):
        if not any(s < end and start < e for s, e in spans):
            continue
        words = list(WORD_RE.finditer(text, start, end))
        if len(words) < 2 or any(c in text[start:end] for c in "#@/"):
            continue
        chunks: list[tuple[int, int]] = []
        heads: list[Any] = []
        open_at: int | None = None
        for w in words:
            tag = _tag(w.group(), lang)
            pos = None if tag is None else tag.POS
            # A genitive stays with the noun it belongs to: «жителям Джанкоя».
            after_noun = bool(heads) and heads[-1] is not None and heads[-1].POS == "NOUN"
            if (
                open_at is None
                and tag is not None
                and pos == "NOUN"
                and "gent" in tag
                and after_noun
            ):
                chunks[-1] = (chunks[-1][0], w.end())
                continue
            if open_at is None:  # what lies between words (digits, signs) moves with the next
                open_at = chunks[-1][1] if chunks else w.start()
            if pos not in _LEANING:
                chunks.append((open_at, w.end()))
                heads.append(tag)
                open_at = None
        if open_at is not None and chunks:
            chunks[-1] = (chunks[-1][0], words[-1].end())
        if len(chunks) < 2:
            continue
        new = " ".join(text[a:b].strip() for a, b in reversed(chunks))
        pieces.append(text[last : chunks[0][0]] + new)
        last = chunks[-1][1]
        changed = True
    if not changed:
        return None
    pieces.append(text[last:])
    return Variant("".join(pieces), "order", "phrases reversed")
