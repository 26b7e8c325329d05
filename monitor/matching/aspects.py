"""Aspect partners of verbs (задерживать / задержать) from monitor/patterns/aspects.toml.

pymorphy3 keeps a verb's two aspects as two lemmas with no link between them, so the pairs
that the packs need are listed by hand; the compiler gives a lemma word of a pair its
partner's forms as well, and the robustness test re-inflects posts into the partner.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

from monitor.errors import PatternError
from monitor.matching.normalize import fold_word

SOURCE = "monitor/patterns/aspects.toml"


def parse_aspects(text: str, source: str = SOURCE) -> dict[str, str]:
    """Each lemma of a pair mapped to its partner; PatternError names a malformed entry."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise PatternError(source, f"not valid TOML: {e}") from e
    partners: dict[str, str] = {}
    for lang, pairs in data.items():
        if not isinstance(pairs, list):
            raise PatternError(source, f"{lang!r} must be a list of [imperfective, perfective]")
        for pair in pairs:
            if (
                not isinstance(pair, list)
                or len(pair) != 2
                or not all(isinstance(w, str) and w for w in pair)
            ):
                raise PatternError(
                    source, f"{lang}: {pair!r} is not a pair [imperfective, perfective]"
                )
            first, second = (fold_word(w) for w in pair)
            if first == second:
                raise PatternError(source, f"{lang}: {pair!r} pairs a verb with itself")
            for word, partner in ((first, second), (second, first)):
                if partners.setdefault(word, partner) != partner:
                    raise PatternError(source, f"{lang}: {word!r} is listed in two pairs")
    return partners


@cache
def aspect_partners() -> dict[str, str]:
    """The bundled pairs, read once per process."""
    text = resources.files("monitor.patterns").joinpath("aspects.toml").read_text("utf-8")
    return parse_aspects(text)
