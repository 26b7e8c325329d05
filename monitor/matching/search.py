"""Lemma terms for archive search: what to index for a post and what to look up for a word (no I/O but one data file)."""

from __future__ import annotations

import tomllib
from functools import cache, lru_cache
from importlib import resources

from monitor.matching.morphology import lemmas
from monitor.matching.normalize import fold_word, normalize, tokens


@cache
def equivalents() -> dict[str, str]:
    """Lemma -> the canonical lemma of its Russian/Ukrainian group (monitor/patterns/equivalents.toml)."""
    text = resources.files("monitor.patterns").joinpath("equivalents.toml").read_text("utf-8")
    out: dict[str, str] = {}
    for group in tomllib.loads(text)["groups"]:
        folded = [fold_word(w) for w in group]
        for word in folded:
            out.setdefault(word, folded[0])
    return out


@lru_cache(maxsize=200_000)
def _token_terms(token: str) -> tuple[str, ...]:
    found = lemmas(token)
    canon = equivalents()
    return tuple(dict.fromkeys((*found, *(canon[f] for f in found if f in canon))))


@lru_cache(maxsize=20_000)
def _query_token(token: str) -> tuple[str, ...]:
    canon = equivalents()
    return tuple(dict.fromkeys(canon.get(f, f) for f in lemmas(token)))


def index_terms(text: str) -> list[str]:
    """The lemma terms to index for a text: both languages' lemmas and the shared canonical one.

    Every term of query_terms(w) is among index_terms(w), so a search for any form of a
    word, in either language, finds every form of it.
    """
    s = normalize(text).text
    return [term for start, end in tokens(s) for term in _token_terms(s[start:end])]


def query_terms(word: str) -> list[str]:
    """The terms to look up for a query word (several for a multi-word or ambiguous query)."""
    s = normalize(word).text
    return list(dict.fromkeys(t for start, end in tokens(s) for t in _query_token(s[start:end])))
