"""What the archive stores of a post's places, and the search terms that find them (pure).

The search index gets one term per place a post names (`plc` + GeoNames id) beside its lemma
terms; a query word that names a place looks that term up too. So «Мелитополь» finds «у
Мелітополі», and «Артемовск» finds «Бахмут»: both are names of one place.
"""

from __future__ import annotations

from collections.abc import Sequence

from monitor.domain import PostPlace
from monitor.matching import index_terms as lemma_index_terms
from monitor.matching import query_terms as lemma_query_terms
from monitor.places.gazetteer import default_gazetteer
from monitor.places.tagger import AMBIGUOUS, PostPlaces, tag_post

PLACE_TERM = "plc"
UNKNOWN_SETTLEMENT = 0  # place_id of "a settlement of this region, which one unknown"


def place_term(place_id: int) -> str:
    return f"{PLACE_TERM}{place_id}"


def post_places(text: str, home_region: str | None = None) -> list[PostPlace]:
    """The rows to store for a post's text (monitor.store.places.Tagger)."""
    return rows(tag_post(default_gazetteer(), text, home_region=home_region))


def rows(tagged: PostPlaces) -> list[PostPlace]:
    out: list[PostPlace] = []
    for m in tagged.mentions:
        if m.place is not None:
            out.append(PostPlace(m.place.id, m.place.region, False, m.how, m.text))
            continue
        out += [PostPlace(c.id, c.region, True, AMBIGUOUS, m.text) for c in m.candidates]
        if m.region is not None:  # every candidate in one region: the region is certain
            out.append(PostPlace(UNKNOWN_SETTLEMENT, m.region, False, AMBIGUOUS, m.text))
    return out


def index_terms(text: str) -> list[str]:
    """Lemma terms of the text, then a place term per place it names (every candidate of an
    ambiguous name: a search for any of them should find it)."""
    terms = lemma_index_terms(text)
    for m in tag_post(default_gazetteer(), text).mentions:
        terms += [place_term(p.id) for p in m.candidates]
    return terms


def query_terms(word: str) -> list[str]:
    """A query word's lemma terms, and the place terms of every place it names."""
    terms = lemma_query_terms(word)
    return terms + [place_term(p.id) for p in default_gazetteer().lookup(word)]


def place_ids(names: Sequence[str]) -> frozenset[int]:
    g = default_gazetteer()
    return frozenset(p.id for n in names for p in g.lookup(n))
