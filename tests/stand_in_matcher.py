"""A stand-in HitFinder for tests whose counts must not move with the pattern packs (a fake of our own interface)."""

from __future__ import annotations

import re

from monitor.domain import Hit, Span
from monitor.matching import index_terms

_WORD = re.compile(r"\w+(?:['’ʼ-]\w+)*")
RULES = (
    ("summons", ("повестка", "повістка")),
    ("enlistment_office", ("военкомат", "військкомат", "тцк")),
    ("raid", ("облава",)),
    ("mobilization", ("мобилизация", "мобілізація")),
)


def find_hits(text: str) -> list[Hit]:
    """One hit per category whose lemmas occur in the text, with every occurrence as a span."""
    hits = []
    for category, lemmas in RULES:
        spans = tuple(
            Span(m.start(), m.end(), m[0])
            for m in _WORD.finditer(text)
            if set(index_terms(m[0])) & set(lemmas)
        )
        if spans:
            hits.append(Hit(f"{category}.stand_in", category, spans))
    return hits
