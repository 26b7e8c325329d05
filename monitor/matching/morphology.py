"""Russian and Ukrainian morphology from pymorphy3: lemmas of a word, forms of a lemma (no I/O).

Both dictionaries are consulted for every word; neither language is guessed. A form that
one language inflects from the pattern's lemma but the other language knows as a different
word (Ukrainian "призов" = conscription, Russian "призов" = of prizes) is reported as a
cross-language homograph so that the matcher can ask the post's script which one it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from monitor.matching.aspects import aspect_partners
from monitor.matching.normalize import fold_word

LANGUAGES = ("ru", "uk")


@dataclass(frozen=True, slots=True)
class Expansion:
    """The inflected forms of one pattern word, and which of them need a language check."""

    lemma: str
    forms: frozenset[str]
    homographs: dict[str, str]  # form -> the language in which it is a form of `lemma`
    known: bool  # False when no dictionary knows the word and its forms are predicted


@cache
def analyzers() -> dict[str, Any]:
    """The two analyzers, built once per process (about 0.1 s and 15 MB)."""
    import pymorphy3  # here, not above: a matcher read from the compile cache never needs it

    return {lang: pymorphy3.MorphAnalyzer(lang=lang) for lang in LANGUAGES}


def _fold(word: str) -> str:
    return word.replace("ё", "е").replace("ʼ", "'").replace("’", "'")


@lru_cache(maxsize=200_000)
def lemmas(word: str) -> tuple[str, ...]:
    """Lemmas of a normalized word in both languages (dictionary words; predicted if unknown)."""
    known: set[str] = set()
    guessed: set[str] = set()
    for morph in analyzers().values():
        try:
            parses = morph.parse(word)
        except ValueError:
            # pymorphy asks unicodedata.name() of every letter and fails on letters Unicode
            # leaves unnamed (e.g. U+17000): pymorphy2/pymorphy2#137, inherited by pymorphy3.
            return (word,)
        known.update(_fold(p.normal_form) for p in parses if p.is_known)
        if parses:
            guessed.add(_fold(parses[0].normal_form))
    # An unknown word keeps itself beside the guesses: a guess can differ between its forms.
    return tuple(sorted(known or guessed | {word}))


def _parses_of_lemma(word: str, lang: str) -> list[Any]:
    return [p for p in analyzers()[lang].parse(word) if p.is_known and _fold(p.normal_form) == word]


@lru_cache(maxsize=20_000)
def expand(word: str) -> Expansion:
    """All inflected forms of a pattern word, from both dictionaries.

    A word that is no lemma itself ("повестку") is taken as its lemmas; a word that no
    dictionary knows ("мобик") gets the forms the analyzer predicts for it. A verb listed in
    monitor/patterns/aspects.toml brings its aspect partner's forms too: «задержать» matches
    «задерживают», «затримати» matches «затримують».
    """
    own = _expand_word(word)
    lemmas_of = {own.lemma, fold_word(word)}
    partners = sorted({aspect_partners()[w] for w in lemmas_of if w in aspect_partners()})
    if not partners:
        return own
    forms = set(own.forms)
    homographs = dict(own.homographs)
    for partner in partners:
        other = _expand_word(partner)
        forms |= other.forms
        for form, lang in other.homographs.items():
            homographs.setdefault(form, lang)
    # A form that is a plain form of one aspect is no homograph of the pair.
    for form in own.forms - set(own.homographs):
        homographs.pop(form, None)
    return Expansion(own.lemma, frozenset(forms), homographs, own.known)


def _expand_word(word: str) -> Expansion:
    word = fold_word(word)
    by_lang = {lang: _parses_of_lemma(word, lang) for lang in LANGUAGES}
    known = any(by_lang.values())
    if not known:
        for lang in LANGUAGES:
            morph = analyzers()[lang]
            by_lang[lang] = [
                p
                for p in morph.parse(word)
                if p.is_known and _fold(p.normal_form) != word
                for p in _parses_of_lemma(_fold(p.normal_form), lang)
            ]
        known = any(by_lang.values())
    if not known:
        by_lang = {
            lang: [p for p in analyzers()[lang].parse(word)[:1] if _fold(p.normal_form) == word]
            for lang in LANGUAGES
        }
    forms_by_lang = {
        lang: {fold_word(f.word) for p in parses for f in p.lexeme}
        for lang, parses in by_lang.items()
    }
    lemma_set = {_fold(p.normal_form) for parses in by_lang.values() for p in parses} | {word}
    homographs: dict[str, str] = {}
    for lang, forms in forms_by_lang.items():
        for other in LANGUAGES:
            if other == lang:
                continue
            for form in forms - forms_by_lang[other]:
                if _is_other_word(form, other, lemma_set):
                    homographs[form] = lang
    all_forms = frozenset(set().union(*forms_by_lang.values()) | {word})
    # "повестку" is reported as the lemma «повестка» it was taken for.
    others = lemma_set - {word}
    return Expansion(min(others) if others else word, all_forms, homographs, known)


def _is_other_word(form: str, lang: str, lemma_set: set[str]) -> bool:
    morph = analyzers()[lang]
    # A dictionary lookup first: most forms are unknown to the other language, and parsing an
    # unknown word runs the predictors (80% of a cold compile) for parses we would drop.
    if not morph.word_is_known(form):
        return False
    parses = [p for p in morph.parse(form) if p.is_known]
    return bool(parses) and not any(_fold(p.normal_form) in lemma_set for p in parses)


def homonyms(word: str) -> dict[str, tuple[str, ...]]:
    """Forms of a pattern word that the dictionaries also know as forms of other lemmas.

    "бронировать" yields "бронированный" (armoured); pack authors review these with
    `patterns check --homonyms` and exclude the senses they do not mean.
    """
    expansion = expand(word)
    out: dict[str, tuple[str, ...]] = {}
    for form in sorted(expansion.forms):
        others = {
            f"{lang}:{_fold(p.normal_form)}"
            for lang, morph in analyzers().items()
            for p in morph.parse(form)
            if p.is_known and _fold(p.normal_form) != expansion.lemma
        }
        if others:
            out[form] = tuple(sorted(others))
    return out
