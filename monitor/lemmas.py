"""Stand-in lemmatizer for search until monitor.matching exports index_terms/query_terms (pure).

Same two-function interface as monitor.matching: `index_terms(text)` gives the lemma tokens
of a text in order, `query_terms(word)` the lemma(s) to look up for one query word. Russian
and Ukrainian through pymorphy3; the analyzers load lazily on first use.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import Any

from monitor.domain import Hit, Span
from monitor.query import Lemmatizer

# Russian and Ukrainian lemmas of the draft vocabulary that name the same thing: a query for
# one language's word also looks up the other's.
_EQUIVALENTS = (
    ("повестка", "повістка"),
    ("военкомат", "військкомат"),
    ("мобилизация", "мобілізація"),
    ("призыв", "призов"),
    ("призывник", "призовник"),
    ("облава", "облава"),
    ("мобилизовать", "мобілізувати"),
    ("вручать", "вручати"),
)
_WORD = re.compile(r"\w+(?:['’ʼ-]\w+)*")
_UKRAINIAN_LETTERS = frozenset("іїєґ")


@cache
def _analyzer(lang: str) -> Any:
    import pymorphy3  # heavy: loaded on first use, never at import time

    return pymorphy3.MorphAnalyzer(lang=lang)


def _normal(word: str) -> str:
    word = word.replace("’", "'").replace("ʼ", "'")
    if not any(ch.isalpha() for ch in word) or not _is_cyrillic(word):
        return word
    languages = ("uk", "ru") if _UKRAINIAN_LETTERS & set(word) else ("ru", "uk")
    for lang in languages:
        parses = _analyzer(lang).parse(word)
        if parses and _analyzer(lang).word_is_known(word):
            return str(parses[0].normal_form)
    return str(_analyzer(languages[0]).parse(word)[0].normal_form)


def _is_cyrillic(word: str) -> bool:
    return any("\u0400" <= ch <= "\u04ff" for ch in word)


@lru_cache(maxsize=200_000)
def lemma(word: str) -> str:
    """The normalized lemma of one lower-cased word (ё folded to е)."""
    return _normal(word.lower().replace("ё", "е")).replace("ё", "е")


def index_terms(text: str) -> list[str]:
    """The lemma tokens of a text, in order, for the full-text index."""
    return [lemma(w) for w in _WORD.findall(text)]


def query_terms(word: str) -> list[str]:
    """The lemma(s) to look up for one query word: its lemma and the other language's."""
    lemmas = index_terms(word)
    if len(lemmas) != 1:
        return list(dict.fromkeys(lemmas))
    found = [lemmas[0]]
    for pair in _EQUIVALENTS:
        if lemmas[0] in pair:
            found.extend(pair)
    return list(dict.fromkeys(found))


_STAND_IN_RULES = (
    ("summons", ("повестка", "повістка")),
    ("enlistment_office", ("военкомат", "військкомат", "тцк")),
    ("raid", ("облава",)),
    ("mobilization", ("мобилизация", "мобілізація", "мобилизовать", "мобілізувати")),
)


def find_hits(text: str) -> list[Hit]:
    """Stand-in matcher until monitor.matching's compiled packs are wired in: one hit per category."""
    hits = []
    for category, lemmas in _STAND_IN_RULES:
        spans = tuple(
            Span(m.start(), m.end(), m[0], lemma(m[0]))
            for m in _WORD.finditer(text)
            if lemma(m[0]) in lemmas
        )
        if spans:
            hits.append(Hit(f"{category}.stand_in", category, spans))
    return hits


def default_lemmatizer() -> Lemmatizer:
    """The lemmatizer search uses: the one place to switch to monitor.matching's."""
    return Lemmatizer(index_terms=index_terms, query_terms=query_terms)
