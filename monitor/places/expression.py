"""Places in analysts' expressions: a place name matches all its spellings and forms, and
`place:` / `region:` filters keep posts about a place or region (pure; loads the gazetteer).

`/subscribe облава AND Мелитополь` fires on «У Мелітополі окупанти влаштували облаву»: the word
«Мелитополь» names a place, so it also matches every form of every name of that place
(Мелітополь, Мелитополе, з Мелітополя, Melitopol). Renamed places carry their old names
(Бахмут / Артемовск), so either name finds both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from monitor.domain import Hit, Span
from monitor.matching.expression import And, Near, Node, Or, Phrase, Query, Regex, Word
from monitor.matching.matcher import Matcher
from monitor.places.gazetteer import Gazetteer, Name, Place, default_gazetteer
from monitor.places.regions import region_slugs
from monitor.places.tagger import PostPlaces, tag_post

FILTER_KEYS = ("place", "region")
_FILTER_RE = re.compile(r'(?<![\w"])(place|region):("[^"]*"|[^\s()"]+)', re.IGNORECASE)
_EDGE_BEFORE = r"(?:^|[^\pL\pN'])"
_EDGE_AFTER = r"(?:$|[^\pL\pN'])"


class PlaceFilterError(ValueError):
    """A `place:` or `region:` value the gazetteer does not know; the message says what to write."""


@dataclass(frozen=True, slots=True)
class PlaceFilter:
    """`place:X` (any of `places`) or `region:Y` (any of `regions`), as written."""

    source: str
    places: frozenset[int] = frozenset()
    regions: frozenset[str] = frozenset()

    def holds(self, tagged: PostPlaces) -> bool:
        if self.places:
            return any(p.id in self.places for p in tagged.places)
        return any(r in self.regions for r in tagged.regions)


def parse_filter(key: str, value: str, gazetteer: Gazetteer | None = None) -> PlaceFilter:
    """One filter; PlaceFilterError names the problem and what to write instead."""
    value = value.strip().strip('"').strip()
    source = f"{key}:{value}"
    if not value:
        raise PlaceFilterError(f"{key}: needs a value, e.g. place:Мелитополь or region:occupied")
    if key.lower() == "region":
        try:
            return PlaceFilter(source, regions=region_slugs(value))
        except ValueError as e:
            raise PlaceFilterError(str(e)) from None
    found = (gazetteer or default_gazetteer()).lookup(value)
    if not found:
        raise PlaceFilterError(
            f"no settlement named {value!r} in the gazetteer: check the spelling, "
            'or quote a name of several words (place:"Нова Каховка")'
        )
    return PlaceFilter(source, places=frozenset(p.id for p in found))


def split_filters(expression: str) -> tuple[str, tuple[PlaceFilter, ...]]:
    """The expression without its `place:` / `region:` filters, and the filters."""
    filters = tuple(parse_filter(m[1], m[2]) for m in _FILTER_RE.finditer(expression))
    return _FILTER_RE.sub(" ", expression).strip(), filters


def has_filters(expression: str) -> bool:
    return _FILTER_RE.search(expression) is not None


def expand_places(query: Query, gazetteer: Gazetteer | None = None) -> Query:
    """The query with each place name also matching every form of every name of its places."""
    g = gazetteer or default_gazetteer()
    return Query(_expand(query.positive, g), query.minus, query.unless)


def _expand(node: Node, g: Gazetteer) -> Node:
    if isinstance(node, Word):
        return _or_place(node, node.source if node.kind == "lemma" else "", g)
    if isinstance(node, Phrase) and node.gap == 0:
        written = " ".join(w.text for w in node.words)
        return _or_place(node, written, g)
    if isinstance(node, Near):
        return Near(_expand(node.left, g), _expand(node.right, g), node.distance)
    if isinstance(node, And):
        return And(_expand_words(node.children, g))
    if isinstance(node, Or):
        return Or(tuple(_expand(c, g) for c in node.children))
    return node


def _expand_words(children: tuple[Node, ...], g: Gazetteer) -> tuple[Node, ...]:
    """Children of an AND, with two or three words in a row that name a place (Нова Каховка,
    written without quotes) taken together as that place."""
    out: list[Node] = []
    i = 0
    while i < len(children):
        for n in (3, 2):
            run = children[i : i + n]
            if len(run) == n and all(isinstance(w, Word) and w.kind == "lemma" for w in run):
                written = " ".join(w.source for w in run if isinstance(w, Word))
                found = g.lookup(written)
                if found:
                    out.append(Or((And(run), Regex(place_pattern(g, found)))))
                    i += n
                    break
        else:
            out.append(_expand(children[i], g))
            i += 1
    return tuple(out)


def _or_place(node: Node, written: str, g: Gazetteer) -> Node:
    found = g.lookup(written) if written else ()
    if not found:
        return node
    return Or((node, Regex(place_pattern(g, found))))


def place_pattern(g: Gazetteer, places: tuple[Place, ...]) -> str:
    """An RE2 pattern of every form of every name of `places`, over normalized text."""
    alternatives = sorted({_name_pattern(n) for n in g.names_of(p.id for p in places)})
    return _EDGE_BEFORE + "(?:" + "|".join(alternatives) + ")" + _EDGE_AFTER


def _name_pattern(name: Name) -> str:
    words = [name.forms, *name.rest]
    return r"\s+".join(
        "(?:" + "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True)) + ")"
        for forms in words
    )


@lru_cache(maxsize=64)
def tagged(text: str) -> PostPlaces:
    """A post's places, kept for the few posts in flight: every filtered subscription asks."""
    return tag_post(default_gazetteer(), text)


class FilteredMatcher(Matcher):
    """An expression's matcher that also requires its `place:` / `region:` filters to hold.

    Without words (`region:occupied` alone) it matches every post about the place or region,
    its spans the place mentions.
    """

    def __init__(self, inner: Matcher, filters: tuple[PlaceFilter, ...], *, words: bool) -> None:
        super().__init__(inner._c, list(inner.rules), dict(inner.category_descriptions))
        self.filters = filters
        self._words = words

    def find_hits(self, text: str) -> list[Hit]:
        hits = super().find_hits(text)
        if not hits:
            return []
        found = tagged(text)
        if not all(f.holds(found) for f in self.filters):
            return []
        if self._words:
            return hits
        spans = tuple(Span(m.start, m.end, m.text, term="place") for m in found.mentions)
        return [Hit(h.rule_id, h.category, spans, h.tags) for h in hits]


ANY_TEXT = r"[\pL\pN]"  # the words of a filters-only expression: any post with a letter
