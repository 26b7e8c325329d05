"""The shipped gazetteer of Ukraine's settlements, loaded once on first use (reads one package file).

data/gazetteer.json.gz is built by scripts/build_gazetteer.py from GeoNames (CC BY 4.0) and
KATOTTG; docs/places.md says how. Loading takes a few tenths of a second, so nothing loads it
at import: `patterns check` and `check-config` never pay for it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from monitor.matching.normalize import fold_word
from monitor.places.regions import OCCUPIED, region

DATA_FILE = "gazetteer.json.gz"


@dataclass(frozen=True, slots=True)
class Place:
    """A settlement: GeoNames id, Ukrainian, Russian and Latin names, region, where, how big."""

    id: int
    uk: str
    ru: str
    en: str
    region: str
    lat: float
    lon: float
    population: int

    @property
    def occupied_region(self) -> bool:
        return self.region in OCCUPIED

    def label(self) -> str:
        """«Мелітополь / Мелитополь (Запорізька область)»: both names when they differ."""
        names = self.uk if self.uk == self.ru else f"{self.uk} / {self.ru}"
        return f"{names} ({region(self.region).uk})"


@dataclass(frozen=True, slots=True)
class Name:
    """One written name (folded, words split) of one or more places (homonyms share it)."""

    key: str
    places: tuple[Place, ...]
    forms: Sequence[str]  # forms of the first word (of the only one, for most names)
    rest: tuple[frozenset[str], ...]  # forms of the 2nd, 3rd... word of a longer name
    common: frozenset[str]  # forms that are ordinary words too: a place only in context
    whole_common: bool  # a longer name made of ordinary words only (Кривий Ріг)

    @property
    def length(self) -> int:
        return 1 + len(self.rest)

    def is_common(self, first_form: str) -> bool:
        return self.whole_common or first_form in self.common


class Gazetteer:
    """Every place, and every form of every name by its first word."""

    def __init__(self, places: tuple[Place, ...], first: dict[str, list[Name]]) -> None:
        self.places = places
        self.by_id = {p.id: p for p in places}
        # first word's form -> the names starting with it, longest first
        self.first = first
        self._names_of: dict[int, tuple[Name, ...]] | None = None  # built on first use

    def lookup(self, written: str) -> tuple[Place, ...]:
        """The places a name written in a query means, in any spelling or case form
        (Мелитополь, у Мелітополі, Melitopol, Артемовск); () when it names none."""
        words = fold_word(written).replace("-", " ").split()
        if not words:
            return ()
        found: dict[int, Place] = {}
        for name in self.first.get(words[0], ()):
            if name.length == len(words) and all(
                w in forms for w, forms in zip(words[1:], name.rest, strict=True)
            ):
                found.update((p.id, p) for p in name.places)
        return tuple(sorted(found.values(), key=lambda p: -p.population))

    def names_of(self, place_ids: Iterable[int]) -> list[Name]:
        """Every name any of these places bears (for spelling out all their forms)."""
        if self._names_of is None:
            index: dict[int, dict[str, Name]] = {}
            for names in self.first.values():
                for name in names:
                    for p in name.places:
                        index.setdefault(p.id, {})[name.key] = name
            self._names_of = {k: tuple(v.values()) for k, v in index.items()}
        found: dict[str, Name] = {}
        for place_id in place_ids:
            found.update((n.key, n) for n in self._names_of.get(place_id, ()))
        return list(found.values())

    def in_regions(self, slugs: frozenset[str]) -> tuple[Place, ...]:
        return tuple(p for p in self.places if p.region in slugs)


def load(raw: bytes) -> Gazetteer:
    import gzip  # here: the CLI's start-up never pays for it

    doc = json.loads(gzip.decompress(raw))
    places = tuple(Place(*row) for row in doc["places"])
    first: dict[str, list[Name]] = {}
    longer: list[list[Name]] = []
    for key, ids, forms, common, whole_common in doc["names"]:
        rest = tuple(frozenset(f) for f in forms[1:])
        name = Name(
            key, tuple(places[i] for i in ids), forms[0], rest, frozenset(common), whole_common
        )
        for form in forms[0]:
            known = first.get(form)
            if known is None:
                first[form] = [name]
            else:
                known.append(name)
                if rest:
                    longer.append(known)
    for known in longer:
        known.sort(key=_longest_first)
    return Gazetteer(places, first)


def _longest_first(name: Name) -> int:
    return -name.length


@cache
def default_gazetteer() -> Gazetteer:
    """The gazetteer shipped in the package, loaded on first call (about 0.3 s)."""
    raw = resources.files("monitor.places").joinpath("data", DATA_FILE).read_bytes()
    return load(raw)
